import { and, eq, lt, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { attempts, type AttemptError, type AttemptStatus } from '@/db/schema';
import { transact } from '../events';
import { followAttempt } from '../deployments/record';
import { advanceRun } from '../runs/advance';
import { loadRunGraph, lockRun, type AttemptRow } from '../runs/load';
import { createAttempt, setItemStatus } from '../runs/transitions';
import type { RetryPolicy } from '../pipelines/definition';

export interface AttemptResult {
  status: Extract<AttemptStatus, 'succeeded' | 'failed' | 'cancelled' | 'lost'>;
  outputs?: Record<string, unknown> | null;
  error?: AttemptError | null;
}

/**
 * Records how an attempt ended and what follows: an automatic retry when the
 * step's policy allows one, otherwise the item's final status and the next
 * steps of the run. Only the worker holding the attempt may finish it
 * (`workerId`), or the reaper when its lease expired (`workerId` null): a
 * worker that lost its lease cannot overwrite the reaper's verdict.
 */
export async function finishAttempt(
  db: Db,
  attemptId: string,
  workerId: string | null,
  result: AttemptResult,
): Promise<boolean> {
  return transact(db, async (tx, sink) => {
    const [found] = await tx.select({ runId: attempts.runId }).from(attempts).where(eq(attempts.id, attemptId));
    if (!found) return false;
    const run = await lockRun(tx, found.runId);
    const [finished] = await tx
      .update(attempts)
      .set({
        status: result.status,
        outputs: result.outputs ?? null,
        error: result.error ?? null,
        finishedAt: new Date(),
        leaseExpiresAt: null,
      })
      .where(
        and(
          eq(attempts.id, attemptId),
          eq(attempts.status, 'running'),
          workerId ? eq(attempts.workerId, workerId) : lt(attempts.leaseExpiresAt, sql`now()`),
        ),
      )
      .returning();
    if (!finished) return false;
    await followAttempt(tx, finished.id, result.status, { errorMessage: result.error?.message });

    const graph = await loadRunGraph(tx, run);
    const item = graph.items.find((i) => i.id === finished.workItemId)!;
    sink.emit({
      type: 'attempt.finished',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, item_id: item.id, attempt_id: finished.id, number: finished.number, status: result.status },
    });
    if (item.latestAttemptId !== finished.id) return true; // superseded meanwhile; nothing else to decide

    const step = graph.steps.get(item.key)!;
    const cancelled = result.status === 'cancelled' || finished.cancelRequested || run.status === 'cancelled';
    if (result.status !== 'succeeded' && !cancelled) {
      const chain = await automaticChainLength(tx, finished);
      if (shouldRetryAutomatically(step.retry, chain, result)) {
        await createAttempt(tx, sink, run, item, {
          kind: 'auto_retry',
          inputs: finished.inputs,
          triggeredBy: finished.triggeredBy,
          reason: `automatic retry ${chain + 1} of ${step.retry.attempts}: ${result.error?.message ?? result.status}`,
          retryOf: finished.id,
          availableAt: new Date(Date.now() + step.retry.backoffMs * 2 ** (chain - 1)),
        });
        await setItemStatus(tx, sink, run, item, 'queued');
        return true;
      }
    }
    const itemStatus = result.status === 'succeeded' ? 'succeeded' : cancelled ? 'cancelled' : 'failed';
    await setItemStatus(tx, sink, run, item, itemStatus);
    await advanceRun(tx, sink, run);
    return true;
  });
}

/** How many attempts the current automatic series holds: this one and the auto_retry attempts before it. */
async function automaticChainLength(tx: Tx, attempt: AttemptRow) {
  let length = 1;
  let current = attempt;
  while (current.kind === 'auto_retry' && current.retryOf) {
    const [prev] = await tx.select().from(attempts).where(eq(attempts.id, current.retryOf));
    if (!prev) break;
    length++;
    current = prev;
  }
  return length;
}

export function shouldRetryAutomatically(policy: RetryPolicy, chainLength: number, result: AttemptResult) {
  if (chainLength >= policy.attempts) return false;
  if (result.status === 'lost') return true;
  if (result.status !== 'failed') return false;
  const classification = result.error?.classification;
  if (classification === 'inputs' || classification === 'outputs' || classification === 'spawn') return false;
  if (policy.transientExitCodes === null) return true;
  return result.error?.exit_code != null && policy.transientExitCodes.includes(result.error.exit_code);
}
