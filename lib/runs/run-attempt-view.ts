import type { ItemRow } from './load';

type AttemptLike = { runAttempt: number; status: string };

export interface ItemAtRunAttempt<A extends AttemptLike> {
  status: string;
  attempt: A | null;
  attempts: number;
}

/**
 * Each item as it stood at the end of run attempt `k` ("Attempt 1 of 2"): its
 * latest attempt made in or before `k`. The current run attempt shows the live
 * item status; an item with no attempt yet by an earlier run attempt never ran
 * in it, so it was skipped.
 */
export function itemsAtRunAttempt<A extends AttemptLike>(
  items: Pick<ItemRow, 'id' | 'status'>[],
  attemptsByItem: Map<string, A[]>,
  k: number,
  current: number,
): Map<string, ItemAtRunAttempt<A>> {
  const view = new Map<string, ItemAtRunAttempt<A>>();
  for (const item of items) {
    const upTo = (attemptsByItem.get(item.id) ?? []).filter((a) => a.runAttempt <= k);
    const last = upTo[upTo.length - 1] ?? null;
    const status = k >= current ? item.status : last ? last.status : 'skipped';
    view.set(item.id, { status, attempt: last, attempts: upTo.length });
  }
  return view;
}
