import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Conn, Tx } from '@/db/client';
import { attempts, pipelineVersions, runs, workItems } from '@/db/schema';
import { notFound } from '../errors';
import { isUuid } from '../ids';
import type { PipelineDefinition, StepDefinition } from '../pipelines/definition';

export type RunRow = typeof runs.$inferSelect;
export type ItemRow = typeof workItems.$inferSelect;
export type AttemptRow = typeof attempts.$inferSelect;

/**
 * Locks the run's row for the rest of the transaction. Every operation that
 * changes a run's items takes this lock first, so concurrent retries, replays,
 * cancels and finishing attempts of one run take turns (and never deadlock:
 * the run is always locked before its attempts and items).
 */
export async function lockRun(tx: Tx, runId: string): Promise<RunRow> {
  if (!isUuid(runId)) throw notFound('Run');
  const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
  if (!run) throw notFound('Run');
  return run;
}

export interface RunGraph {
  run: RunRow;
  definition: PipelineDefinition;
  steps: Map<string, StepDefinition>;
  items: ItemRow[];
  /** Latest attempt of each item, by item id. */
  latest: Map<string, AttemptRow>;
}

export async function loadRunGraph(conn: Conn, run: RunRow): Promise<RunGraph> {
  const [version] = await conn
    .select({ definition: pipelineVersions.definition })
    .from(pipelineVersions)
    .where(eq(pipelineVersions.id, run.pipelineVersionId));
  const definition = version.definition as unknown as PipelineDefinition;
  const items = await conn.select().from(workItems).where(eq(workItems.runId, run.id)).orderBy(asc(workItems.position));
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
  return { run, definition, steps: new Map(definition.steps.map((s) => [s.key, s])), items, latest };
}
