import type { Conn } from '@/db/client';
import type { ProjectScope } from '../auth/permissions';
import { listLoadErrors, listPipelines, pipelinesHealth } from '../runs/queries';
import { toJson } from './json';

/** Every pipeline with its health (status strip, success rate, median duration), and the files that failed to load. */
export async function loadPipelines(db: Conn, scope: ProjectScope) {
  // A file that failed to load names no project anyone may read: only instance admins see those.
  const [pipelines, errors] = await Promise.all([listPipelines(db, scope), scope.all ? listLoadErrors(db) : []]);
  const health = await pipelinesHealth(db, pipelines.map((p) => p.id));
  const withHealth = pipelines.map((p) => ({ ...p, health: health.get(p.id)! }));
  return toJson({
    now: new Date(),
    pipelines: withHealth.map((p) => ({
      id: p.id,
      name: p.name,
      title: p.title,
      project: p.project,
      versionHash: p.versionHash,
      health: p.health,
      lastRun: p.lastRun ? { number: p.lastRun.number, status: p.lastRun.status, createdAt: p.lastRun.createdAt } : null,
    })),
    errors: errors.map((e) => ({ file: e.file, line: e.line, message: e.message })),
    /** Whether the reader is a member of any project (or sees them all): the empty page says what to do either way. */
    hasProjects: scope.all || scope.projectIds.length > 0,
  });
}

export type PipelinesView = Awaited<ReturnType<typeof loadPipelines>>;
