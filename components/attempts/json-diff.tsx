import { diffLines } from 'diff';

const pretty = (value: unknown) => (value === null || value === undefined ? '' : JSON.stringify(value, null, 2) + '\n');

/**
 * Two JSON values side by side, line by line: removed lines on the left in
 * red, added lines on the right in green, unchanged lines on both. Text only.
 */
export function JsonDiff({ label, before, after }: { label: string; before: unknown; after: unknown }) {
  const left: { text: string; kind: 'same' | 'removed' | 'blank' }[] = [];
  const right: { text: string; kind: 'same' | 'added' | 'blank' }[] = [];
  for (const part of diffLines(pretty(before), pretty(after))) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.added) lines.forEach((text) => right.push({ text, kind: 'added' }));
    else if (part.removed) lines.forEach((text) => left.push({ text, kind: 'removed' }));
    else {
      // Re-align both columns before an unchanged block.
      while (left.length < right.length) left.push({ text: '', kind: 'blank' });
      while (right.length < left.length) right.push({ text: '', kind: 'blank' });
      lines.forEach((text) => {
        left.push({ text, kind: 'same' });
        right.push({ text, kind: 'same' });
      });
    }
  }
  while (left.length < right.length) left.push({ text: '', kind: 'blank' });
  while (right.length < left.length) right.push({ text: '', kind: 'blank' });
  const same = JSON.stringify(before) === JSON.stringify(after);
  const cls = {
    same: '',
    blank: 'bg-zinc-50 dark:bg-zinc-900',
    removed: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
    added: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
  };
  const marker = { same: ' ', blank: ' ', removed: '−', added: '+' };
  // One row per line pair, so a long line wraps in place (never cut where the
  // values differ) and the two sides stay aligned beside it.
  const cell = (line: (typeof left)[number] | (typeof right)[number]) => (
    <td className={`whitespace-pre-wrap px-2 align-top [overflow-wrap:anywhere] ${cls[line.kind]}`}>
      <span aria-hidden className="mr-2 select-none opacity-60">
        {marker[line.kind]}
      </span>
      {line.text || ' '}
    </td>
  );
  return (
    <section>
      <h3 className="mb-1 text-sm font-semibold">
        {label} <span className="font-normal text-zinc-500 dark:text-zinc-400">{same ? '· identical' : '· differ'}</span>
      </h3>
      <div className="rounded-md border border-zinc-200 bg-white py-1 dark:border-zinc-800 dark:bg-zinc-950">
        <table className="w-full table-fixed border-separate border-spacing-x-1 font-mono text-xs" data-json-diff>
          <thead className="sr-only">
            <tr>
              <th scope="col">Before</th>
              <th scope="col">After</th>
            </tr>
          </thead>
          <tbody>
            {left.length === 0 ? (
              <tr>
                <td className="px-2 text-zinc-400">—</td>
                <td className="px-2 text-zinc-400">—</td>
              </tr>
            ) : null}
            {left.map((line, i) => (
              <tr key={i}>
                {cell(line)}
                {cell(right[i])}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
