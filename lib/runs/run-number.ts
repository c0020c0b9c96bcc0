import { sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { rowsOf } from '../engine/sql-rows';

/**
 * The next number of a run of this pipeline. Each pipeline has a sequence of
 * its own, made and dropped with its row (migration 0016): numbers are never
 * reused, are taken without a lock (concurrent triggers of one pipeline do not
 * wait for each other's commit), and a start that fails after taking one leaves
 * a gap. In SQL: `reprise_next_run_number(pipeline_id)`.
 */
export async function nextRunNumber(db: Conn, pipelineId: string): Promise<number> {
  const [row] = rowsOf(await db.execute(sql`select reprise_next_run_number(${pipelineId}::uuid) as number`));
  return Number(row.number);
}
