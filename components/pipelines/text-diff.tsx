'use client';

import { useState } from 'react';
import { foldUnchanged, unifiedLines, type DiffLine } from '@/lib/text-diff';

const ROW = {
  same: '',
  removed: 'bg-red-100 text-red-900 dark:bg-red-950 dark:text-red-200',
  added: 'bg-emerald-100 text-emerald-900 dark:bg-emerald-950 dark:text-emerald-200',
};
// Muted on unchanged lines; on changed ones the row's own colour keeps them readable.
const NUMBER = { same: 'text-zinc-500 dark:text-zinc-400', removed: '', added: '' };
const MARKER = { same: ' ', removed: '−', added: '+' };

function Row({ line }: { line: DiffLine }) {
  return (
    <tr className={ROW[line.kind]} data-diff={line.kind}>
      <td className={`w-10 px-2 text-right align-top select-none ${NUMBER[line.kind]}`}>{line.old ?? ''}</td>
      <td className={`w-10 px-2 text-right align-top select-none ${NUMBER[line.kind]}`}>{line.new ?? ''}</td>
      <td className="w-4 align-top select-none" aria-hidden>
        {MARKER[line.kind]}
      </td>
      <td className="pr-3 break-all whitespace-pre-wrap">
        {line.kind === 'added' ? (
          <span className="sr-only">added: </span>
        ) : line.kind === 'removed' ? (
          <span className="sr-only">removed: </span>
        ) : null}
        {line.text || ' '}
      </td>
    </tr>
  );
}

/**
 * A text diff, rendered as text: removed lines red with "−", added green with
 * "+", both line numbers beside, three unchanged lines around each change and
 * longer unchanged stretches folded (a click shows them). Long lines wrap
 * instead of being cut.
 */
export function TextDiff({ before, after, label }: { before: string; after: string; label: string }) {
  const lines = unifiedLines(before, after);
  const changed = lines.filter((l) => l.kind !== 'same').length;
  const [opened, setOpened] = useState<ReadonlySet<number>>(new Set());
  return (
    <div
      role="region"
      aria-label={label}
      tabIndex={0}
      className="max-h-[36rem] overflow-auto rounded-md border border-zinc-200 bg-white font-mono text-xs dark:border-zinc-800 dark:bg-zinc-950"
    >
      {changed === 0 ? (
        <p className="px-3 py-2 font-sans text-sm text-zinc-500 dark:text-zinc-400">
          The two versions have the same source.
        </p>
      ) : null}
      <table className="w-full border-collapse">
        <tbody>
          {foldUnchanged(lines).map((item) =>
            item.kind !== 'fold' ? (
              <Row key={`${item.old}:${item.new}`} line={item} />
            ) : opened.has(item.id) ? (
              item.lines.map((line) => <Row key={`${line.old}:${line.new}`} line={line} />)
            ) : (
              <tr key={`fold:${item.id}`} data-diff="fold" className="bg-zinc-50 dark:bg-zinc-900">
                <td colSpan={4} className="px-2 py-0.5">
                  <button
                    type="button"
                    onClick={() => setOpened((open) => new Set(open).add(item.id))}
                    className="font-sans text-sky-700 hover:underline dark:text-sky-400"
                  >
                    ⋯ show {item.lines.length} unchanged lines ({item.lines[0].old}–
                    {item.lines[item.lines.length - 1].old})
                  </button>
                </td>
              </tr>
            ),
          )}
        </tbody>
      </table>
    </div>
  );
}
