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
import { TriggerRunButton } from './run-actions';
import { RunsTable } from './runs-table';

const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';

/**
 * A pipeline's run history: filters live in the URL, pages by keyset, the
 * statuses of the listed runs follow live while new runs are announced.
 */
export function PipelineRunsPageView({
  initial,
  params,
  search,
}: {
  initial: ViewData<'pipeline-runs'>;
  params: PipelineRunsParams;
  search: RunFilterSearch & { cursor?: string };
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
        <div className="flex items-start justify-between gap-4">
          <div>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              <Link href={paths.pipelines()} className="hover:underline">
                Pipelines
              </Link>{' '}
              / {pipeline.project}
            </p>
            <h1 className="text-2xl font-semibold">{pipeline.title}</h1>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              {pipeline.sourceFile} · version <span className="font-mono">{pipeline.versionHash?.slice(0, 8)}</span>
            </p>
          </div>
          <TriggerRunButton pipelineId={pipeline.id} />
        </div>

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
              {view.filtered ? 'Clear a filter to see more.' : 'Click “Run pipeline” to start the first one.'}
            </EmptyState>
          }
          rows={view.runs}
          now={now}
        />
        <div className="flex gap-4 text-sm">
          {search.cursor ? (
            <Link href={query({ until: view.until })} className="text-sky-700 hover:underline dark:text-sky-400">
              ← Newest runs
            </Link>
          ) : null}
          {view.nextCursor ? (
            <Link
              href={query({ cursor: view.nextCursor, until: view.until })}
              className="text-sky-700 hover:underline dark:text-sky-400"
            >
              Older runs →
            </Link>
          ) : null}
        </div>
      </div>
    </MayProvider>
  );
}
