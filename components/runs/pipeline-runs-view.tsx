'use client';

import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import Link from 'next/link';
import { paths } from '@/lib/paths';
// Values from a module without server imports: this file is in the browser's bundle.
import { RUN_STATUSES, RUN_TRIGGERS } from '@/lib/runs/state';
import type { PipelineRunsParams, RunFilterSearch } from '@/lib/views/pipeline-runs';
import { useNow, useView } from '../live/use-view';
import { EmptyState } from '../ui/card';
import { NewRunsNotice } from './new-runs-notice';
import { PipelineHeader } from '../pipelines/pipeline-header';
import { RunsPager, RunsTable } from './runs-table';

const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/**
 * A pipeline's run history: filters live in the URL, pages by keyset, the
 * statuses of the listed runs follow live while new runs are announced.
 */
export function PipelineRunsPageView({
  initial,
  params,
  search,
  chart,
}: {
  initial: ViewData<'pipeline-runs'>;
  params: PipelineRunsParams;
  search: RunFilterSearch & { cursor?: string };
  /** The duration chart, between the header and the filters. */
  chart?: React.ReactNode;
}) {
  const view = useView('pipeline-runs', params, initial);
  const now = useNow(
    view.now,
    view.runs.some((r) => r.status === 'running' || r.status === 'queued'),
  );
  const { pipeline, options } = view;
  const query = (extra: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({ ...search, cursor: undefined, ...extra })) if (v) q.set(k, v);
    const text = q.toString();
    return `${paths.pipeline(pipeline.id)}${text ? `?${text}` : ''}`;
  };

  return (
    <MayProvider may={view.may}>
      <div className="space-y-5">
        <PipelineHeader pipeline={pipeline} version={view.version} tab="runs" />
        {chart}

        <form
          className="flex flex-wrap items-end gap-3 text-sm"
          action={paths.pipeline(pipeline.id)}
          aria-label="Filter runs"
        >
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Status</span>
            <select name="status" defaultValue={search.status ?? ''} className={select}>
              <option value="">any</option>
              {RUN_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Branch</span>
            <select name="branch" defaultValue={search.branch ?? ''} className={select}>
              <option value="">any</option>
              {options.branches.map((b) => (
                <option key={b}>{b}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Trigger</span>
            <select name="trigger" defaultValue={search.trigger ?? ''} className={select}>
              <option value="">any</option>
              {RUN_TRIGGERS.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Triggered by</span>
            <select name="actor" defaultValue={search.actor ?? ''} className={select}>
              <option value="">anyone</option>
              {options.actors.map((a) => (
                <option key={a.id} value={a.id}>
                  {a.name}
                </option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Created</span>
            <select name="period" defaultValue={search.period ?? ''} className={select}>
              <option value="">any time</option>
              <option value="1h">last hour</option>
              <option value="24h">last 24 hours</option>
              <option value="7d">last 7 days</option>
              <option value="30d">last 30 days</option>
            </select>
          </label>
          <button
            type="submit"
            className="rounded-md bg-zinc-900 px-3 py-1.5 text-white dark:bg-zinc-100 dark:text-zinc-900"
          >
            Filter
          </button>
          {view.filtered ? (
            <Link href={paths.pipeline(pipeline.id)} className="py-1.5 text-sky-700 hover:underline dark:text-sky-400">
              Clear filters
            </Link>
          ) : null}
        </form>

        <NewRunsNotice pipelineId={pipeline.id} firstPageUrl={query({})} />
        {/* Always mounted: a bulk retry's results outlive the rows it changed. */}
        <RunsTable
          empty={
            <EmptyState title={view.filtered ? 'No runs match these filters' : 'No runs yet'}>
              {view.filtered ? 'Clear a filter to see more.' : 'Click “Run pipeline…” to start the first one.'}
            </EmptyState>
          }
          rows={view.runs}
          now={now}
        />
        <RunsPager paged={!!search.cursor} nextCursor={view.nextCursor} until={view.until} href={query} />
      </div>
    </MayProvider>
  );
}
