import type { Tx } from '@/db/client';
import type { EventSink } from '../events';
import { ReferenceError, resolveReferences } from '../pipelines/references';
import { validateAgainstSchema } from '../validation';
import { loadRunGraph, type RunGraph, type RunRow } from './load';
import { createAttempt, setItemStatus, setRunStatus } from './transitions';
import { finishedRunStatus, isFinishedItem } from './state';

/**
 * Moves a run forward after any change: pending items whose needs all
 * succeeded get their attempt (inputs resolved now, from the current outputs
 * upstream); pending items behind a failure are skipped; a run whose items
 * have all finished takes its final status. The caller holds the run lock.
 */
export async function advanceRun(tx: Tx, sink: EventSink, run: RunRow): Promise<RunGraph> {
  const graph = await loadRunGraph(tx, run);
  const byKey = new Map(graph.items.map((i) => [i.key, i]));

  let changed = true;
  while (changed) {
    changed = false;
    for (const item of graph.items) {
      if (item.status !== 'pending') continue;
      const needs = item.needs.map((k) => byKey.get(k)!);
      if (needs.some((n) => ['failed', 'cancelled', 'skipped'].includes(n.status))) {
        await setItemStatus(tx, sink, run, item, 'skipped');
        changed = true;
      } else if (needs.every((n) => n.status === 'succeeded')) {
        await queueItem(tx, sink, graph, item.id);
        changed = true;
      }
    }
  }

  if (graph.items.every((i) => isFinishedItem(i.status))) {
    const status = finishedRunStatus(graph.items);
    if (run.status !== status) await setRunStatus(tx, sink, run, status);
  }
  return graph;
}

async function queueItem(tx: Tx, sink: EventSink, graph: RunGraph, itemId: string) {
  const { run } = graph;
  const item = graph.items.find((i) => i.id === itemId)!;
  const step = graph.steps.get(item.key)!;
  const previous = graph.latest.get(item.id);
  const outputs: Record<string, Record<string, unknown> | null> = {};
  for (const need of graph.items) {
    if (need.status === 'succeeded') outputs[need.key] = graph.latest.get(need.id)?.outputs ?? {};
  }
  const base = {
    kind: previous ? ('rerun' as const) : ('initial' as const),
    triggeredBy: item.requestedBy ?? run.triggeredBy,
    reason: item.requestedReason,
    retryOf: previous?.id ?? null,
  };

  let inputs: Record<string, unknown>;
  try {
    inputs = resolveReferences(step.inputs, { params: run.params, outputs }) as Record<string, unknown>;
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
    const attempt = await createAttempt(tx, sink, run, item, {
      ...base,
      inputs: {},
      failed: { message: `Inputs could not be resolved: ${error.message}`, exit_code: null, classification: 'inputs' },
    });
    graph.latest.set(item.id, attempt);
    await setItemStatus(tx, sink, run, item, 'failed');
    return;
  }
  const problems = validateAgainstSchema(step.inputSchema, inputs);
  const attempt = await createAttempt(tx, sink, run, item, {
    ...base,
    inputs,
    failed: problems.length
      ? {
          message: `Inputs do not match the step's inputSchema: ${problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ')}`,
          exit_code: null,
          classification: 'inputs',
        }
      : undefined,
  });
  graph.latest.set(item.id, attempt);
  await setItemStatus(tx, sink, run, item, problems.length ? 'failed' : 'queued', {
    requestedBy: null,
    requestedReason: null,
  });
}
