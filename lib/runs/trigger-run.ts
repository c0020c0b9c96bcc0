import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { attempts, pipelines, runs, workItems, type DeployAction, type RunTrigger } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan } from '../auth/permissions';
import { noteApprovals } from '../deployments/gate';
import { predeploy } from '../deployments/record';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { transact, type EventSink } from '../events';
import { safeJson } from '../safe-text';
import { validateAgainstSchema } from '../validation';
import { concurrencyOf } from '../engine/concurrency';
import { dependentsByStep, pipelineVersion, type PipelineVersionInfo } from '../pipelines/version-cache';
import { advanceRun } from './advance';
import { isPlainVersion, startPlainRun } from './plain-run';
import type { AttemptRow, ItemRow, RunRow } from './load';
import { nextRunNumber } from './run-number';
import { RunChanges } from './transitions';

export interface TriggerRunInput {
  pipelineId: string;
  params?: Record<string, unknown>;
  commit?: string | null;
  branch?: string | null;
  message?: string | null;
  trigger?: RunTrigger;
}

/** Starts a new run of the pipeline's current version. */
export async function triggerRun(db: Db, actor: Actor, input: TriggerRunInput): Promise<RunRow> {
  if (!isUuid(input.pipelineId)) throw notFound('Pipeline');
  const [pipeline] = await db.select().from(pipelines).where(eq(pipelines.id, input.pipelineId));
  if (!pipeline) throw notFound('Pipeline');
  assertCan(actor, 'run.trigger', { projectId: pipeline.projectId, what: 'Pipeline' });
  if (!pipeline.currentVersionId) throw new DomainError('wrong_state', 'This pipeline has no loaded definition.');
  const version = await pipelineVersion(db, pipeline.currentVersionId);
  const { definition } = version;

  const params = safeJson(withDefaults(definition.params, input.params ?? {}));
  const problems = validateAgainstSchema(definition.params, params);
  if (problems.length) throw new DomainError('invalid_inputs', 'The run parameters are invalid.', problems);

  const spec = {
    pipelineId: pipeline.id,
    projectId: pipeline.projectId,
    version,
    params,
    trigger: input.trigger ?? 'manual',
    commit: input.commit ?? null,
    branch: input.branch ?? null,
    message: input.message ?? null,
  } as const;
  // Most runs deploy nowhere: one statement starts them (lib/runs/plain-run.ts).
  if (isPlainVersion(version)) return startPlainRun(db, actor, spec);

  // Numbers are never reused; a start that fails after this (a database error) leaves a gap.
  const number = await nextRunNumber(db, pipeline.id);
  return transact(db, (tx, sink) => createRun(tx, sink, actor, { ...spec, number }));
}

export interface NewRun {
  pipelineId: string;
  projectId: string;
  version: PipelineVersionInfo;
  number: number;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  commit: string | null;
  branch: string | null;
  message: string | null;
  /** Only these steps (a redeploy or rollback: the deploy step and what it needs); all when absent. */
  only?: Set<string>;
  deployAction?: DeployAction;
  /** Steps not run again: the succeeded attempt each one reuses (a rollback). */
  reuse?: Map<string, AttemptRow>;
  /** Steps whose first attempt is queued with these exact inputs (a rollback's deploy step). */
  exactInputs?: Map<string, Record<string, unknown>>;
  reason?: string | null;
  /**
   * A redeploy: the deploy step whose deployment is written now (pending, the
   * next version), so the environment is busy from the start of the run; the
   * step's attempt takes it over when it is queued (lib/deployments/record.ts).
   */
  predeploy?: string;
}

/**
 * Writes a new run and its items, and queues what can start. A run of some
 * steps only (`only`) has items for those alone: the others are not part of
 * it. Reused steps are succeeded from the start, with an attempt of kind
 * `reused` that copies the outputs it reuses.
 */
export async function createRun(tx: Tx, sink: EventSink, actor: Actor, spec: NewRun): Promise<RunRow> {
  const { definition } = spec.version;
  const steps = spec.only ? definition.steps.filter((s) => spec.only!.has(s.key)) : definition.steps;
  const reuse = spec.reuse ?? new Map<string, AttemptRow>();
  // The run's id is made here, so its row, its items and its audit entry go
  // to the server together, in this order, and are answered in one round trip.
  const runId = randomUUID();
  const runWritten = tx
    .insert(runs)
    .values({
      id: runId,
      projectId: spec.projectId,
      pipelineId: spec.pipelineId,
      pipelineVersionId: spec.version.id,
      number: spec.number,
      params: spec.params,
      trigger: spec.trigger,
      triggeredBy: actor.userId,
      gitCommit: spec.commit,
      gitBranch: spec.branch,
      gitMessage: spec.message,
      environment: steps.find((s) => s.environment)?.environment ?? null,
      deployAction: spec.deployAction ?? null,
    })
    .returning()
    .execute();
  const inRun = new Set(steps.map((s) => s.key));
  const dependents = dependentsByStep(steps);
  const rows = steps.map((step, position) => {
    const group = concurrencyOf(step, spec.projectId, spec.params);
    return {
      runId,
      key: step.key,
      position,
      needs: step.needs.filter((k) => inRun.has(k)),
      dependents: dependents.get(step.key) ?? [],
      unmetNeeds: step.needs.filter((k) => inRun.has(k)).length,
      environment: step.environment,
      concurrencyKey: group?.key ?? null,
      concurrencyLimit: group?.limit ?? null,
      ...(reuse.has(step.key) ? { status: 'succeeded' as const, attemptCount: 1 } : {}),
    };
  });
  // In slices: one statement has at most 65,535 parameters.
  const itemsWritten: Promise<ItemRow[]>[] = [];
  for (let i = 0; i < rows.length; i += 1000) {
    itemsWritten.push(tx.insert(workItems).values(rows.slice(i, i + 1000)).returning().execute());
  }
  // A redeploy or rollback is audited as itself (lib/deployments/actions.ts).
  const audited = spec.deployAction
    ? null
    : recordAudit(tx, actor, {
        action: 'run.trigger',
        targetType: 'run',
        targetId: runId,
        projectId: spec.projectId,
        reason: spec.reason ?? null,
        details: {
          number: spec.number,
          pipeline: definition.name,
          trigger: spec.trigger,
          ...(spec.only ? { steps: [...inRun] } : {}),
        },
      });
  const [[run], ...slices] = await Promise.all([runWritten, ...itemsWritten, audited]);
  const items = (slices.slice(0, itemsWritten.length) as ItemRow[][]).flat();
  const latest = new Map<string, AttemptRow>();
  if (reuse.size) {
    const now = new Date();
    const copies = await tx
      .insert(attempts)
      .values(
        items
          .filter((item) => reuse.has(item.key))
          .map((item) => {
            const source = reuse.get(item.key)!;
            return {
              workItemId: item.id,
              runId: run.id,
              number: 1,
              kind: 'reused' as const,
              status: 'succeeded' as const,
              inputs: source.inputs,
              outputs: source.outputs,
              triggeredBy: actor.userId,
              reason: spec.reason ?? null,
              reusedFrom: source.id,
              // Nothing runs: the version is the one that made the outputs reused.
              pipelineVersionId: source.pipelineVersionId ?? null,
              runAttempt: 1,
              availableAt: now,
              startedAt: now,
              finishedAt: now,
            };
          }),
      )
      .returning();
    for (const copy of copies) {
      const item = items.find((i) => i.id === copy.workItemId)!;
      item.latestAttemptId = copy.id;
      latest.set(item.id, copy);
    }
    await tx.execute(sql`
      update work_items w set latest_attempt_id = a.id from attempts a
      where a.run_id = ${run.id} and a.kind = 'reused' and w.id = a.work_item_id`);
  }
  sink.emit({
    type: 'run.created',
    projectId: run.projectId,
    runId: run.id,
    payload: { run_id: run.id, pipeline_id: spec.pipelineId, number: spec.number, status: run.status },
  });
  // Deploy steps to environments the actor may not deploy to wait for someone who may (lib/deployments/gate.ts).
  await noteApprovals(tx, actor, run.projectId, items);
  // A redeploy or rollback deploys explicitly: its deploy step does not wait on a hold.
  const explicit = items.filter((i) => i.key === spec.deployAction?.step);
  await noteApprovals(tx, actor, run.projectId, explicit, { passHold: true });
  if (spec.predeploy) {
    const item = items.find((i) => i.key === spec.predeploy)!;
    await predeploy(tx, sink, run, item);
  }
  // A new run's graph is what was just written: nothing to read back.
  const graph = { run, definition, steps: spec.version.steps, items, latest };
  const changes = new RunChanges(tx, sink, run);
  if (spec.exactInputs?.size) {
    const exact = items.filter((i) => spec.exactInputs!.has(i.key) && i.needs.every((k) => reuse.has(k)));
    for (const attempt of await changes.queueAttempts(
      exact.map((item) => ({
        item,
        spec: { kind: 'initial' as const, inputs: spec.exactInputs!.get(item.key)!, triggeredBy: actor.userId, reason: spec.reason ?? null },
      })),
    )) {
      graph.latest.set(attempt.workItemId, attempt);
    }
  }
  return advanceRun(changes, graph);
}

/** Fills in the `default` of each top-level parameter the caller left out. */
function withDefaults(schema: Record<string, unknown> | null, params: Record<string, unknown>) {
  const properties = (schema?.properties ?? {}) as Record<string, { default?: unknown }>;
  const filled = { ...params };
  for (const [name, prop] of Object.entries(properties)) {
    if (!(name in filled) && prop && typeof prop === 'object' && 'default' in prop) filled[name] = prop.default;
  }
  return filled;
}
