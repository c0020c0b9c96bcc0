import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { attempts } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan } from '../auth/permissions';
import { DomainError } from '../errors';
import { transact } from '../events';
import { followAttempt } from '../deployments/record';
import { advanceRun } from './advance';
import { loadRunGraph, lockRun, type RunRow } from './load';
import { isFinishedRun } from './state';
import { reasonOf } from './reason';
import { RunChanges } from './transitions';
import { CANCEL_CHANNEL } from '../engine/channels';

/**
 * Cancels a queued or running run. Queued attempts are cancelled at once;
 * running ones are flagged, and their worker kills the step's process group
 * as soon as the cancel is announced (or at its next heartbeat). Items that
 * never started are skipped.
 */
export async function cancelRun(db: Db, actor: Actor, runId: string, options: { reason?: string | null } = {}): Promise<RunRow> {
  return transact(db, async (tx, sink) => {
    const run = await lockRun(tx, runId);
    assertCan(actor, 'run.cancel', { projectId: run.projectId });
    if (isFinishedRun(run.status)) {
      throw new DomainError('wrong_state', `Run #${run.number} is already ${run.status}.`);
    }
    // One statement for both, so an attempt a worker claims meanwhile is
    // re-checked after its row lock is released and lands in the right branch.
    const touched = await tx
      .update(attempts)
      .set({
        status: sql`case when ${attempts.status} = 'queued' then 'cancelled' else ${attempts.status} end`,
        cancelRequested: sql`${attempts.status} = 'running'`,
        finishedAt: sql`case when ${attempts.status} = 'queued' then now() else null end`,
        error: sql`case when ${attempts.status} = 'queued' then ${JSON.stringify({
          message: `Cancelled by ${actor.name} before it started`,
          exit_code: null,
          classification: 'cancelled',
        })}::jsonb else null end`,
      })
      .where(and(eq(attempts.runId, run.id), inArray(attempts.status, ['queued', 'running'])))
      .returning({ id: attempts.id, status: attempts.status, itemId: attempts.workItemId });

    const graph = await loadRunGraph(tx, run, { lock: true });
    const changes = new RunChanges(tx, sink, run);
    for (const a of touched) {
      const item = graph.items.find((i) => i.id === a.itemId)!;
      if (a.status === 'cancelled' && item.latestAttemptId === a.id) {
        await followAttempt(tx, sink, a.id, 'cancelled', { errorMessage: `Cancelled by ${actor.name} before it started` });
        sink.emit({
          type: 'attempt.finished',
          projectId: run.projectId,
          runId: run.id,
          payload: { run_id: run.id, item_id: item.id, attempt_id: a.id, status: 'cancelled', item_status: 'cancelled' },
        });
        await changes.setItemStatus(item, 'cancelled');
      }
    }
    for (const item of graph.items) {
      if (item.status === 'pending') await changes.setItemStatus(item, 'skipped');
    }
    if (touched.some((a) => a.status === 'running')) {
      sink.wake(CANCEL_CHANNEL);
      // Tells the workers holding them to kill the steps now, not at their next heartbeat.
      sink.emit({
        type: 'run.cancel_requested',
        projectId: run.projectId,
        runId: run.id,
        payload: { run_id: run.id, attempt_ids: touched.filter((a) => a.status === 'running').map((a) => a.id) },
      });
    }
    await recordAudit(tx, actor, { action: 'run.cancel', targetType: 'run', targetId: run.id, projectId: run.projectId, reason: reasonOf(options.reason), details: { number: run.number } });
    return advanceRun(changes, graph);
  });
}
