import { eq, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { attempts, runs, workItems } from '@/db/schema';
import type { AttemptError, AttemptKind, AttemptStatus, InputChange, ItemStatus, RunStatus } from '@/db/schema';
import { recordDeployment } from '../deployments/record';
import type { EventSink } from '../events';
import type { AttemptRow, ItemRow, RunRow } from './load';

/** Small writers shared by every operation: each changes one row and emits its event. */

export async function setItemStatus(
  tx: Tx,
  sink: EventSink,
  run: RunRow,
  item: ItemRow,
  status: ItemStatus,
  extra: Partial<Pick<ItemRow, 'requestedBy' | 'requestedReason'>> = {},
) {
  await tx
    .update(workItems)
    .set({ status, updatedAt: new Date(), ...extra })
    .where(eq(workItems.id, item.id));
  if (item.status !== status) {
    sink.emit({
      type: 'item.status_changed',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, item_id: item.id, key: item.key, status, previous: item.status },
    });
  }
  item.status = status;
  Object.assign(item, extra);
}

export async function setRunStatus(tx: Tx, sink: EventSink, run: RunRow, status: RunStatus, extra: Partial<RunRow> = {}) {
  const now = new Date();
  const changes: Partial<RunRow> = { status, ...extra };
  if (status === 'running' && !run.startedAt) changes.startedAt = now;
  if (['succeeded', 'failed', 'cancelled'].includes(status)) changes.finishedAt = now;
  else changes.finishedAt = null;
  await tx.update(runs).set(changes).where(eq(runs.id, run.id));
  const previous = run.status;
  Object.assign(run, changes);
  if (previous !== status || extra.attempt !== undefined) {
    sink.emit({
      type: 'run.status_changed',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, status, previous, attempt: run.attempt },
    });
  }
}

export interface NewAttempt {
  kind: AttemptKind;
  inputs: Record<string, unknown>;
  triggeredBy: string | null;
  reason?: string | null;
  retryOf?: string | null;
  inputOverrides?: Record<string, unknown> | null;
  inputDiff?: InputChange[] | null;
  availableAt?: Date;
  /** An attempt that cannot start (its inputs could not be resolved) is written already failed. */
  failed?: AttemptError;
}

export async function createAttempt(tx: Tx, sink: EventSink, run: RunRow, item: ItemRow, spec: NewAttempt): Promise<AttemptRow> {
  const number = item.attemptCount + 1;
  const now = new Date();
  const status: AttemptStatus = spec.failed ? 'failed' : 'queued';
  const [attempt] = await tx
    .insert(attempts)
    .values({
      workItemId: item.id,
      runId: run.id,
      number,
      kind: spec.kind,
      status,
      inputs: spec.inputs,
      inputOverrides: spec.inputOverrides ?? null,
      inputDiff: spec.inputDiff ?? null,
      reason: spec.reason ?? null,
      triggeredBy: spec.triggeredBy,
      retryOf: spec.retryOf ?? null,
      runAttempt: run.attempt,
      availableAt: spec.availableAt ?? now,
      error: spec.failed ?? null,
      finishedAt: spec.failed ? now : null,
    })
    .returning();
  await tx
    .update(workItems)
    .set({ latestAttemptId: attempt.id, attemptCount: sql`${workItems.attemptCount} + 1`, updatedAt: now })
    .where(eq(workItems.id, item.id));
  item.latestAttemptId = attempt.id;
  item.attemptCount = number;
  await recordDeployment(tx, run, item.key, attempt);
  sink.emit({
    type: 'attempt.created',
    projectId: run.projectId,
    runId: run.id,
    payload: { run_id: run.id, item_id: item.id, attempt_id: attempt.id, number, kind: spec.kind, status },
  });
  return attempt;
}

/** Field-by-field changes between two input objects, for the replay's record. */
export function diffInputs(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const changes: InputChange[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const change: InputChange = { path: `/${key}` };
    if (key in before) change.before = a;
    if (key in after) change.after = b;
    changes.push(change);
  }
  return changes;
}
