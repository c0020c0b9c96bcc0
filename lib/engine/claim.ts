import { and, asc, eq, inArray, lt, lte, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { attempts, pipelineVersions, runs, workItems } from '@/db/schema';
import { transact } from '../events';
import { followAttempt } from '../deployments/record';
import type { PipelineDefinition, StepDefinition } from '../pipelines/definition';
import type { AttemptRow, RunRow } from '../runs/load';
import { lockRun } from '../runs/load';
import { setItemStatus, setRunStatus } from '../runs/transitions';

export interface ClaimedAttempt {
  attempt: AttemptRow;
  run: RunRow;
  step: StepDefinition;
  baseDir: string;
}

/**
 * Takes the oldest ready attempt for this worker. SKIP LOCKED lets any number
 * of workers claim at once without waiting on each other or taking the same
 * attempt twice. The claim never locks the run (see lockRun's ordering rule);
 * the run is marked running afterwards by markRunStarted.
 */
export async function claimNextAttempt(db: Db, workerId: string, leaseMs: number): Promise<ClaimedAttempt | null> {
  return transact(db, async (tx, sink) => {
    const [candidate] = await tx
      .select({ id: attempts.id })
      .from(attempts)
      .where(and(eq(attempts.status, 'queued'), lte(attempts.availableAt, sql`now()`)))
      .orderBy(asc(attempts.availableAt), asc(attempts.createdAt))
      .limit(1)
      .for('update', { skipLocked: true });
    if (!candidate) return null;
    const [attempt] = await tx
      .update(attempts)
      .set({
        status: 'running',
        workerId,
        startedAt: sql`now()`,
        leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
      })
      .where(eq(attempts.id, candidate.id))
      .returning();
    const [item] = await tx.select().from(workItems).where(eq(workItems.id, attempt.workItemId));
    const [run] = await tx.select().from(runs).where(eq(runs.id, attempt.runId));
    const [version] = await tx
      .select({ definition: pipelineVersions.definition, baseDir: pipelineVersions.baseDir })
      .from(pipelineVersions)
      .where(eq(pipelineVersions.id, run.pipelineVersionId));
    const definition = version.definition as unknown as PipelineDefinition;
    const step = definition.steps.find((s) => s.key === item.key)!;
    await setItemStatus(tx, sink, run, item, 'running');
    await followAttempt(tx, attempt.id, 'running', { startedAt: attempt.startedAt! });
    sink.emit({
      type: 'attempt.started',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, item_id: item.id, attempt_id: attempt.id, number: attempt.number, worker_id: workerId },
    });
    return { attempt, run, step, baseDir: version.baseDir };
  });
}

/** The first claimed attempt moves a queued run to running. */
export async function markRunStarted(db: Db, runId: string) {
  await transact(db, async (tx, sink) => {
    const run = await lockRun(tx, runId);
    if (run.status === 'queued') await setRunStatus(tx, sink, run, 'running');
  });
}

/** Extends the lease; returns null when the lease is no longer ours (the reaper took the attempt). */
export async function renewLease(db: Db, attemptId: string, workerId: string, leaseMs: number) {
  const [row] = await db
    .update(attempts)
    .set({ leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(eq(attempts.id, attemptId), eq(attempts.workerId, workerId), eq(attempts.status, 'running')))
    .returning({ cancelRequested: attempts.cancelRequested });
  return row ?? null;
}

/** Which of these running attempts someone asked to cancel. */
export async function systemListCancelRequested(db: Db, attemptIds: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(inArray(attempts.id, attemptIds), eq(attempts.cancelRequested, true), eq(attempts.status, 'running')));
  return rows.map((r) => r.id);
}

/** Attempts whose worker stopped renewing its lease, across every project. */
export async function systemListExpiredLeases(db: Db) {
  return db
    .select({ id: attempts.id, workerId: attempts.workerId })
    .from(attempts)
    .where(and(eq(attempts.status, 'running'), lt(attempts.leaseExpiresAt, sql`now()`)))
    .limit(100);
}
