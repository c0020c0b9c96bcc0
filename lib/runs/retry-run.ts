import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { workItems } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan, assertCanDeploy } from '../auth/permissions';
import { noteApprovals } from '../deployments/gate';
import { concurrencyOf } from '../engine/concurrency';
import { resolveInputsWith } from '../engine/inputs';
import { DomainError } from '../errors';
import { transact } from '../events';
import { sameJson } from '../pipelines/definition-change';
import { pipelineVersion } from '../pipelines/version-cache';
import { reasonOf } from './reason';
import { advanceRun } from './advance';
import { runInProgressError } from './guards';
import { latestDefinitionPlan, readLatestDefinitionInput, type DefinitionChoice, type LatestDefinitionPlan } from './latest-definition';
import { loadRunGraph, lockRunFor, runAttemptOnArrival, type RunGraph, type RunRow } from './load';
import { retryDecision } from './retry-plan';
import { retryOf, RunChanges, type NewAttempt } from './transitions';

export interface RetryOptions {
  reason?: string | null;
  /**
   * The run attempt the caller saw when it decided to retry (the dialog's
   * preview). When the run has moved on since, the retry is refused (409)
   * rather than acting on a plan the person never saw.
   */
  expectedAttempt?: number;
  /**
   * 'latest': the steps that run again use the pipeline's current definition
   * (refused with 409 when its structure differs from the run's); the run is
   * pinned to that version from then on. Default 'run': the run's own version.
   */
  definition?: DefinitionChoice;
  /** With 'latest': the pipeline version the caller previewed; 409 when the pipeline changed again since. */
  expectedVersionId?: string;
}

/**
 * Retries a failed or cancelled run: failed items get a new attempt with the
 * same frozen inputs, skipped ones go back to pending, succeeded ones are kept
 * and their outputs reused. Concurrent callers take turns on the run lock; the
 * first moves the run to running, so every later one gets 409.
 */
export async function retryRun(db: Db, actor: Actor, runId: string, options: RetryOptions = {}): Promise<RunRow> {
  const arrivedAt = await runAttemptOnArrival(db, runId);
  return transact(db, async (tx, sink) => {
    const { run, movedWhileWaiting } = await lockRunFor(tx, runId, arrivedAt);
    assertCan(actor, 'run.retry', { projectId: run.projectId, what: 'Run' });
    if (movedWhileWaiting || run.status === 'queued' || run.status === 'running') throw await runInProgressError(tx, run);
    if (options.expectedAttempt !== undefined && options.expectedAttempt !== run.attempt) {
      throw new DomainError('conflict', `Run #${run.number} changed since you looked (now attempt ${run.attempt}).`, {
        run_status: run.status,
        run_attempt: run.attempt,
      });
    }
    if (run.status === 'succeeded') {
      throw new DomainError('wrong_state', `Run #${run.number} succeeded; there is nothing to retry. Replay a step instead.`);
    }
    const graph = await loadRunGraph(tx, run, { lock: true });
    const changes = new RunChanges(tx, sink, run);
    const reason = reasonOf(options.reason);
    changes.startNewRunAttempt();

    const retry: Parameters<RunChanges['queueAttempts']>[0] = [];
    const reset: typeof graph.items = [];
    for (const item of graph.items) {
      const previous = graph.latest.get(item.id);
      const decision = retryDecision(item, previous);
      if (decision === 'retry' && previous) retry.push({ item, spec: retryOf(previous, actor.userId, reason) });
      else if (decision === 'reset') reset.push(item);
    }
    const latest =
      options.definition === 'latest'
        ? await useLatestDefinition(changes, graph, [...retry.map((r) => r.item.key), ...reset.map((i) => i.key)], retry, options.expectedVersionId)
        : null;
    // A failed deploy the retry runs again is the actor's own deploy: refused (403) without the
    // environment's role. Deploy steps further down wait for someone who has it.
    await assertCanDeploy(tx, actor, run.projectId, retry.map((r) => r.item.environment));
    await noteApprovals(tx, actor, run.projectId, reset);
    // Deploying a failed deploy again is explicit: it does not wait on a hold.
    await noteApprovals(tx, actor, run.projectId, retry.map((r) => r.item), { passHold: true });
    for (const item of reset) {
      await changes.setItemStatus(item, 'pending', { requestedBy: actor.userId, requestedReason: reason });
    }
    await changes.queueAttempts(retry);
    await recordAudit(tx, actor, {
      action: 'run.retry',
      targetType: 'run',
      targetId: run.id,
      projectId: run.projectId,
      reason,
      details: {
        number: run.number,
        run_attempt: run.attempt + 1,
        retried: retry.map((r) => r.item.key),
        definition: options.definition ?? 'run',
        ...(latest ? { pipeline_version: { from: latest.from, to: latest.to }, changed_steps: latest.steps.map((s) => s.key) } : {}),
      },
    });
    const saved = await advanceRun(changes, graph);
    sink.emit({
      type: 'run.retried',
      projectId: run.projectId,
      runId: run.id,
      payload: {
        run_id: run.id,
        attempt: saved.attempt,
        retried: retry.map((r) => r.item.key),
        definition: options.definition ?? 'run',
        pipeline_version: latest ? { from: latest.from, to: latest.to } : null,
      },
    });
    return saved;
  });
}

/**
 * Switches the retry to the pipeline's current definition, or refuses (409,
 * the structural difference in the details). The steps that run again get
 * the new step definitions: the retried ones are queued with the run moved
 * to the new version (so they record it and the worker runs its command, env
 * and timeout), with their inputs resolved again when the step's inputs
 * changed; the pending ones resolve theirs from the new definition when they
 * become ready. Succeeded steps are untouched.
 */
async function useLatestDefinition(
  changes: RunChanges,
  graph: RunGraph,
  runsAgain: string[],
  retry: { item: RunGraph['items'][number]; spec: NewAttempt }[],
  expectedVersionId: string | undefined,
): Promise<LatestDefinitionPlan> {
  const { tx, run } = changes;
  const input = await readLatestDefinitionInput(tx, run);
  const plan = latestDefinitionPlan(input, graph.items, new Set(runsAgain));
  if (expectedVersionId && plan.to && plan.to.id !== expectedVersionId) {
    throw new DomainError('conflict', `The pipeline changed again since you looked (now v${plan.to.number}); look at its changes again.`, {
      definition: 'latest',
      to: plan.to,
    });
  }
  if (!plan.allowed) {
    throw new DomainError('conflict', plan.notAllowedBecause!, {
      definition: 'latest',
      from: plan.from,
      to: plan.to,
      structure: plan.structure && {
        added: plan.structure.added,
        removed: plan.structure.removed,
        needs_changed: plan.structure.needsChanged,
      },
    });
  }
  if (!plan.changed) return plan;
  const next = await pipelineVersion(tx, plan.to!.id);
  const outputs: Record<string, Record<string, unknown> | null> = {};
  for (const item of graph.items) {
    if (item.status === 'succeeded') outputs[item.key] = graph.latest.get(item.id)?.outputs ?? {};
  }
  for (const entry of retry) {
    const before = graph.steps.get(entry.item.key)!;
    const after = next.steps.get(entry.item.key)!;
    // Unchanged inputs keep the failed attempt's (a replay's edits included); changed ones are the new definition's.
    if (sameJson(before.inputs, after.inputs)) continue;
    const inputs = resolveInputsWith(after, run.params, outputs);
    entry.spec = { ...entry.spec, inputs: inputs ?? {}, inputsPending: inputs === null };
  }
  const again = new Set(runsAgain);
  for (const item of graph.items) {
    if (!again.has(item.key)) continue;
    const group = concurrencyOf(next.steps.get(item.key)!, run.projectId, run.params);
    const key = group?.key ?? null;
    const limit = group?.limit ?? null;
    if (key === item.concurrencyKey && limit === item.concurrencyLimit) continue;
    await tx.update(workItems).set({ concurrencyKey: key, concurrencyLimit: limit }).where(eq(workItems.id, item.id));
    Object.assign(item, { concurrencyKey: key, concurrencyLimit: limit });
  }
  changes.moveToVersion(next.id);
  Object.assign(graph, { definition: next.definition, steps: next.steps });
  return plan;
}
