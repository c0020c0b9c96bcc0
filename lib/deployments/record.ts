import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import type { EventSink } from '../events';
import { deployments, environments, type AttemptStatus } from '@/db/schema';
import type { AttemptRow, ItemRow, RunRow } from '../runs/load';

/**
 * Deployment records: every attempt of a step with `environment:` is a
 * deployment to that environment, with the next version number of the
 * environment (strictly increasing, never reused). Its status follows the
 * attempt's; nothing else writes it.
 */

export type DeploymentStatus = 'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export const DEPLOYMENT_STATUS: Record<AttemptStatus, DeploymentStatus> = {
  queued: 'pending',
  running: 'running',
  succeeded: 'succeeded',
  failed: 'failed',
  lost: 'failed',
  cancelled: 'cancelled',
};

/** Records the deployment a new attempt makes, when its step deploys; called where the attempt is created. */
export async function recordDeployment(tx: Tx, sink: EventSink, run: RunRow, item: Pick<ItemRow, 'environment' | 'key'>, attempt: AttemptRow) {
  const name = item.environment;
  if (!name) return;
  if (attempt.kind === 'initial') {
    // A redeploy wrote its deployment when it started: the deploy step's first attempt takes it over.
    const [claimed] = await tx
      .update(deployments)
      .set({ attemptId: attempt.id, triggeredBy: attempt.triggeredBy ?? run.triggeredBy })
      .where(and(eq(deployments.runId, run.id), isNull(deployments.attemptId), eq(deployments.status, 'pending'),
        inArray(deployments.environmentId, tx.select({ id: environments.id }).from(environments).where(and(eq(environments.projectId, run.projectId), eq(environments.name, name))))))
      .returning();
    if (claimed) return claimed;
  }
  // The upsert locks the environment's row until commit: concurrent
  // deployments to one environment take consecutive versions.
  const [environment] = await tx
    .insert(environments)
    .values({ projectId: run.projectId, name, lastVersion: 1 })
    .onConflictDoUpdate({
      target: [environments.projectId, environments.name],
      set: { lastVersion: sql`${environments.lastVersion} + 1` },
    })
    .returning();
  const [retried] = attempt.retryOf
    ? await tx.select({ id: deployments.id }).from(deployments).where(eq(deployments.attemptId, attempt.retryOf))
    : [];
  // The run a redeploy or rollback made: its deploy step's first attempt carries the links.
  const action = run.deployAction && run.deployAction.step === item.key && attempt.kind === 'initial' ? run.deployAction : null;
  const [deployment] = await tx.insert(deployments).values({
    projectId: run.projectId,
    environmentId: environment.id,
    version: environment.lastVersion,
    status: DEPLOYMENT_STATUS[attempt.status],
    trigger: attempt.kind === 'retry' || attempt.kind === 'auto_retry' ? 'retry' : run.trigger,
    triggeredBy: attempt.triggeredBy ?? run.triggeredBy,
    gitCommit: run.gitCommit,
    gitBranch: run.gitBranch,
    gitMessage: run.gitMessage,
    runId: run.id,
    attemptId: attempt.id,
    retryOf: retried?.id ?? null,
    redeployOf: action?.action === 'redeploy' ? action.of : null,
    rollbackTo: action?.action === 'rollback' ? action.of : null,
    rollbackFrom: action?.action === 'rollback' ? (action.from ?? null) : null,
    reason: attempt.reason ?? action?.reason ?? null,
    errorMessage: attempt.error?.message ?? null,
    completedAt: attempt.finishedAt,
  }).returning();
  sink.emit({
    type: 'deployment.created',
    projectId: run.projectId,
    runId: run.id,
    payload: deploymentEvent(deployment, name),
  });
  return deployment;
}

/**
 * A redeploy's deployment, written when its run starts (before the steps it
 * needs have run): pending, with the environment's next version and no
 * attempt yet. See recordDeployment (takes it over) and settleUndeployed
 * (the run ended before the step ran).
 */
export async function predeploy(tx: Tx, sink: EventSink, run: RunRow, item: Pick<ItemRow, 'environment' | 'key'>) {
  const name = item.environment!;
  const [environment] = await tx
    .insert(environments)
    .values({ projectId: run.projectId, name, lastVersion: 1 })
    .onConflictDoUpdate({ target: [environments.projectId, environments.name], set: { lastVersion: sql`${environments.lastVersion} + 1` } })
    .returning();
  const action = run.deployAction;
  const [deployment] = await tx
    .insert(deployments)
    .values({
      projectId: run.projectId,
      environmentId: environment.id,
      version: environment.lastVersion,
      status: 'pending',
      trigger: run.trigger,
      triggeredBy: run.triggeredBy,
      gitCommit: run.gitCommit,
      gitBranch: run.gitBranch,
      gitMessage: run.gitMessage,
      runId: run.id,
      redeployOf: action?.action === 'redeploy' ? action.of : null,
      reason: action?.reason ?? null,
    })
    .returning();
  sink.emit({ type: 'deployment.created', projectId: run.projectId, runId: run.id, payload: deploymentEvent(deployment, name) });
  return deployment;
}

/**
 * When a run ends, a deployment it wrote ahead (a redeploy) whose step never
 * ran ends with it: failed (a step it needs failed) or cancelled.
 */
export async function settleUndeployed(tx: Tx, sink: EventSink, run: Pick<RunRow, 'id' | 'projectId' | 'status'>) {
  const status = run.status === 'cancelled' ? 'cancelled' : 'failed';
  const settled = await tx
    .update(deployments)
    .set({ status, completedAt: new Date(), errorMessage: 'Not deployed: a step it needs did not succeed.' })
    .where(and(eq(deployments.runId, run.id), isNull(deployments.attemptId), eq(deployments.status, 'pending')))
    .returning();
  for (const d of settled) {
    const [environment] = await tx.select({ name: environments.name }).from(environments).where(eq(environments.id, d.environmentId));
    sink.emit({ type: 'deployment.status_changed', projectId: run.projectId, runId: run.id, payload: { ...deploymentEvent(d, environment.name), previous: 'pending' } });
  }
}

/** The payload of deployment.created and deployment.status_changed. */
export function deploymentEvent(d: { id: string; environmentId: string; version: number; status: string; runId: string | null }, environment: string) {
  return { deployment_id: d.id, environment_id: d.environmentId, environment, version: d.version, status: d.status, run_id: d.runId };
}

/** Carries an attempt's new status to its deployment, if it is one, and says so on the event stream. */
export async function followAttempt(
  tx: Tx,
  sink: EventSink,
  attemptId: string,
  status: AttemptStatus,
  at: { startedAt?: Date; errorMessage?: string | null } = {},
) {
  const finished = status !== 'queued' && status !== 'running';
  const [before] = await tx.select({ status: deployments.status }).from(deployments).where(eq(deployments.attemptId, attemptId));
  if (!before) return;
  const [after] = await tx
    .update(deployments)
    .set({
      status: DEPLOYMENT_STATUS[status],
      ...(at.startedAt ? { startedAt: at.startedAt } : {}),
      ...(finished ? { completedAt: new Date(), errorMessage: at.errorMessage ?? null } : {}),
    })
    .where(eq(deployments.attemptId, attemptId))
    .returning();
  if (after.status === before.status) return;
  const [environment] = await tx.select({ name: environments.name }).from(environments).where(eq(environments.id, after.environmentId));
  sink.emit({
    type: 'deployment.status_changed',
    projectId: after.projectId,
    runId: after.runId,
    payload: { ...deploymentEvent(after, environment.name), previous: before.status },
  });
}
