import Link from 'next/link';
import { NewRunsNotice } from '@/components/runs/new-runs-notice';
import { PinnedListRefresh } from '@/components/runs/pinned-list-refresh';
import { TriggerRunButton } from '@/components/runs/run-actions';
import { RunsTable } from '@/components/runs/runs-table';
import { EmptyState } from '@/components/ui/card';
import { formatDuration, relative } from '@/components/ui/time';
import type { RunStatus } from '@/db/schema';
import { paths } from '@/lib/paths';
import { getPipeline, listRuns, runFilterOptions, type RunListFilter } from '@/lib/runs/queries';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];
const TRIGGERS = ['manual', 'api', 'retry', 'redeploy', 'rollback', 'schedule'];
const PERIODS: Record<string, number> = { '1h': 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };

type Search = {
  cursor?: string;
  status?: string;
  branch?: string;
  trigger?: string;
  actor?: string;
  period?: string;
  until?: string;
};

/** A pipeline's run history: filters live in the URL, pages by keyset, new runs are announced. */
export default async function PipelinePage({
  params,
  searchParams,
}: {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<Search>;
}) {
  const { pipelineId } = await params;
  const search = await searchParams;
  const db = await getDb();
  const pipeline = await orNotFound(getPipeline(db, pipelineId));
  const options = await runFilterOptions(db, pipelineId);
  const now = new Date();
  const filter: RunListFilter = {
    pipelineId,
    status: STATUSES.includes(search.status as RunStatus) ? (search.status as RunStatus) : undefined,
    branch: search.branch || undefined,
    trigger: TRIGGERS.includes(search.trigger ?? '') ? search.trigger : undefined,
    actorId: options.actors.some((a) => a.id === search.actor) ? search.actor : undefined,
    since:
      search.period && PERIODS[search.period] ? new Date(now.getTime() - PERIODS[search.period] * 1000) : undefined,
    until: search.until,
    limit: 25,
  };
  const page = await listRuns(db, { ...filter, cursor: search.cursor }).catch(() => listRuns(db, filter));
  const filtered = !!(filter.status || filter.branch || filter.trigger || filter.actorId || filter.since);
  const query = (extra: Record<string, string | undefined>) => {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries({
      status: search.status,
      branch: search.branch,
      trigger: search.trigger,
      actor: search.actor,
      period: search.period,
      ...extra,
    })) {
      if (v) q.set(k, v);
    }
    const text = q.toString();
    return `${paths.pipeline(pipelineId)}${text ? `?${text}` : ''}`;
  };
  const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';

  return (
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
        action={paths.pipeline(pipelineId)}
        aria-label="Filter runs"
      >
        <label className="flex flex-col gap-1">
          <span className="text-xs text-zinc-500 dark:text-zinc-400">Status</span>
          <select name="status" defaultValue={search.status ?? ''} className={select}>
            <option value="">any</option>
            {STATUSES.map((s) => (
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
            {TRIGGERS.map((t) => (
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
        {filtered ? (
          <Link href={paths.pipeline(pipelineId)} className="py-1.5 text-sky-700 hover:underline dark:text-sky-400">
            Clear filters
          </Link>
        ) : null}
      </form>

      <NewRunsNotice pipelineId={pipelineId} firstPageUrl={query({})} />
      <PinnedListRefresh runIds={page.items.map((r) => r.id)} renderedAt={now.toISOString()} />
      {/* Always mounted: a bulk retry's results outlive the rows it changed. */}
      <RunsTable
        empty={
          <EmptyState title={filtered ? 'No runs match these filters' : 'No runs yet'}>
            {filtered ? 'Clear a filter to see more.' : 'Click “Run pipeline” to start the first one.'}
          </EmptyState>
        }
        rows={page.items.map((run) => ({
          id: run.id,
          number: run.number,
          status: run.status,
          attempt: run.attempt,
          trigger: run.trigger,
          actorName: run.actorName,
          branch: run.gitBranch,
          commit: run.gitCommit,
          started: relative(run.startedAt ?? run.createdAt, now),
          startedTitle: (run.startedAt ?? run.createdAt).toISOString(),
          duration: formatDuration(run.startedAt, run.finishedAt, now),
        }))}
      />
      <div className="flex gap-4 text-sm">
        {search.cursor ? (
          <Link href={query({ until: search.until })} className="text-sky-700 hover:underline dark:text-sky-400">
            ← Newest runs
          </Link>
        ) : null}
        {page.nextCursor ? (
          <Link
            href={query({ cursor: page.nextCursor, until: search.until })}
            className="text-sky-700 hover:underline dark:text-sky-400"
          >
            Older runs →
          </Link>
        ) : null}
      </div>
    </div>
  );
}
