import { eq } from 'drizzle-orm';
import { workItems } from '@/db/schema';
import { resolveInputsWith } from '../engine/inputs';
import type { RunGraph } from './load';
import type { RunChanges } from './transitions';

/**
 * After an operator action (the run's items locked, see loadRunGraph): pending
 * items behind a failure are skipped, pending items whose needs all succeeded
 * are queued, each item's count of unmet needs is set again, and the run's row
 * is written. Steps finishing on their own never come here: the finish
 * (lib/engine/finish-attempt.ts) does the same for one step's dependents.
 */
export async function advanceRun(changes: RunChanges, graph: RunGraph) {
  const byKey = new Map(graph.items.map((i) => [i.key, i]));
  // Skipping can cascade; queueing cannot (a queued item has not succeeded).
  let changed = true;
  while (changed) {
    changed = false;
    for (const item of graph.items) {
      if (item.status !== 'pending') continue;
      if (item.needs.some((k) => ['failed', 'cancelled', 'skipped'].includes(byKey.get(k)!.status))) {
        await changes.setItemStatus(item, 'skipped');
        changed = true;
      }
    }
  }
  const ready = graph.items.filter((i) => i.status === 'pending' && i.needs.every((k) => byKey.get(k)!.status === 'succeeded'));
  await queueReadyItems(changes, graph, ready);
  for (const item of graph.items) {
    const unmet = item.needs.filter((k) => byKey.get(k)!.status !== 'succeeded').length;
    if (unmet !== item.unmetNeeds) {
      await changes.tx.update(workItems).set({ unmetNeeds: unmet }).where(eq(workItems.id, item.id));
      item.unmetNeeds = unmet;
    }
  }
  return changes.save();
}

async function queueReadyItems(changes: RunChanges, graph: RunGraph, ready: RunGraph['items']) {
  if (!ready.length) return;
  const { run } = graph;
  const outputs: Record<string, Record<string, unknown> | null> = {};
  for (const need of graph.items) {
    if (need.status === 'succeeded') outputs[need.key] = graph.latest.get(need.id)?.outputs ?? {};
  }
  const created = await changes.queueAttempts(
    ready.map((item) => {
      const previous = graph.latest.get(item.id);
      const inputs = resolveInputsWith(graph.steps.get(item.key)!, run.params, outputs);
      return {
        item,
        spec: {
          kind: previous ? ('rerun' as const) : ('initial' as const),
          // Unresolvable inputs are left to the claim, which fails the attempt and says why.
          inputs: inputs ?? {},
          inputsPending: inputs === null,
          triggeredBy: item.requestedBy ?? run.triggeredBy,
          reason: item.requestedReason,
          retryOf: previous?.id ?? null,
        },
        itemExtra: { requestedBy: null, requestedReason: null },
      };
    }),
  );
  for (const attempt of created) graph.latest.set(attempt.workItemId, attempt);
}
