import type { Conn } from '@/db/client';
import type { RunStatus } from '@/db/schema';
import { DomainError } from '../errors';
import { getPipeline, listRuns, runFilterOptions, type RunListFilter } from '../runs/queries';
import { executionTimes } from '../runs/execution-time';
import { isFinishedRun, RUN_STATUSES, RUN_TRIGGERS } from '../runs/state';
import { SYSTEM_SCOPE } from '../auth/permissions';
import { pipelineVersionRefs } from '../pipelines/version-numbers';
import { toJson } from './json';

export { RUN_STATUSES, RUN_TRIGGERS };
export const RUN_PERIODS: Record<string, number> = { '1h': 3600, '24h': 86400, '7d': 7 * 86400, '30d': 30 * 86400 };

/** The filters of a run history, as they stand in the page's URL. */
export interface RunFilterSearch {
  status?: string;
  branch?: string;
  trigger?: string;
  actor?: string;
  period?: string;
}

export interface PipelineRunsParams extends RunFilterSearch {
  pipelineId: string;
  cursor?: string;
  /** Runs created after this time are left out: the list holds still while new runs are announced. */
  until?: string;
}

/**
 * A pipeline's run history: one keyset page, filtered as the URL says, pinned
 * to `until` (the time of the first render when the URL has none) so new runs
 * never push the rows an operator is reading.
 */
export async function loadPipelineRuns(db: Conn, params: PipelineRunsParams) {
  const now = new Date();
  const pipeline = await getPipeline(db, params.pipelineId);
  const options = await runFilterOptions(db, pipeline.id);
  const currentVersion = pipeline.currentVersionId
    ? (await pipelineVersionRefs(db, pipeline.id)).get(pipeline.currentVersionId)
    : undefined;
  const until = params.until && !Number.isNaN(Date.parse(params.until)) ? params.until : now.toISOString();
  const filter: RunListFilter = {
    // The pipeline's project was authorized by the door (lib/operations/views.ts).
    scope: SYSTEM_SCOPE,
    pipelineId: pipeline.id,
    status: (RUN_STATUSES as readonly string[]).includes(params.status ?? '')
      ? (params.status as RunStatus)
      : undefined,
    branch: params.branch || undefined,
    trigger: RUN_TRIGGERS.includes(params.trigger ?? '') ? params.trigger : undefined,
    actorId: options.actors.some((a) => a.id === params.actor) ? params.actor : undefined,
    since:
      params.period && RUN_PERIODS[params.period]
        ? new Date(now.getTime() - RUN_PERIODS[params.period] * 1000)
        : undefined,
    until,
    limit: 25,
  };
  // A cursor this API did not give out (an edited URL) shows the first page rather than an error.
  const page = await listRuns(db, { ...filter, cursor: params.cursor }).catch((error: unknown) => {
    if (error instanceof DomainError && error.code === 'bad_request') return listRuns(db, filter);
    throw error;
  });
  return toJson({
    now,
    until,
    pipeline: { id: pipeline.id, title: pipeline.title, project: pipeline.project, sourceFile: pipeline.sourceFile },
    version: currentVersion ? { number: currentVersion.number, hash: currentVersion.hash } : null,
    options,
    filtered: !!(filter.status || filter.branch || filter.trigger || filter.actorId || filter.since),
    runs: await runRows(db, page.items, now),
    nextCursor: page.nextCursor,
  });
}

export type PipelineRunsView = Awaited<ReturnType<typeof loadPipelineRuns>>;

type ListedRun = Awaited<ReturnType<typeof listRuns>>['items'][number];

/**
 * The rows of a runs table (a pipeline's history, all runs): each run with
 * its current run attempt's own time (lib/runs/execution-time.ts), not
 * creation to last finish, read for the whole page at once.
 */
export async function runRows(db: Conn, items: ListedRun[], now: Date) {
  const took = await executionTimes(db, new Map(items.map((r) => [r.id, r.attempt])), {
    now,
    ongoing: new Set(items.filter((r) => !isFinishedRun(r.status)).map((r) => r.id)),
  });
  return items.map((run) => ({
    id: run.id,
    number: run.number,
    status: run.status,
    attempt: run.attempt,
    trigger: run.trigger,
    actorName: run.actorName,
    branch: run.gitBranch,
    commit: run.gitCommit,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    took: { startedAt: took.get(run.id)?.startedAt ?? null, finishedAt: took.get(run.id)?.finishedAt ?? null },
    pipelineId: run.pipelineId,
    pipelineName: run.pipelineName,
  }));
}
