import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan, assertCanDeploy } from '../auth/permissions';
import { noteApprovals } from '../deployments/gate';
import { DomainError } from '../errors';
import { transact } from '../events';
import { reasonOf } from './reason';
import { advanceRun } from './advance';
import { runInProgressError } from './guards';
import { loadRunGraph, lockRunFor, runAttemptOnArrival, type RunRow } from './load';
import { retryDecision } from './retry-plan';
import { retryOf, RunChanges } from './transitions';

export interface RetryOptions {
  reason?: string | null;
  /**
   * The run attempt the caller saw when it decided to retry (the dialog's
   * preview). When the run has moved on since, the retry is refused (409)
   * rather than acting on a plan the person never saw.
   */
  expectedAttempt?: number;
}

/**
 * Retries a failed or cancelled run: failed items get a new attempt with the
 * same frozen inputs, skipped ones go back to pending, succeeded ones are kept
 * and their outputs reused. Concurrent callers take turns on the run lock; the
 * first moves the run to running, so every later one gets 409.
 */
export async function retryRun(db: Db, actor: Actor, runId: string, options: RetryOptions = {}): Promise<RunRow> {
  const arrivedAt = await runAttemptOnArrival(db, runId);
  return transact(db, async (tx, sink) => {
    const { run, movedWhileWaiting } = await lockRunFor(tx, runId, arrivedAt);
    assertCan(actor, 'run.retry', { projectId: run.projectId, what: 'Run' });
    if (movedWhileWaiting || run.status === 'queued' || run.status === 'running') throw await runInProgressError(tx, run);
    if (options.expectedAttempt !== undefined && options.expectedAttempt !== run.attempt) {
      throw new DomainError('conflict', `Run #${run.number} changed since you looked (now attempt ${run.attempt}).`, {
        run_status: run.status,
        run_attempt: run.attempt,
      });
    }
    if (run.status === 'succeeded') {
      throw new DomainError('wrong_state', `Run #${run.number} succeeded; there is nothing to retry. Replay a step instead.`);
    }
    const graph = await loadRunGraph(tx, run, { lock: true });
    const changes = new RunChanges(tx, sink, run);
    const reason = reasonOf(options.reason);
    changes.startNewRunAttempt();

    const retry: Parameters<RunChanges['queueAttempts']>[0] = [];
    const reset: typeof graph.items = [];
    for (const item of graph.items) {
      const previous = graph.latest.get(item.id);
      const decision = retryDecision(item, previous);
      if (decision === 'retry' && previous) retry.push({ item, spec: retryOf(previous, actor.userId, reason) });
      else if (decision === 'reset') reset.push(item);
    }
    // A failed deploy the retry runs again is the actor's own deploy: refused (403) without the
    // environment's role. Deploy steps further down wait for someone who has it.
    await assertCanDeploy(tx, actor, run.projectId, retry.map((r) => r.item.environment));
    await noteApprovals(tx, actor, run.projectId, reset);
    // Deploying a failed deploy again is explicit: it does not wait on a hold.
    await noteApprovals(tx, actor, run.projectId, retry.map((r) => r.item), { passHold: true });
    for (const item of reset) {
      await changes.setItemStatus(item, 'pending', { requestedBy: actor.userId, requestedReason: reason });
    }
    await changes.queueAttempts(retry);
    await recordAudit(tx, actor, {
      action: 'run.retry',
      targetType: 'run',
      targetId: run.id,
      projectId: run.projectId,
      reason,
      details: { number: run.number, run_attempt: run.attempt + 1, retried: retry.map((r) => r.item.key) },
    });
    return advanceRun(changes, graph);
  });
}
