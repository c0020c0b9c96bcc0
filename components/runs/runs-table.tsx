'use client';

import { useMay } from '../access/may';
import Link from 'next/link';
import { useState } from 'react';
import { toast } from 'sonner';
import type { bulkRetryAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
import { RETRYABLE_RUN } from '@/lib/runs/state';
import type { PipelineRunsView } from '@/lib/views/pipeline-runs';
type BulkRetryAnswer = Extract<Awaited<ReturnType<typeof bulkRetryAction>>, { ok: true }>['data'];
import { Button } from '../ui/button';
import { BulkRetryButton } from './bulk-retry-dialog';
import { StatusBadge } from '../ui/status-badge';
import { absolute, formatDuration, relative } from '../ui/time';

/** A run of the list; the all-runs page names each one's pipeline. */
type RunRow = PipelineRunsView['runs'][number] & { pipelineId?: string; pipelineTitle?: string };

/** A list of runs; failed ones can be selected and retried together, after seeing each one's plan. */
export function RunsTable({ rows, now, empty }: { rows: RunRow[]; now: Date; empty: React.ReactNode }) {
  const refresh = useRefreshViews();
  const showPipeline = rows.some((r) => r.pipelineTitle !== undefined);
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [results, setResults] = useState<BulkRetryAnswer['results'] | null>(null);
  const may = useMay();
  // Only readers who may retry are offered the selection.
  const selectable = may.operate ? rows.filter((r) => RETRYABLE_RUN.includes(r.status)) : [];
  const toggle = (id: string) =>
    setSelected((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const numberOf = (id: string) => rows.find((r) => r.id === id)?.number;

  const retried = (answers: BulkRetryAnswer['results']) => {
    setResults(answers);
    setSelected(new Set());
    const ok = answers.filter((r) => r.ok).length;
    toast[ok === answers.length ? 'success' : 'warning'](`Retried ${ok} of ${answers.length} runs`);
    refresh(queryKeys.all('pipeline-runs'), queryKeys.all('runs'), queryKeys.all('overview'));
  };

  return (
    <div className="space-y-3">
      <div className="flex min-h-9 items-center gap-3 text-sm">
        {selected.size > 0 ? (
          <>
            <span>{selected.size} selected</span>
            <BulkRetryButton runIds={[...selected]} numberOf={numberOf} onDone={retried} />
            <Button onClick={() => setSelected(new Set())}>Clear</Button>
          </>
        ) : (
          <span className="text-zinc-500 dark:text-zinc-400">
            {selectable.length ? 'Select failed runs to retry them together.' : ''}
          </span>
        )}
      </div>
      {results ? (
        <ul
          aria-label="Bulk retry results"
          className="rounded-md border border-zinc-200 p-2 text-sm dark:border-zinc-800"
        >
          {results.map((r) => (
            <li
              key={r.run_id}
              className={r.ok ? 'text-emerald-700 dark:text-emerald-400' : 'text-red-700 dark:text-red-300'}
            >
              Run #{('number' in r ? r.number : undefined) ?? numberOf(r.run_id) ?? '?'}: {r.ok && 'attempt' in r ? `retrying (attempt ${r.attempt})` : 'error' in r ? r.error?.message : ''}
            </li>
          ))}
        </ul>
      ) : null}
      {rows.length === 0 ? empty : null}
      <div
        className={`overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900/60 ${rows.length ? '' : 'hidden'}`}
      >
        <table className="w-full text-sm">
          <thead className="bg-zinc-50 text-left text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400 dark:bg-zinc-900">
            <tr>
              <th className="w-10 px-4 py-2">
                <input
                  type="checkbox"
                  aria-label="Select all failed runs"
                  disabled={selectable.length === 0}
                  checked={selectable.length > 0 && selectable.every((r) => selected.has(r.id))}
                  onChange={(e) => setSelected(e.target.checked ? new Set(selectable.map((r) => r.id)) : new Set())}
                />
              </th>
              {showPipeline ? <th className="px-4 py-2">Pipeline</th> : null}
              <th className="px-4 py-2">Run</th>
              <th className="px-4 py-2">Status</th>
              <th className="px-4 py-2">Trigger</th>
              <th className="px-4 py-2">By</th>
              <th className="px-4 py-2">Branch · commit</th>
              <th className="px-4 py-2">Started</th>
              <th className="px-4 py-2">Duration</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {rows.map((run) => (
              <tr key={run.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                <td className="px-4 py-2">
                  {RETRYABLE_RUN.includes(run.status) ? (
                    <input
                      type="checkbox"
                      aria-label={`Select run #${run.number}`}
                      checked={selected.has(run.id)}
                      onChange={() => toggle(run.id)}
                    />
                  ) : null}
                </td>
                {showPipeline ? (
                  <td className="px-4 py-2">
                    {run.pipelineId ? (
                      <Link href={paths.pipeline(run.pipelineId)} className="hover:underline">
                        {run.pipelineTitle}
                      </Link>
                    ) : null}
                  </td>
                ) : null}
                <td className="px-4 py-2 font-medium">
                  <Link href={paths.run(run.id)} className="text-sky-700 hover:underline dark:text-sky-400">
                    #{run.number}
                  </Link>
                </td>
                <td className="px-4 py-2">
                  <StatusBadge status={run.status} suffix={run.attempt > 1 ? `attempt ${run.attempt}` : undefined} />
                </td>
                <td className="px-4 py-2">{run.trigger}</td>
                <td className="px-4 py-2">{run.actorName ?? '—'}</td>
                <td className="px-4 py-2 font-mono text-xs">
                  {run.branch ? `${run.branch} · ` : ''}
                  {run.commit?.slice(0, 7) ?? '—'}
                </td>
                <td className="px-4 py-2" title={absolute(run.startedAt ?? run.createdAt)}>
                  {relative(run.startedAt ?? run.createdAt, now)}
                </td>
                <td className="px-4 py-2" title="The latest attempt's own time: first step start to last step end">
                  {formatDuration(run.took.startedAt, run.took.finishedAt, now)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

/**
 * The keyset pager under a runs table: back to the newest runs once paged,
 * on to older ones while there are more, the list pinned by `until`.
 */
export function RunsPager({
  paged,
  nextCursor,
  until,
  href,
}: {
  paged: boolean;
  nextCursor: string | null;
  until: string;
  href: (extra: Record<string, string | undefined>) => string;
}) {
  return (
    <div className="flex gap-4 text-sm">
      {paged ? (
        <Link href={href({ until })} className="text-sky-700 hover:underline dark:text-sky-400">
          ← Newest runs
        </Link>
      ) : null}
      {nextCursor ? (
        <Link href={href({ cursor: nextCursor, until })} className="text-sky-700 hover:underline dark:text-sky-400">
          Older runs →
        </Link>
      ) : null}
    </div>
  );
}
