import { and, desc, eq, inArray, isNull, or, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts, deployments, environments, workItems } from '@/db/schema';
import { notFound } from '../errors';
import { isUuid } from '../ids';
import { paths } from '../paths';
import { decodeCursor, encodeCursor } from '../runs/queries';
import type { DeploymentStatus } from './record';

export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = [
  'pending',
  'running',
  'succeeded',
  'failed',
  'cancelled',
];

export type DeploymentRow = typeof deployments.$inferSelect;

/** A deployment as read: its environment's name and the key of the step that made it (for its link). */
export interface DeploymentView extends DeploymentRow {
  environment: string;
  stepKey: string | null;
  /** The environment's live deployment: its latest succeeded one. */
  live: boolean;
}

const columns = { deployment: deployments, environment: environments.name, stepKey: workItems.key };

const withNames = (conn: Conn) =>
  conn
    .select({ ...columns, cursorAt: sql<string>`${deployments.createdAt}::text` })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .leftJoin(attempts, eq(attempts.id, deployments.attemptId))
    .leftJoin(workItems, eq(workItems.id, attempts.workItemId));

/**
 * The latest deployment of each environment named among those with one of
 * `statuses`: per environment, the first entry of a partial index on
 * (environment, version) — the same few rows read at v3 or v30,000.
 */
// Statuses are literals in the SQL, so the planner sees the partial index's condition holds.
async function latestWithStatus(conn: Conn, environmentIds: string[], statuses: DeploymentStatus[]): Promise<Set<string>> {
  if (environmentIds.length === 0) return new Set();
  const rows = await conn.execute(sql`
    select (select d.id from ${deployments} d
            where d.environment_id = e.id and d.status in (${sql.raw(statuses.map((s) => `'${s}'`).join(', '))})
            order by d.version desc limit 1) as id
    from unnest(${`{${[...new Set(environmentIds)].join(',')}}`}::uuid[]) as e(id)`);
  const list = (Array.isArray(rows) ? rows : (rows as { rows: { id: string | null }[] }).rows) as { id: string | null }[];
  return new Set(list.flatMap((r) => (r.id ? [r.id] : [])));
}

/** The live (latest succeeded) deployment of each environment named (deployments_live_idx). */
export const liveDeploymentIds = (conn: Conn, environmentIds: string[]) =>
  latestWithStatus(conn, environmentIds, ['succeeded']);

/** Each environment's live deployment (latest succeeded) and active one (latest pending or running), if any. */
export async function environmentDeployments(conn: Conn, environmentIds: string[]) {
  const states = new Map<string, { live: DeploymentView | null; active: DeploymentView | null }>(
    environmentIds.map((id) => [id, { live: null, active: null }]),
  );
  if (environmentIds.length === 0) return states;
  const live = await liveDeploymentIds(conn, environmentIds);
  // deployments_active_idx
  const activeIds = await latestWithStatus(conn, environmentIds, ['pending', 'running']);
  const ids = [...live, ...activeIds];
  if (ids.length === 0) return states;
  for (const row of await withNames(conn).where(inArray(deployments.id, ids))) {
    const view: DeploymentView = {
      ...row.deployment,
      environment: row.environment,
      stepKey: row.stepKey,
      live: live.has(row.deployment.id),
    };
    const state = states.get(row.deployment.environmentId)!;
    if (view.live) state.live = view;
    if (activeIds.has(view.id)) state.active = view;
  }
  return states;
}

/**
 * What a run's deploy steps have deployed, as the run page shows beside each
 * step: the deployment of each step's latest attempt, and one a redeploy wrote
 * ahead of its attempt (attempt null). Read through deployments_attempt_idx and
 * deployments_undeployed_idx; `live` marks each environment's live deployment.
 */
export async function stepDeployments(conn: Conn, runId: string, latestAttemptIds: string[]) {
  const rows = await conn
    .select({ deployment: deployments, environment: environments.name })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .where(
      or(
        latestAttemptIds.length ? inArray(deployments.attemptId, latestAttemptIds) : undefined,
        and(eq(deployments.runId, runId), isNull(deployments.attemptId)),
      ),
    );
  const live = await liveDeploymentIds(
    conn,
    rows.map((r) => r.deployment.environmentId),
  );
  return rows.map((r) => ({
    id: r.deployment.id,
    attemptId: r.deployment.attemptId,
    environment: r.environment,
    version: r.deployment.version,
    status: r.deployment.status as DeploymentStatus,
    live: live.has(r.deployment.id),
  }));
}

export interface DeploymentFilter {
  projectId: string;
  environment?: string;
  status?: DeploymentStatus;
  cursor?: string | null;
  limit?: number;
}

/** A project's deployments, newest first, a page at a time (keyset on created_at, id). */
export async function listDeployments(conn: Conn, filter: DeploymentFilter) {
  const limit = Math.min(Math.max(filter.limit ?? 25, 1), 100);
  const where: SQL[] = [eq(deployments.projectId, filter.projectId)];
  if (filter.environment) where.push(eq(environments.name, filter.environment));
  if (filter.status) where.push(eq(deployments.status, filter.status));
  const cursor = decodeCursor(filter.cursor);
  if (cursor)
    where.push(sql`(${deployments.createdAt}, ${deployments.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await withNames(conn)
    .where(and(...where))
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const live = await liveDeploymentIds(
    conn,
    page.map((r) => r.deployment.environmentId),
  );
  const last = page[page.length - 1];
  return {
    items: page.map((r): DeploymentView => ({
      ...r.deployment,
      environment: r.environment,
      stepKey: r.stepKey,
      live: live.has(r.deployment.id),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.deployment.id) : null,
  };
}

export async function getDeployment(conn: Conn, deploymentId: string): Promise<DeploymentView> {
  const [row] = isUuid(deploymentId) ? await withNames(conn).where(eq(deployments.id, deploymentId)) : [];
  if (!row) throw notFound('Deployment');
  const live = await liveDeploymentIds(conn, [row.deployment.environmentId]);
  return { ...row.deployment, environment: row.environment, stepKey: row.stepKey, live: live.has(row.deployment.id) };
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** DESIGN §6's deployment object. */
export function deploymentJson(d: DeploymentView, origin: string) {
  const extra: Record<string, string> = {};
  if (d.retryOf) extra.retry_of = d.retryOf;
  if (d.redeployOf) extra.redeploy_of = d.redeployOf;
  if (d.rollbackFrom) extra.rollback_from = d.rollbackFrom;
  if (d.rollbackTo) extra.rollback_to = d.rollbackTo;
  return {
    id: d.id,
    project_id: d.projectId,
    environment_id: d.environmentId,
    environment: d.environment,
    version: d.version,
    status: d.status as DeploymentStatus,
    trigger: d.trigger,
    triggered_by: d.triggeredBy,
    git_commit: d.gitCommit,
    git_branch: d.gitBranch,
    git_message: d.gitMessage,
    run_id: d.runId,
    attempt_id: d.attemptId,
    live: d.live,
    // The deployment's own page: its version, links, inputs and outputs, and its actions.
    html_url: origin + paths.deployment(d.id),
    extra_data: extra,
    reason: d.reason,
    error_message: d.errorMessage,
    created_at: iso(d.createdAt),
    started_at: iso(d.startedAt),
    completed_at: iso(d.completedAt),
    duration_seconds:
      d.startedAt && d.completedAt ? Math.max(0, (d.completedAt.getTime() - d.startedAt.getTime()) / 1000) : null,
  };
}

type EnvironmentRow = typeof environments.$inferSelect;

/** DESIGN §6's environment object: protection, hold, and its live and active deployments. */
export function environmentJson(
  e: EnvironmentRow,
  state: { live: DeploymentView | null; active: DeploymentView | null },
  origin: string,
) {
  return {
    id: e.id,
    name: e.name,
    protection: { required_role: e.protection.requiredRole ?? null },
    hold: e.hold,
    live: state.live ? deploymentJson(state.live, origin) : null,
    active: state.active ? deploymentJson(state.active, origin) : null,
  };
}

/** One environment as environmentJson, its deployments read. */
export async function environmentStateJson(conn: Conn, e: EnvironmentRow, origin: string) {
  const states = await environmentDeployments(conn, [e.id]);
  return environmentJson(e, states.get(e.id)!, origin);
}
