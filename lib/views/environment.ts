import { and, desc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts, deployments, environments, pipelines, projects, runs, users, workItems } from '@/db/schema';
import { parkedMessage } from '../deployments/gate';
import { environmentDeployments } from '../deployments/read';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { pipelineVersion } from '../pipelines/version-cache';
import { decodeCursor, encodeCursor } from '../runs/queries';
import { maskAttempt } from '../secrets';
import { DEPLOYMENT_STATUSES, DEPLOYMENT_TRIGGERS } from './deployment-options';
import { toJson } from './json';

async function environmentHeader(conn: Conn, environmentId: string) {
  const [env] = isUuid(environmentId)
    ? await conn
        .select({
          id: environments.id,
          name: environments.name,
          projectId: environments.projectId,
          project: projects.key,
          projectTitle: projects.title,
          protection: environments.protection,
          hold: environments.hold,
        })
        .from(environments)
        .innerJoin(projects, eq(projects.id, environments.projectId))
        .where(eq(environments.id, environmentId))
    : [];
  if (!env) throw notFound('Environment');
  const state = (await environmentDeployments(conn, [env.id])).get(env.id)!;
  const summary = (d: typeof state.live) =>
    d && { id: d.id, version: d.version, status: d.status, gitCommit: d.gitCommit, createdAt: d.createdAt, completedAt: d.completedAt, startedAt: d.startedAt };
  return {
    id: env.id,
    name: env.name,
    project: env.project,
    projectTitle: env.projectTitle,
    requiredRole: env.protection.requiredRole ?? null,
    hold: env.hold,
    live: summary(state.live),
    active: summary(state.active),
  };
}

type Environment = Awaited<ReturnType<typeof environmentHeader>>;

/** Deployments with everything a row shows: who, which run and step, the pipeline. */
const detailed = (conn: Conn) =>
  conn
    .select({
      deployment: deployments,
      cursorAt: sql<string>`${deployments.createdAt}::text`,
      actorName: users.name,
      runNumber: runs.number,
      pipelineId: runs.pipelineId,
      pipelineVersionId: runs.pipelineVersionId,
      pipelineTitle: pipelines.title,
      stepKey: workItems.key,
      parkedFor: attempts.parkedFor,
    })
    .from(deployments)
    .leftJoin(users, eq(users.id, deployments.triggeredBy))
    .leftJoin(runs, eq(runs.id, deployments.runId))
    .leftJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(attempts, eq(attempts.id, deployments.attemptId))
    .leftJoin(workItems, eq(workItems.id, attempts.workItemId));

type DetailedRow = Awaited<ReturnType<ReturnType<typeof detailed>['where']>>[number];

/** The versions of the deployments these rows link to (retry of, redeploy of, rollback from → to): one read. */
async function linkedVersions(conn: Conn, rows: DetailedRow[]) {
  const ids = new Set<string>();
  for (const { deployment: d } of rows) for (const id of [d.retryOf, d.redeployOf, d.rollbackFrom, d.rollbackTo]) if (id) ids.add(id);
  if (ids.size === 0) return new Map<string, number>();
  const found = await conn.select({ id: deployments.id, version: deployments.version }).from(deployments).where(inArray(deployments.id, [...ids]));
  return new Map(found.map((r) => [r.id, r.version]));
}

function row(r: DetailedRow, versions: Map<string, number>, environment: Pick<Environment, 'hold' | 'live'>) {
  const d = r.deployment;
  const link = (id: string | null) => (id ? { id, version: versions.get(id) ?? null } : null);
  return {
    id: d.id,
    environmentId: d.environmentId,
    version: d.version,
    status: d.status,
    trigger: d.trigger,
    actorName: r.actorName,
    gitCommit: d.gitCommit,
    gitBranch: d.gitBranch,
    gitMessage: d.gitMessage,
    reason: d.reason,
    errorMessage: d.errorMessage,
    runId: d.runId,
    runNumber: r.runNumber,
    pipelineId: r.pipelineId,
    pipelineTitle: r.pipelineTitle,
    stepKey: r.stepKey,
    live: d.id === environment.live?.id,
    // A pending deploy parked by the gate: held environment, or an approval it needs.
    waiting: r.parkedFor && d.status === 'pending' ? parkedMessage(r.parkedFor, environment.hold) : null,
    retryOf: link(d.retryOf),
    redeployOf: link(d.redeployOf),
    rollbackFrom: link(d.rollbackFrom),
    rollbackTo: link(d.rollbackTo),
    createdAt: d.createdAt,
    startedAt: d.startedAt,
    completedAt: d.completedAt,
  };
}

export interface EnvironmentHistoryParams {
  environmentId: string;
  status?: string;
  trigger?: string;
  cursor?: string;
  /** Rows a page holds (tests); the door does not take it. */
  limit?: number;
}

const PAGE = 25;

/**
 * An environment's history, newest first, a keyset page at a time along
 * deployments_env_created_idx, filtered by status and trigger as the URL says;
 * with the environment's protection, hold, live and active deployments.
 */
export async function loadEnvironmentHistory(db: Conn, params: EnvironmentHistoryParams) {
  const now = new Date();
  const environment = await environmentHeader(db, params.environmentId);
  const status = (DEPLOYMENT_STATUSES as readonly string[]).includes(params.status ?? '') ? params.status : undefined;
  const trigger = (DEPLOYMENT_TRIGGERS as readonly string[]).includes(params.trigger ?? '') ? params.trigger : undefined;
  const where: SQL[] = [eq(deployments.environmentId, environment.id)];
  if (status) where.push(eq(deployments.status, status));
  if (trigger) where.push(eq(deployments.trigger, trigger));
  // A cursor this page did not give out (an edited URL) shows the first page.
  let cursor: ReturnType<typeof decodeCursor> = null;
  try {
    cursor = decodeCursor(params.cursor);
  } catch (error) {
    if (!(error instanceof DomainError)) throw error;
  }
  if (cursor) where.push(sql`(${deployments.createdAt}, ${deployments.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const size = params.limit ?? PAGE;
  const rows = await detailed(db)
    .where(and(...where))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(size + 1);
  const page = rows.slice(0, size);
  const versions = await linkedVersions(db, page);
  const last = page[page.length - 1];
  return toJson({
    now,
    environment,
    filtered: !!(status || trigger),
    deployments: page.map((r) => row(r, versions, environment)),
    nextCursor: rows.length > size && last ? encodeCursor(last.cursorAt, last.deployment.id) : null,
  });
}

export type EnvironmentHistoryView = Awaited<ReturnType<typeof loadEnvironmentHistory>>;

/** The deploy step's attempt of a deployment, its secrets masked as everywhere else. */
async function deployAttempt(conn: Conn, r: DetailedRow) {
  const attemptId = r.deployment.attemptId;
  if (!attemptId) return null;
  const [attempt] = await conn.select().from(attempts).where(eq(attempts.id, attemptId));
  if (!attempt) return null;
  // The attempt's own version first: its run may have moved on (a retry with the latest definition).
  const versionId = attempt.pipelineVersionId ?? r.pipelineVersionId;
  const schema = versionId && r.stepKey ? ((await pipelineVersion(conn, versionId)).steps.get(r.stepKey)?.inputSchema ?? null) : null;
  const masked = maskAttempt(attempt, schema);
  return { id: masked.id, number: masked.number, kind: masked.kind, status: masked.status, inputs: masked.inputs, outputs: masked.outputs, error: masked.error };
}

/** One deployment's page: what it deployed where, why, from which run and step, with the deploy step's inputs and outputs. */
export async function loadDeploymentView(db: Conn, { deploymentId }: { deploymentId: string }) {
  const [found] = isUuid(deploymentId) ? await detailed(db).where(eq(deployments.id, deploymentId)) : [];
  if (!found) throw notFound('Deployment');
  const environment = await environmentHeader(db, found.deployment.environmentId);
  const versions = await linkedVersions(db, [found]);
  return toJson({
    now: new Date(),
    environment,
    deployment: row(found, versions, environment),
    attempt: await deployAttempt(db, found),
  });
}

export type DeploymentPageView = Awaited<ReturnType<typeof loadDeploymentView>>;

export interface EnvironmentCompareParams {
  environmentId: string;
  a?: string;
  b?: string;
}

/**
 * Two deployments of one environment side by side: commit from → to and the
 * deploy step's inputs and outputs. Without a choice, the live deployment
 * against the one before it.
 */
export async function loadEnvironmentCompare(db: Conn, params: EnvironmentCompareParams) {
  const environment = await environmentHeader(db, params.environmentId);
  // What the pickers offer: the environment's latest deployments.
  const recent = await db
    .select({ id: deployments.id, version: deployments.version, status: deployments.status })
    .from(deployments)
    .where(eq(deployments.environmentId, environment.id))
    .orderBy(desc(deployments.version))
    .limit(100);
  const chosen = async (id: string | undefined) => {
    if (!id || !isUuid(id)) return null;
    const [r] = await detailed(db).where(and(eq(deployments.id, id), eq(deployments.environmentId, environment.id)));
    return r ?? null;
  };
  let right = await chosen(params.b);
  if (!right) {
    const fallback = environment.live?.id ?? recent[0]?.id;
    right = await chosen(fallback);
  }
  let left = await chosen(params.a);
  if (!left && right) {
    const before = recent.find((d) => d.version < right.deployment.version);
    left = await chosen(before?.id);
  }
  const versions = await linkedVersions(db, [left, right].filter((r): r is DetailedRow => !!r));
  const side = async (r: DetailedRow | null) => (r ? { deployment: row(r, versions, environment), attempt: await deployAttempt(db, r) } : null);
  return toJson({ now: new Date(), environment, recent, a: await side(left), b: await side(right) });
}

export type EnvironmentCompareView = Awaited<ReturnType<typeof loadEnvironmentCompare>>;
