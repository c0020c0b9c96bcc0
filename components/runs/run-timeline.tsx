import { ATTEMPT_KIND_LABEL } from '@/lib/attempts/kinds';
import { paths } from '@/lib/paths';
import type { RunView } from '@/lib/views/run';
import { formatMs } from '../pipelines/duration-chart';
import { absolute } from '../ui/time';

type Row = RunView['timeline'][number];
type Bar = Row['bars'][number];

const RAN: Record<string, string> = {
  succeeded: 'bg-emerald-500',
  failed: 'bg-red-500',
  lost: 'bg-orange-500',
  cancelled: 'bg-amber-500',
  running: 'bg-sky-500 animate-pulse',
  queued: 'bg-zinc-400',
};

const HATCH = 'repeating-linear-gradient(45deg, transparent 0 3px, rgba(255, 255, 255, 0.6) 3px 6px)';
const t = (iso: string | null) => (iso ? Date.parse(iso) : null);

/** "attempt 2 (retry): failed, queued 0.3 s, ran 2.1 s". */
export function barText(bar: Bar, now: Date) {
  const queued = t(bar.queuedAt)!;
  const started = t(bar.startedAt);
  const finished = t(bar.finishedAt);
  const end = finished ?? now.getTime();
  const parts = [`attempt ${bar.number} (${ATTEMPT_KIND_LABEL[bar.kind]}): ${bar.status}`];
  if (started !== null) {
    parts.push(`queued ${formatMs(Math.max(0, started - queued))}`);
    parts.push(`${finished === null ? 'running for' : 'ran'} ${formatMs(Math.max(0, end - started))}`);
  } else if (finished === null) parts.push(`waiting for ${formatMs(Math.max(0, end - queued))}`);
  else parts.push('never started');
  return parts.join(', ');
}

/**
 * Where a run attempt's time went (a Gantt chart): one row per step, each of
 * its attempts a bar from queued (pale) through started to ended (its status'
 * colour), on one time axis starting when the shown run attempt's first step
 * was queued. Attempts a later one replaced are hatched and faded; those from
 * earlier run attempts (often hours before) are named beside the row rather
 * than stretching the axis. Every bar has its times in words.
 */
export function RunTimeline({ runId, rows, shownAttempt, now }: { runId: string; rows: Row[]; shownAttempt: number; now: Date }) {
  const own = rows.flatMap((r) => r.bars.filter((b) => b.runAttempt === shownAttempt));
  const basis = own.length ? own : rows.flatMap((r) => r.bars);
  if (!basis.length) {
    return <p className="text-sm text-zinc-500 dark:text-zinc-400">No step has been queued in this run attempt yet.</p>;
  }
  const start = Math.min(...basis.map((b) => t(b.queuedAt)!));
  const end = Math.max(start + 1, ...basis.map((b) => t(b.finishedAt) ?? now.getTime()));
  const span = end - start;
  const pct = (ms: number) => `${Math.min(100, Math.max(0, ((ms - start) / span) * 100))}%`;
  const width = (from: number, to: number) => `max(2px, ${Math.max(0, ((Math.min(to, end) - Math.max(from, start)) / span) * 100)}%)`;
  const onAxis = (b: Bar) => b.runAttempt === shownAttempt || (own.length === 0 && b.runAttempt <= shownAttempt);
  const ticks = [0, 0.25, 0.5, 0.75, 1];

  return (
    <div className="rounded-lg border border-zinc-200 bg-white p-3 text-sm dark:border-zinc-800 dark:bg-zinc-900/60" data-run-timeline>
      <p className="mb-2 text-xs text-zinc-500 dark:text-zinc-400">
        From {absolute(new Date(start))}, {formatMs(span)} in all. Pale: queued; solid: running until it ended; hatched: replaced by a later attempt.
      </p>
      <div className="grid grid-cols-[minmax(8rem,14rem)_minmax(0,1fr)] gap-x-3">
        <div />
        <div className="relative mb-1 h-4 text-[11px] text-zinc-500 tabular-nums dark:text-zinc-400" aria-hidden>
          {ticks.map((f) => (
            <span
              key={f}
              className="absolute -translate-x-1/2 whitespace-nowrap first:translate-x-0 last:-translate-x-full"
              style={{ left: `${f * 100}%` }}
            >
              +{formatMs(Math.round(span * f))}
            </span>
          ))}
        </div>
        <ol className="contents">
          {rows.map((row) => {
            const shown = row.bars.filter(onAxis);
            const before = row.bars.filter((b) => !onAxis(b));
            const last = row.bars[row.bars.length - 1];
            return (
              <li key={row.key} className="contents" data-timeline-step={row.key}>
                <div className="min-w-0 border-t border-zinc-100 py-1.5 dark:border-zinc-800">
                  <a href={paths.runStep(runId, row.key)} className="block truncate font-medium text-sky-700 hover:underline dark:text-sky-400" title={row.title}>
                    {row.title}
                  </a>
                  <p className="text-xs text-zinc-500 dark:text-zinc-400">
                    {!last
                      ? 'did not run'
                      : last.runAttempt < shownAttempt
                        ? `kept from run attempt ${last.runAttempt} (${last.status})`
                        : barText(last, now)}
                  </p>
                </div>
                <div className="relative min-h-10 border-t border-zinc-100 py-1.5 dark:border-zinc-800">
                  {ticks.slice(1, -1).map((f) => (
                    <span key={f} aria-hidden className="absolute inset-y-0 w-px bg-zinc-100 dark:bg-zinc-800" style={{ left: `${f * 100}%` }} />
                  ))}
                  {before.length ? (
                    <p className="relative text-[11px] text-zinc-500 dark:text-zinc-400">
                      {before.map((b) => (
                        <span key={b.number} className="mr-2 inline-block rounded border border-dashed border-zinc-300 px-1 dark:border-zinc-600" title={barText(b, now)}>
                          ← run attempt {b.runAttempt}: #{b.number} {b.status}
                          {b.startedAt && b.finishedAt ? ` · ${formatMs(t(b.finishedAt)! - t(b.startedAt)!)}` : ''}
                        </span>
                      ))}
                    </p>
                  ) : null}
                  {shown.map((b) => {
                    const queued = t(b.queuedAt)!;
                    const started = t(b.startedAt);
                    const finished = t(b.finishedAt) ?? now.getTime();
                    const replaced = b.earlier;
                    const text = barText(b, now);
                    return (
                      <span
                        key={b.number}
                        role="img"
                        aria-label={`${row.title}, ${text}`}
                        title={`${text}\nqueued ${absolute(b.queuedAt)}${b.startedAt ? `\nstarted ${absolute(b.startedAt)}` : ''}${b.finishedAt ? `\nended ${absolute(b.finishedAt)}` : ''}`}
                        data-bar-status={b.status}
                        data-replaced={replaced ? '' : undefined}
                        className={`relative mt-1 block h-3 ${replaced ? 'opacity-60' : ''}`}
                      >
                        <span
                          className="absolute inset-y-0 rounded-sm bg-zinc-300 dark:bg-zinc-600"
                          style={{ left: pct(queued), width: width(queued, started ?? finished) }}
                        />
                        {started !== null ? (
                          <span
                            className={`absolute inset-y-0 rounded-sm ${RAN[b.status] ?? RAN.queued}`}
                            style={{ left: pct(started), width: width(started, finished), backgroundImage: replaced ? HATCH : undefined }}
                          />
                        ) : null}
                      </span>
                    );
                  })}
                </div>
              </li>
            );
          })}
        </ol>
      </div>
    </div>
  );
}
