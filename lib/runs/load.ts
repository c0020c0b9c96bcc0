import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Conn, Tx } from '@/db/client';
import { attempts, runs, workItems } from '@/db/schema';
import { notFound } from '../errors';
import { isUuid } from '../ids';
import type { PipelineDefinition, StepDefinition } from '../pipelines/definition';
import { pipelineVersion } from '../pipelines/version-cache';

export type RunRow = typeof runs.$inferSelect;
export type ItemRow = typeof workItems.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

/**
 * Starts an operator action on a run (retry, replay, cancel): such actions of
 * one run take turns on a per-run advisory lock, so of concurrent retries
 * exactly one wins. Steps finishing meanwhile do not take this lock.
 *
 * Lock order, everywhere, so nothing deadlocks: attempts → work items (in id
 * order) → concurrency groups → environments → the run's row, which is always
 * written last and held only until commit.
 */
export async function lockRun(tx: Tx, runId: string): Promise<RunRow> {
  if (!isUuid(runId)) throw notFound('Run');
  await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`run:${runId}`}, 0))`);
  const [run] = await tx.select().from(runs).where(eq(runs.id, runId));
  if (!run) throw notFound('Run');
  return run;
}

/**
 * The run's attempt counter as a request finds it on arrival, read before the
 * request queues for the run's lock (and for a pooled connection): see lockRunFor.
 */
export async function runAttemptOnArrival(conn: Conn, runId: string): Promise<number | null> {
  if (!isUuid(runId)) throw notFound('Run');
  const [row] = await conn.select({ attempt: runs.attempt }).from(runs).where(eq(runs.id, runId));
  if (!row) throw notFound('Run');
  return row.attempt;
}

/**
 * lockRun, telling also whether another action on the run committed after
 * this request arrived (`arrivedAt`, from runAttemptOnArrival) and before it
 * got the lock. Retries and replays that arrive together are one operator's
 * double click or two operators at once: the first wins and the others are
 * refused, even when steps are fast enough for the run to have finished again
 * by the time they get the lock.
 */
export async function lockRunFor(tx: Tx, runId: string, arrivedAt: number | null): Promise<{ run: RunRow; movedWhileWaiting: boolean }> {
  const run = await lockRun(tx, runId);
  return { run, movedWhileWaiting: arrivedAt !== null && run.attempt !== arrivedAt };
}

export interface RunGraph {
  run: RunRow;
  definition: PipelineDefinition;
  steps: Map<string, StepDefinition>;
  items: ItemRow[];
  /** Latest attempt of each item, by item id. */
  latest: Map<string, AttemptRow>;
}

/**
 * The run's items and their latest attempts. With `lock`, the items are read
 * FOR UPDATE in id order: an operator action then sees every step's current
 * status, and a step finishing meanwhile waits for the action (or the action
 * for it) instead of both deciding on what they read before.
 */
export async function loadRunGraph(conn: Conn, run: RunRow, options: { lock?: boolean } = {}): Promise<RunGraph> {
  const version = await pipelineVersion(conn, run.pipelineVersionId);
  const query = conn.select().from(workItems).where(eq(workItems.runId, run.id));
  const items = options.lock
    ? (await query.orderBy(asc(workItems.id)).for('update')).sort((a, b) => a.position - b.position)
    : await query.orderBy(asc(workItems.position));
  const latestIds = items.map((i) => i.latestAttemptId).filter((id): id is string => id !== null);
  const latestRows = latestIds.length
    ? await conn.select().from(attempts).where(and(eq(attempts.runId, run.id), inArray(attempts.id, latestIds)))
    : [];
  const byId = new Map(latestRows.map((a) => [a.id, a]));
  const latest = new Map<string, AttemptRow>();
  for (const item of items) {
    const a = item.latestAttemptId ? byId.get(item.latestAttemptId) : undefined;
    if (a) latest.set(item.id, a);
  }
  return { run, definition: version.definition, steps: version.steps, items, latest };
}
