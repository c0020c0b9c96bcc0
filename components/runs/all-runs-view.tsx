'use client';

import Link from 'next/link';
// Values from a module without server imports: this file is in the browser's bundle.
import { RUN_STATUSES, RUN_TRIGGERS } from '@/lib/runs/state';
import { paths } from '@/lib/paths';
import type { ViewData } from '@/lib/views/registry';
import type { AllRunsParams, AllRunsSearch } from '@/lib/views/runs';
import { MayProvider } from '../access/may';
import { useNow, useView } from '../live/use-view';
import { EmptyState } from '../ui/card';
import { NewRunsNotice } from './new-runs-notice';
import { RunsPager, RunsTable } from './runs-table';

const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const label = 'text-xs text-zinc-500 dark:text-zinc-400';

/**
 * Every run the reader may see: filters (pipeline, status, environment,
 * branch, trigger, who, time) live in the URL, pages by keyset, statuses follow
 * live while new runs are announced; or the runs a header search found.
 */
export function AllRunsPageView({
  initial,
  params,
  search,
}: {
  initial: ViewData<'runs'>;
  params: AllRunsParams;
  search: AllRunsSearch & { cursor?: string };
}) {
  const view = useView('runs', params, initial);
  const now = useNow(
    view.now,
    view.runs.some((r) => r.status === 'running' || r.status === 'queued'),
  );
  const { options } = view;
  const query = (extra: Record<string, string | undefined>) => paths.runs({ ...search, cursor: undefined, ...extra });

  return (
    <MayProvider may={view.may}>
      <div className="space-y-5">
        <div>
          <h1 className="text-2xl font-semibold">Runs</h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">Every run of the pipelines you may see, newest first.</p>
        </div>

        {view.search ? (
          <p role="status" className="flex flex-wrap items-center gap-3 text-sm">
            <span>
              {view.search.understood
                ? `${view.runs.length}${view.runs.length === 50 ? '+' : ''} ${view.runs.length === 1 ? 'run matches' : 'runs match'}`
                : 'Search by run number (#42, release #42), run id or commit prefix; this is none of those:'}{' '}
              <span className="font-mono">“{view.search.q}”</span>
            </span>
            <Link href={paths.runs()} className="text-sky-700 hover:underline dark:text-sky-400">
              Show all runs
            </Link>
          </p>
        ) : (
          <form className="flex flex-wrap items-end gap-3 text-sm" action={paths.runs()} aria-label="Filter runs">
            <label className="flex flex-col gap-1">
              <span className={label}>Pipeline</span>
              <select name="pipeline" defaultValue={search.pipeline ?? ''} className={select}>
                <option value="">any</option>
                {options.pipelines.map((p) => (
                  <option key={p.id} value={p.id}>
                    {p.title} ({p.project})
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Status</span>
              <select name="status" defaultValue={search.status ?? ''} className={select}>
                <option value="">any</option>
                {RUN_STATUSES.map((s) => (
                  <option key={s}>{s}</option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Environment</span>
              <select name="environment" defaultValue={search.environment ?? ''} className={select}>
                <option value="">any</option>
                {options.environments.map((e) => (
                  <option key={e}>{e}</option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Branch</span>
              <input name="branch" defaultValue={search.branch ?? ''} placeholder="any" maxLength={200} className={`${select} w-32`} />
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Trigger</span>
              <select name="trigger" defaultValue={search.trigger ?? ''} className={select}>
                <option value="">any</option>
                {RUN_TRIGGERS.map((t) => (
                  <option key={t}>{t}</option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              <span className={label}>Triggered by</span>
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
              <span className={label}>Created</span>
              <select name="period" defaultValue={search.period ?? ''} className={select}>
                <option value="">any time</option>
                <option value="1h">last hour</option>
                <option value="24h">last 24 hours</option>
                <option value="7d">last 7 days</option>
                <option value="30d">last 30 days</option>
              </select>
            </label>
            <button type="submit" className="rounded-md bg-zinc-900 px-3 py-1.5 text-white dark:bg-zinc-100 dark:text-zinc-900">
              Filter
            </button>
            {view.filtered ? (
              <Link href={paths.runs()} className="py-1.5 text-sky-700 hover:underline dark:text-sky-400">
                Clear filters
              </Link>
            ) : null}
          </form>
        )}

        {view.search ? null : <NewRunsNotice pipelineId={null} firstPageUrl={query({})} />}
        <RunsTable
          empty={
            <EmptyState title={view.search ? 'No run matches' : view.filtered ? 'No runs match these filters' : 'No runs yet'}>
              {view.search
                ? 'Try a run number such as #42, the first characters of a run id, or of a commit.'
                : view.filtered
                  ? 'Clear a filter to see more.'
                  : 'Open a pipeline and click “Run pipeline…” to start the first one.'}
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
