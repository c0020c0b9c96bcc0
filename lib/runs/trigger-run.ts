import { eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { pipelines, runs, workItems, type RunTrigger } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan, assertCanDeploy } from '../auth/permissions';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { transact } from '../events';
import { safeJson } from '../safe-text';
import { validateAgainstSchema } from '../validation';
import { concurrencyOf } from '../engine/concurrency';
import { dependentsByStep, pipelineVersion } from '../pipelines/version-cache';
import { advanceRun } from './advance';
import type { ItemRow, RunRow } from './load';
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
  await assertCanDeploy(db, actor, pipeline.projectId, definition.steps.map((s) => s.environment));

  const params = safeJson(withDefaults(definition.params, input.params ?? {}));
  const problems = validateAgainstSchema(definition.params, params);
  if (problems.length) throw new DomainError('invalid_inputs', 'The run parameters are invalid.', problems);

  // The run's number is taken by a statement of its own: concurrent triggers
  // of one pipeline hold its row for that statement only, not for the whole
  // start of the run. Numbers are never reused; a start that fails after this
  // (a database error) leaves a gap.
  const [{ number }] = await db
    .update(pipelines)
    .set({ lastRunNumber: sql`${pipelines.lastRunNumber} + 1` })
    .where(eq(pipelines.id, pipeline.id))
    .returning({ number: pipelines.lastRunNumber });

  return transact(db, async (tx, sink) => {
    const [run] = await tx
      .insert(runs)
      .values({
        projectId: pipeline.projectId,
        pipelineId: pipeline.id,
        pipelineVersionId: version.id,
        number,
        params,
        trigger: input.trigger ?? 'manual',
        triggeredBy: actor.userId,
        gitCommit: input.commit ?? null,
        gitBranch: input.branch ?? null,
        gitMessage: input.message ?? null,
        environment: definition.steps.find((s) => s.environment)?.environment ?? null,
        unfinishedItems: definition.steps.length,
      })
      .returning();
    const dependents = dependentsByStep(definition.steps);
    const rows = definition.steps.map((step, position) => {
      const group = concurrencyOf(step, run.projectId, params);
      return {
        runId: run.id,
        key: step.key,
        position,
        needs: step.needs,
        dependents: dependents.get(step.key) ?? [],
        unmetNeeds: step.needs.length,
        environment: step.environment,
        concurrencyKey: group?.key ?? null,
        concurrencyLimit: group?.limit ?? null,
      };
    });
    // In slices: one statement has at most 65,535 parameters.
    const items: ItemRow[] = [];
    for (let i = 0; i < rows.length; i += 1000) items.push(...(await tx.insert(workItems).values(rows.slice(i, i + 1000)).returning()));
    sink.emit({
      type: 'run.created',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, pipeline_id: pipeline.id, number, status: run.status },
    });
    await recordAudit(tx, actor, { action: 'run.trigger', targetType: 'run', targetId: run.id, projectId: run.projectId, details: { number, pipeline: pipeline.name } });
    // A new run's graph is what was just written: nothing to read back.
    const graph = { run, definition, steps: version.steps, items, latest: new Map() };
    return advanceRun(new RunChanges(tx, sink, run), graph);
  });
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
