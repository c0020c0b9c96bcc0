import { eq } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { pipelines, runs, workItems, type RunTrigger } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan } from '../auth/permissions';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { transact } from '../events';
import { safeJson } from '../safe-text';
import { validateAgainstSchema } from '../validation';
import { concurrencyOf } from '../engine/concurrency';
import { dependentsByStep, pipelineVersion } from '../pipelines/version-cache';
import { advanceRun } from './advance';
import { loadRunGraph, type RunRow } from './load';
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
  return transact(db, async (tx, sink) => {
    if (!isUuid(input.pipelineId)) throw notFound('Pipeline');
    const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.id, input.pipelineId)).for('update');
    if (!pipeline) throw notFound('Pipeline');
    assertCan(actor, 'run.trigger', { projectId: pipeline.projectId });
    if (!pipeline.currentVersionId) throw new DomainError('wrong_state', 'This pipeline has no loaded definition.');
    const version = await pipelineVersion(tx, pipeline.currentVersionId);
    const { definition } = version;

    const params = safeJson(withDefaults(definition.params, input.params ?? {}));
    const problems = validateAgainstSchema(definition.params, params);
    if (problems.length) throw new DomainError('invalid_inputs', 'The run parameters are invalid.', problems);

    const number = pipeline.lastRunNumber + 1;
    await tx.update(pipelines).set({ lastRunNumber: number }).where(eq(pipelines.id, pipeline.id));
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
    await tx.insert(workItems).values(
      definition.steps.map((step, position) => {
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
      }),
    );
    sink.emit({
      type: 'run.created',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, pipeline_id: pipeline.id, number, status: run.status },
    });
    await recordAudit(tx, actor, { action: 'run.trigger', targetType: 'run', targetId: run.id, details: { number } });
    return advanceRun(new RunChanges(tx, sink, run), await loadRunGraph(tx, run));
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
