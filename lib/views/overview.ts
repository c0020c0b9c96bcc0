import type { Conn } from '@/db/client';
import type { ProjectScope } from '../auth/permissions';
import { latestDeployments } from '../deployments/queries';
import { listActiveRuns, listFailedRunsSince } from '../runs/queries';
import { toJson } from './json';

const DAY_MS = 24 * 3600 * 1000;

/**
 * The home page: failed runs of the last 24 hours grouped by pipeline, what is
 * running, and the latest deployment of each environment.
 */
export async function loadOverview(db: Conn, scope: ProjectScope) {
  const now = new Date();
  const [failed, active, deployed] = await Promise.all([
    listFailedRunsSince(db, scope, new Date(now.getTime() - DAY_MS)),
    listActiveRuns(db, scope),
    latestDeployments(db, scope),
  ]);
  const groups = new Map<string, { pipelineId: string; title: string; runs: RunLine[] }>();
  for (const row of failed) {
    const group = groups.get(row.run.pipelineId) ?? { pipelineId: row.run.pipelineId, title: row.pipelineTitle, runs: [] };
    group.runs.push(line(row));
    groups.set(row.run.pipelineId, group);
  }
  return toJson({
    now,
    failing: [...groups.values()],
    running: active.map((row) => ({ ...line(row), pipelineTitle: row.pipelineTitle })),
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
    trigger: run.trigger,
    actorName,
    gitBranch: run.gitBranch,
    createdAt: run.createdAt,
    startedAt: run.startedAt,
  };
}

export type OverviewView = Awaited<ReturnType<typeof loadOverview>>;
