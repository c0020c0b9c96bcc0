import type { Conn } from '@/db/client';
import { descendants, type PipelineDefinition } from '../pipelines/definition';
import { latestDefinitionPlan, type DefinitionChoice, type LatestDefinitionPlan } from './latest-definition';
import type { AttemptRow, ItemRow } from './load';
import { getRunDetail, type RunDetail } from './queries';
import { RETRYABLE_ITEM, RETRYABLE_RUN } from './state';

/** What a run retry does to each item: the one rule retryRun and its preview share. */
export type RetryDecision = 'retry' | 'reset' | 'keep';

export function retryDecision(item: Pick<ItemRow, 'status'>, latest: AttemptRow | null | undefined): RetryDecision {
  if (RETRYABLE_ITEM.includes(item.status)) return latest ? 'retry' : 'reset';
  if (item.status === 'skipped') return 'reset';
  return 'keep';
}

export interface RetryPlan {
  runId: string;
  runNumber: number;
  runStatus: string;
  /** The run attempt the plan was made for; a retry sent with it is refused if the run moved on. */
  runAttempt: number;
  allowed: boolean;
  notAllowedBecause: string | null;
  /** Failed or cancelled steps: a new attempt with the same inputs. */
  retry: { key: string; title: string; status: string; attempt: number; error: string | null }[];
  /** Steps that never ran behind a failure: they run once their needs succeed. */
  rerun: { key: string; title: string }[];
  /** Succeeded steps: kept, their outputs reused. */
  kept: { key: string; title: string; outputs: Record<string, unknown> | null }[];
  definition: {
    runHash: string;
    currentHash: string | null;
    changed: boolean;
    sameStructure: boolean;
    /** The definition this plan is for: the run's own version, or the pipeline's latest. */
    chosen: DefinitionChoice;
  };
  /** A retry with the latest definition: whether it is possible, and what it changes step by step. */
  latest: LatestDefinitionPlan;
}

/**
 * Previews a run retry without changing anything: what will run again, what
 * is kept, and why. With `definition: 'latest'`, `allowed` also says whether
 * the pipeline's current definition may be used.
 */
export async function planRetry(conn: Conn, runId: string, definition: DefinitionChoice = 'run'): Promise<RetryPlan> {
  return retryPlanOf(await getRunDetail(conn, runId), definition);
}

/** The plan from a run already read (the run page has it). */
export function retryPlanOf(detail: RunDetail, chosen: DefinitionChoice = 'run'): RetryPlan {
  const { run } = detail;
  const titles = titleLookup(detail.version.definition);
  const plan: Omit<RetryPlan, 'latest'> = {
    runId: run.id,
    runNumber: run.number,
    runStatus: run.status,
    runAttempt: run.attempt,
    allowed: RETRYABLE_RUN.includes(run.status),
    notAllowedBecause:
      run.status === 'succeeded'
        ? 'The run succeeded: nothing to retry. Replay a step to run it again.'
        : run.status === 'queued' || run.status === 'running'
          ? `The run is ${run.status}; wait for it to finish or cancel it.`
          : null,
    retry: [],
    rerun: [],
    kept: [],
    definition: {
      runHash: detail.version.contentHash,
      currentHash: detail.pipeline.currentVersionHash,
      changed: !!detail.pipeline.currentVersionHash && detail.pipeline.currentVersionHash !== detail.version.contentHash,
      sameStructure: detail.pipeline.currentStructureHash === detail.version.structureHash,
      chosen,
    },
  };
  for (const item of detail.items) {
    const title = titles(item.key);
    const decision = retryDecision(item, item.latestAttempt);
    if (decision === 'retry') {
      plan.retry.push({
        key: item.key,
        title,
        status: item.status,
        attempt: item.latestAttempt!.number,
        error: item.latestAttempt!.error?.message ?? null,
      });
    } else if (decision === 'reset') {
      plan.rerun.push({ key: item.key, title });
    } else {
      plan.kept.push({ key: item.key, title, outputs: item.latestAttempt?.outputs ?? null });
    }
  }
  const side = (v: NonNullable<RunDetail['current']>) => ({ ...v, hash: v.contentHash });
  const latest = latestDefinitionPlan(
    { from: side(detail.version), to: detail.current && side(detail.current), loadError: detail.loadError },
    detail.items,
    new Set([...plan.retry, ...plan.rerun].map((s) => s.key)),
  );
  if (chosen === 'latest' && plan.allowed && !latest.allowed) {
    return { ...plan, allowed: false, notAllowedBecause: latest.notAllowedBecause, latest };
  }
  return { ...plan, latest };
}

/**
 * What retrying one step would do (retryItem's rule): a new attempt with the
 * latest attempt's inputs, then the skipped steps below it run again. Null
 * when the step cannot be retried.
 */
export function stepRetryPlanOf(detail: RunDetail, key: string) {
  const item = detail.items.find((i) => i.key === key);
  if (!item || retryDecision(item, item.latestAttempt) !== 'retry') return null;
  const titles = titleLookup(detail.version.definition);
  const below = descendants(detail.version.definition.steps, key);
  return {
    runId: detail.run.id,
    itemId: item.id,
    key,
    title: titles(key),
    attempt: item.latestAttempt!.number,
    error: item.latestAttempt!.error?.message ?? null,
    thenRuns: detail.items.filter((i) => below.has(i.key) && i.status === 'skipped').map((i) => titles(i.key)),
  };
}

const titleLookup = (definition: PipelineDefinition) => {
  const byKey = new Map(definition.steps.map((s) => [s.key, s.title]));
  return (key: string) => byKey.get(key) ?? key;
};
