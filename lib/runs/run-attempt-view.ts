import type { AttemptRow, ItemRow } from './load';

export interface ItemAtRunAttempt {
  status: string;
  attempt: AttemptRow | null;
  attempts: number;
}

/**
 * Each item as it stood at the end of run attempt `k` ("Attempt 1 of 2"): its
 * latest attempt made in or before `k`. The current run attempt shows the live
 * item status; an item with no attempt yet by an earlier run attempt never ran
 * in it, so it was skipped.
 */
export function itemsAtRunAttempt(
  items: ItemRow[],
  attemptsByItem: Map<string, AttemptRow[]>,
  k: number,
  current: number,
): Map<string, ItemAtRunAttempt> {
  const view = new Map<string, ItemAtRunAttempt>();
  for (const item of items) {
    const upTo = (attemptsByItem.get(item.id) ?? []).filter((a) => a.runAttempt <= k);
    const last = upTo[upTo.length - 1] ?? null;
    const status = k >= current ? item.status : last ? last.status : 'skipped';
    view.set(item.id, { status, attempt: last, attempts: upTo.length });
  }
  return view;
}
