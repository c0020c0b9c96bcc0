import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { deployments, environments, pipelines, projects, runs, users } from '@/db/schema';
import { inProjectScope, type ProjectScope } from '../auth/permissions';
import { isActiveDeployment } from './deployment-options';
import { toJson } from './json';

/**
 * Which of a pipeline's deployments to an environment a cell shows: its
 * latest succeeded one, its latest in progress, and its latest that ended
 * otherwise (a failure after the live version is worth seeing).
 */
const bucket = sql<'live' | 'active' | 'other'>`case
  when ${deployments.status} = 'succeeded' then 'live'
  when ${deployments.status} in ('pending', 'running') then 'active'
  else 'other' end`;

/** How many of each environment's latest deployments the matrix reads (a pipeline quiet for longer shows its live version only if it is the environment's). */
export const MATRIX_WINDOW = 200;

/**
 * The environments matrix: per project the reader may see, its pipelines
 * (rows) by its environments (columns). Two reads whatever the size of the
 * history: the environments with their hold and protection, and the latest
 * deployment of each (environment, pipeline, bucket).
 */
export async function loadEnvironmentsMatrix(db: Conn, scope: ProjectScope) {
  const now = new Date();
  const envRows = await db
    .select({
      id: environments.id,
      name: environments.name,
      projectId: environments.projectId,
      project: projects.key,
      projectName: projects.title,
      protection: environments.protection,
      hold: environments.hold,
    })
    .from(environments)
    .innerJoin(projects, eq(projects.id, environments.projectId))
    .where(inProjectScope(environments.projectId, scope))
    .orderBy(asc(projects.key), asc(environments.name));
  const envIds = envRows.map((e) => e.id);
  const cells = envIds.length
    ? await db
        .selectDistinctOn([deployments.environmentId, runs.pipelineId, bucket], {
          bucket,
          id: deployments.id,
          environmentId: deployments.environmentId,
          pipelineId: runs.pipelineId,
          pipelineTitle: pipelines.title,
          pipelineName: pipelines.name,
          version: deployments.version,
          status: deployments.status,
          trigger: deployments.trigger,
          gitCommit: deployments.gitCommit,
          gitBranch: deployments.gitBranch,
          actorName: users.name,
          createdAt: deployments.createdAt,
          startedAt: deployments.startedAt,
          completedAt: deployments.completedAt,
        })
        .from(deployments)
        .leftJoin(runs, eq(runs.id, deployments.runId))
        .leftJoin(pipelines, eq(pipelines.id, runs.pipelineId))
        .leftJoin(users, eq(users.id, deployments.triggeredBy))
        .where(
          and(
            inArray(deployments.environmentId, envIds),
            inProjectScope(deployments.projectId, scope),
            // Bounded by environments, not by history: each environment's
            // latest MATRIX_WINDOW deployments (deployments_env_version_idx
            // read backwards) and its live one, however far back it is.
            sql`${deployments.id} in (
              select w.id from unnest(${sql.param(envIds)}::uuid[]) as e(id)
              cross join lateral (
                select d.id from ${deployments} d where d.environment_id = e.id order by d.version desc limit ${MATRIX_WINDOW}
              ) w
              union all
              select (
                select d.id from ${deployments} d where d.environment_id = e.id and d.status = 'succeeded' order by d.version desc limit 1
              ) from unnest(${sql.param(envIds)}::uuid[]) as e(id)
            )`,
          ),
        )
        .orderBy(deployments.environmentId, runs.pipelineId, bucket, desc(deployments.version))
    : [];

  // The environment's live deployment is its latest succeeded one, whichever pipeline made it.
  const liveVersion = new Map<string, number>();
  for (const c of cells) if (c.bucket === 'live') liveVersion.set(c.environmentId, Math.max(liveVersion.get(c.environmentId) ?? 0, c.version));
  const deployment = (c: (typeof cells)[number]) => ({
    id: c.id,
    version: c.version,
    status: c.status,
    trigger: c.trigger,
    gitCommit: c.gitCommit,
    gitBranch: c.gitBranch,
    actorName: c.actorName,
    createdAt: c.createdAt,
    startedAt: c.startedAt,
    completedAt: c.completedAt,
  });

  type CellDeployment = ReturnType<typeof deployment>;
  interface PipelineRow {
    id: string | null;
    title: string;
    cells: Record<string, { live: CellDeployment | null; active: CellDeployment | null; latest: CellDeployment | null; isLive: boolean }>;
  }
  type EnvView = (typeof envRows)[number] & { liveVersion: number | null };
  const byProject = new Map<string, { id: string; key: string; name: string; environments: EnvView[]; pipelines: PipelineRow[] }>();
  for (const env of envRows) {
    const project = byProject.get(env.projectId) ?? { id: env.projectId, key: env.project, name: env.projectName, environments: [], pipelines: [] };
    project.environments.push({ ...env, liveVersion: liveVersion.get(env.id) ?? null });
    byProject.set(env.projectId, project);
  }
  const projectOfEnv = new Map(envRows.map((e) => [e.id, e.projectId]));
  for (const c of cells) {
    const project = byProject.get(projectOfEnv.get(c.environmentId)!)!;
    let row = project.pipelines.find((p) => p.id === c.pipelineId);
    if (!row) {
      row = { id: c.pipelineId, title: c.pipelineTitle ?? c.pipelineName ?? 'Without a pipeline', cells: {} };
      project.pipelines.push(row);
    }
    const cell = (row.cells[c.environmentId] ??= { live: null, active: null, latest: null, isLive: false });
    const d = deployment(c);
    if (c.bucket === 'live') {
      cell.live = d;
      cell.isLive = liveVersion.get(c.environmentId) === c.version;
    } else if (c.bucket === 'active') cell.active = d;
    if (!cell.latest || cell.latest.version < d.version) cell.latest = d;
  }
  for (const project of byProject.values()) project.pipelines.sort((a, b) => a.title.localeCompare(b.title));
  return toJson({
    now,
    projects: [...byProject.values()].map((p) => ({
      ...p,
      environments: p.environments.map((e) => ({
        id: e.id,
        name: e.name,
        requiredRole: e.protection.requiredRole ?? null,
        hold: e.hold,
        liveVersion: e.liveVersion,
      })),
      pipelines: p.pipelines.map((row) => ({
        ...row,
        cells: Object.fromEntries(
          Object.entries(row.cells).map(([envId, cell]) => [
            envId,
            {
              live: cell.live,
              isLive: cell.isLive,
              active: cell.active,
              // The pipeline's latest deployment here, when it ended without succeeding (a failed deploy after the live one).
              failedAfter: cell.latest && cell.latest.status !== 'succeeded' && !isActiveDeployment(cell.latest.status) ? cell.latest : null,
            },
          ]),
        ),
      })),
    })),
  });
}

export type EnvironmentsMatrixView = Awaited<ReturnType<typeof loadEnvironmentsMatrix>>;
