import type { Conn } from '@/db/client';
import type { ProjectScope } from '../auth/permissions';
import { latestDeployments } from '../deployments/queries';
import { executionTimes } from '../runs/execution-time';
import { listActiveRuns, listFailedRunsSince, listRetriedFailuresSince } from '../runs/queries';
import { toJson } from './json';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The home page: runs of the last 24 hours that failed or were cancelled
 * (both retryable) grouped by pipeline, those that failed and were retried
 * since, what is running, and the latest deployment of each environment.
 */
export async function loadOverview(db: Conn, scope: ProjectScope) {
  const now = new Date();
  const since = new Date(now.getTime() - DAY_MS);
  const [failed, cancelled, retried, active, deployed] = await Promise.all([
    listFailedRunsSince(db, scope, since, 'failed'),
    listFailedRunsSince(db, scope, since, 'cancelled'),
    listRetriedFailuresSince(db, scope, since),
    listActiveRuns(db, scope),
    latestDeployments(db, scope),
  ]);
  const took = await executionTimes(db, new Map(active.map((r) => [r.run.id, r.run.attempt])), {
    now,
    ongoing: new Set(active.map((r) => r.run.id)),
  });
  const newestFirst = [...failed, ...cancelled].sort(
    (a, b) => b.run.createdAt.getTime() - a.run.createdAt.getTime() || b.run.id.localeCompare(a.run.id),
  );
  const groups = new Map<string, { pipelineId: string; title: string; runs: RunLine[] }>();
  for (const row of newestFirst) {
    const group = groups.get(row.run.pipelineId) ?? { pipelineId: row.run.pipelineId, title: row.pipelineTitle, runs: [] };
    group.runs.push(line(row));
    groups.set(row.run.pipelineId, group);
  }
  return toJson({
    now,
    failing: [...groups.values()],
    /** Runs that failed in the last 24 hours and were retried since (now running or succeeded). */
    retried: retried.map((row) => ({ ...line(row), pipelineTitle: row.pipelineTitle })),
    // "Running for" counts the current run attempt (lib/runs/execution-time.ts), not the hours before a retry.
    running: active.map((row) => ({ ...line(row), pipelineTitle: row.pipelineTitle, runningSince: took.get(row.run.id)?.startedAt ?? null })),
    deployments: deployed.map(({ deployment: d, ...row }) => ({
      id: d.id,
      environment: row.environment,
      environmentId: d.environmentId,
      project: row.project,
      version: d.version,
      status: d.status,
      trigger: d.trigger,
      actorName: row.actorName,
      gitCommit: d.gitCommit,
      gitBranch: d.gitBranch,
      runId: d.runId,
      runNumber: row.runNumber,
      pipelineTitle: row.pipelineTitle,
      errorMessage: d.errorMessage,
      createdAt: d.createdAt,
      completedAt: d.completedAt,
    })),
  });
}

type RunLine = ReturnType<typeof line>;
function line({ run, actorName }: Awaited<ReturnType<typeof listActiveRuns>>[number]) {
  return {
    id: run.id,
    number: run.number,
    status: run.status,
    attempt: run.attempt,
    trigger: run.trigger,
    actorName,
    gitBranch: run.gitBranch,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
  };
}

export type OverviewView = Awaited<ReturnType<typeof loadOverview>>;
