import type { Conn } from '@/db/client';
import { isFlaky } from '../attempts/insights';
import { stepAttemptDurations, summarizeDurations } from '../pipelines/durations';
import { findItemByKey, getRunDetail, listAttempts } from '../runs/queries';
import { stepRetryPlanOf } from '../runs/retry-plan';
import { isFinishedRun } from '../runs/state';
import { toJson } from './json';

export interface StepViewParams {
  runId: string;
  key: string;
}

/** A step of a run with every attempt it has had: the step page, refetched when the run changes. */
export async function loadStepView(db: Conn, { runId, key }: StepViewParams) {
  // Independent reads, sent together: each is a round trip.
  const [detail, { item, attempts }] = await Promise.all([
    getRunDetail(db, runId),
    findItemByKey(db, runId, key).then(async (item) => ({ item, attempts: (await listAttempts(db, runId, item.id)).attempts })),
  ]);
  const durations = await stepAttemptDurations(db, detail.pipeline.id, key);
  return toJson({
    now: new Date(),
    run: { id: detail.run.id, number: detail.run.number, status: detail.run.status, finished: isFinishedRun(detail.run.status) },
    pipeline: { id: detail.pipeline.id, title: detail.pipeline.title },
    item: { id: item.id, key: item.key, status: item.status, needs: item.needs },
    title: detail.version.definition.steps.find((s) => s.key === key)?.title ?? key,
    flaky: isFlaky(attempts),
    retry: stepRetryPlanOf(detail, key),
    attempts,
    // The step's attempts across the pipeline's last runs: its duration chart.
    durations: { points: durations, summary: summarizeDurations(durations.map((d) => ({ executionMs: d.executionMs, outcome: d.status }))) },
  });
}

export type StepView = Awaited<ReturnType<typeof loadStepView>>;
