import type { Conn } from '@/db/client';
import { listActiveRuns, listFailedRunsSince } from '../runs/queries';
import { toJson } from './json';

const DAY_MS = 24 * 3600 * 1000;

/** The home page: failed runs of the last 24 hours grouped by pipeline, and what is running. */
export async function loadOverview(db: Conn) {
  const now = new Date();
  const [failed, active] = await Promise.all([listFailedRunsSince(db, new Date(now.getTime() - DAY_MS)), listActiveRuns(db)]);
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
