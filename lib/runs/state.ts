import { sql } from 'drizzle-orm';
import type { AttemptStatus, ItemStatus, RunStatus } from '@/db/schema';

export const FINISHED_ATTEMPT: AttemptStatus[] = ['succeeded', 'failed', 'cancelled', 'lost'];
export const FINISHED_ITEM: ItemStatus[] = ['succeeded', 'failed', 'cancelled', 'skipped'];
export const RUN_STATUSES = [
  'queued',
  'running',
  'succeeded',
  'failed',
  'cancelled',
] as const satisfies readonly RunStatus[];
/** How a run was started (the run history's trigger filter). */
export const RUN_TRIGGERS = ['manual', 'api', 'retry', 'redeploy', 'rollback', 'schedule'];
export const FINISHED_RUN: RunStatus[] = ['succeeded', 'failed', 'cancelled'];
/** Items a retry brings back: they ran and did not succeed. */
export const RETRYABLE_ITEM: ItemStatus[] = ['failed', 'cancelled'];
/** Runs a retry accepts (queued or running answer 409, succeeded 400). */
export const RETRYABLE_RUN: RunStatus[] = ['failed', 'cancelled'];

export const isFinishedRun = (s: RunStatus) => FINISHED_RUN.includes(s);
export const isFinishedItem = (s: ItemStatus) => FINISHED_ITEM.includes(s);

/** A run's status once all its items have finished. */
export function finishedRunStatus(items: { status: ItemStatus }[]): RunStatus {
  if (items.some((i) => i.status === 'cancelled')) return 'cancelled';
  if (items.some((i) => i.status === 'failed' || i.status === 'skipped')) return 'failed';
  return 'succeeded';
}

/** Item statuses that still have work ahead, and those a run counts as failed. */
export const UNFINISHED_ITEM: ItemStatus[] = ['pending', 'queued', 'running'];
export const FAILED_ITEM: ItemStatus[] = ['failed', 'skipped'];

/** UNFINISHED_ITEM as an SQL list, for `status in (…)` (the partial index work_items_unfinished_idx has it). */
export const UNFINISHED_ITEM_SQL = sql.raw(UNFINISHED_ITEM.map((s) => `'${s}'`).join(', '));

/** Whether an item's change of status changes what its run's status derives from: unfinished, failed, cancelled. */
export function changesRunOutcome(from: ItemStatus, to: ItemStatus) {
  const differs = (list: ItemStatus[]) => list.includes(from) !== list.includes(to);
  return differs(UNFINISHED_ITEM) || differs(FAILED_ITEM) || differs(['cancelled']);
}
