import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { workItems } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan, assertCanDeploy, type Permission } from '../auth/permissions';
import { noteApprovals } from '../deployments/gate';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { transact } from '../events';
import { reasonOf } from './reason';
import { safeJson } from '../safe-text';
import { descendants } from '../pipelines/definition';
import { validateAgainstSchema } from '../validation';
import { maskDiff, maskInputs, mergeReplayInputs } from '../secrets';
import { advanceRun } from './advance';
import { runInProgressError } from './guards';
import { loadRunGraph, lockRunFor, runAttemptOnArrival, type AttemptRow, type RunGraph } from './load';
import { isFinishedRun, RETRYABLE_ITEM } from './state';
import { diffInputs, retryOf, RunChanges } from './transitions';

interface ItemContext {
  tx: Tx;
  changes: RunChanges;
  graph: RunGraph;
  item: RunGraph['items'][number];
  previous: AttemptRow | undefined;
}

async function withLockedItem<T>(
  db: Db,
  actor: Actor,
  action: Permission,
  runId: string,
  itemId: string,
  work: (ctx: ItemContext) => Promise<T>,
): Promise<T> {
  const arrivedAt = await runAttemptOnArrival(db, runId);
  return transact(db, async (tx, sink) => {
    const { run, movedWhileWaiting } = await lockRunFor(tx, runId, arrivedAt);
    assertCan(actor, action, { projectId: run.projectId, what: 'Run' });
    if (movedWhileWaiting) throw await runInProgressError(tx, run);
    if (!isUuid(itemId)) throw notFound('Step');
    const [exists] = await tx
      .select({ id: workItems.id })
      .from(workItems)
      .where(and(eq(workItems.id, itemId), eq(workItems.runId, runId)));
    if (!exists) throw notFound('Step');
    const graph = await loadRunGraph(tx, run, { lock: true });
    const item = graph.items.find((i) => i.id === itemId)!;
    // The step itself is the actor's own deploy: refused (403) without its environment's role.
    // Deploy steps below it that run again wait for someone who has theirs (lib/deployments/gate.ts).
    await assertCanDeploy(tx, actor, run.projectId, [item.environment]);
    const below = descendants(graph.definition.steps, item.key);
    await noteApprovals(tx, actor, run.projectId, graph.items.filter((i) => below.has(i.key)));
    // Deploying this step again is explicit: it does not wait on a hold.
    await noteApprovals(tx, actor, run.projectId, [item], { passHold: true });
    return work({ tx, changes: new RunChanges(tx, sink, run), graph, item, previous: graph.latest.get(item.id) });
  });
}

/** Sends every item downstream of `key` back to pending, to re-run once it has new outputs. */
async function resetDownstream(ctx: ItemContext, actor: Actor, reason: string | null) {
  const below = descendants(ctx.graph.definition.steps, ctx.item.key);
  for (const item of ctx.graph.items) {
    if (below.has(item.key)) {
      await ctx.changes.setItemStatus(item, 'pending', {
        requestedBy: actor.userId,
        requestedReason: reason,
      });
    }
  }
  return [...below];
}

/** Retries one failed (or cancelled) step with its frozen inputs; skipped steps below it go back to pending. */
export async function retryItem(
  db: Db,
  actor: Actor,
  runId: string,
  itemId: string,
  options: {
    reason?: string | null;
    /** Runs once the run and its items are locked, before anything changes (a deployment's own checks). */
    guard?: (tx: Tx) => Promise<void>;
    /** Runs after the new attempt is queued, in the same transaction. */
    after?: (tx: Tx, attempt: AttemptRow) => Promise<void>;
  } = {},
): Promise<AttemptRow> {
  return withLockedItem(db, actor, 'run.retry', runId, itemId, async (ctx) => {
    const { item, previous, graph } = ctx;
    await options.guard?.(ctx.tx);
    if (item.status === 'queued' || item.status === 'running') {
      throw await runInProgressError(ctx.tx, graph.run);
    }
    if (!RETRYABLE_ITEM.includes(item.status) || !previous) {
      throw new DomainError(
        'wrong_state',
        item.status === 'succeeded'
          ? `Step "${item.key}" succeeded; replay it to run it again.`
          : `Step "${item.key}" is ${item.status}; only failed or cancelled steps can be retried.`,
      );
    }
    const reason = reasonOf(options.reason);
    if (graph.run.status !== 'running') ctx.changes.startNewRunAttempt();
    const attempt = await ctx.changes.queueAttempt(item, retryOf(previous, actor.userId, reason));
    const below = descendants(graph.definition.steps, item.key);
    for (const other of graph.items) {
      if (below.has(other.key) && other.status === 'skipped') {
        await ctx.changes.setItemStatus(other, 'pending', {
          requestedBy: actor.userId,
          requestedReason: reason,
        });
      }
    }
    await recordAudit(ctx.tx, actor, {
      action: 'item.retry',
      targetType: 'run',
      targetId: graph.run.id,
      projectId: graph.run.projectId,
      reason,
      details: { number: graph.run.number, item: item.key, attempt: attempt.number, run_attempt: attempt.runAttempt },
    });
    await options.after?.(ctx.tx, attempt);
    await advanceRun(ctx.changes, graph);
    return attempt;
  });
}

export interface ReplayOptions {
  /** The full inputs to run with; omitted means the last attempt's inputs. */
  inputs?: Record<string, unknown>;
  reason?: string | null;
}

/**
 * Replays one finished step of a finished run, optionally with edited inputs
 * (validated against the step's inputSchema: 422 with every error). Every step
 * downstream re-runs with inputs re-resolved from the new outputs; upstream is
 * untouched.
 */
export async function replayItem(
  db: Db,
  actor: Actor,
  runId: string,
  itemId: string,
  options: ReplayOptions = {},
): Promise<AttemptRow> {
  return withLockedItem(db, actor, 'run.replay', runId, itemId, async (ctx) => {
    const { item, previous, graph } = ctx;
    if (!isFinishedRun(graph.run.status)) throw await runInProgressError(ctx.tx, graph.run);
    if (!previous) {
      throw new DomainError('wrong_state', `Step "${item.key}" never ran (${item.status}); retry the run instead.`);
    }
    const step = graph.steps.get(item.key)!;
    // PostgreSQL refuses NUL and lone surrogates in jsonb: an operator's text is stored with them made visible.
    // A secret left masked (as every read shows it) keeps the previous attempt's value.
    const inputs = options.inputs ? mergeReplayInputs(safeJson(options.inputs), previous.inputs, step.inputSchema) : previous.inputs;
    const problems = validateAgainstSchema(step.inputSchema, inputs);
    if (problems.length) {
      throw new DomainError('invalid_inputs', `The inputs do not match the inputSchema of "${item.key}".`, problems);
    }
    const reason = reasonOf(options.reason);
    ctx.changes.startNewRunAttempt();
    const attempt = await ctx.changes.queueAttempt(item, {
      kind: 'replay',
      inputs,
      // Kept to be shown: secrets are stored masked here (the attempt's inputs hold them for the step).
      inputOverrides: options.inputs ? maskInputs(inputs, step.inputSchema) : null,
      inputDiff: maskDiff(diffInputs(previous.inputs, inputs), step.inputSchema),
      triggeredBy: actor.userId,
      reason,
      retryOf: previous.id,
    });
    const rerun = await resetDownstream(ctx, actor, reason);
    await recordAudit(ctx.tx, actor, {
      action: 'item.replay',
      targetType: 'run',
      targetId: graph.run.id,
      projectId: graph.run.projectId,
      reason,
      details: { number: graph.run.number, item: item.key, attempt: attempt.number, run_attempt: attempt.runAttempt, rerun, diff: attempt.inputDiff },
    });
    await advanceRun(ctx.changes, graph);
    return attempt;
  });
}
