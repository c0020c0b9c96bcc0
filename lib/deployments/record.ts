import { eq, sql } from 'drizzle-orm';
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
