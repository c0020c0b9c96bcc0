import type { Conn } from '@/db/client';
import type { ItemStatus } from '@/db/schema';
import type { AttemptRow } from '../runs/load';
import { isFlaky } from '../attempts/insights';
import { parkedMessages } from '../deployments/gate';
import { stepDeployments } from '../deployments/read';
import { cachedLayout } from '../runs/graph-layout';
import { getMaskedAttempts, getRunDetail, listAttempts, listRunAttempts, stepMedianDurations } from '../runs/queries';
import { retryPlanOf, stepRetryPlanOf } from '../runs/retry-plan';
import { executionTime } from '../runs/execution-time';
import { itemsAtRunAttempt } from '../runs/run-attempt-view';
import { finishedRunStatus, isFinishedRun } from '../runs/state';
import { listTimelineAttempts, timelineRows } from '../runs/timeline';
import { toJson } from './json';

export interface RunViewParams {
  runId: string;
  /** The run attempt whose graph is shown ("Attempt k of N"); the latest when absent. */
  attempt?: string;
  /** The step whose attempt history is open beside the graph. */
  step?: string;
}

/**
 * Everything the run page shows, as one JSON value: the header, the graph
 * (laid out here, on the server), the steps, the retry plan and the open
 * attempt-history panel. The page renders it first; the browser refetches the
 * same read when an event says the run changed.
 */
export async function loadRunView(db: Conn, { runId, attempt, step }: RunViewParams) {
  const detail = await getRunDetail(db, runId);
  const plan = retryPlanOf(detail);
  const panelItem = step ? detail.items.find((i) => i.key === step) : undefined;
  // Independent reads, sent together: each is a round trip.
  const [history, medians, parked, deployed, panelAttempts, timelineAttempts] = await Promise.all([
    listRunAttempts(db, runId),
    stepMedianDurations(db, detail.pipeline.id),
    // Deploy steps waiting at the gate (an approval, a hold) say why, beside their status.
    parkedMessages(
      db,
      detail.items.flatMap((i) => (i.latestAttempt?.status === 'queued' && i.latestAttempt.parkedFor ? [i.latestAttempt] : [])),
    ),
    // What each deploy step deployed: its latest attempt's deployment, or the one a redeploy wrote ahead.
    detail.items.some((i) => i.environment)
      ? stepDeployments(db, runId, detail.items.flatMap((i) => (i.environment && i.latestAttemptId ? [i.latestAttemptId] : [])))
      : [],
    panelItem ? listAttempts(db, runId, panelItem.id).then((r) => r.attempts) : [],
    listTimelineAttempts(db, runId),
  ]);
  const byItem = new Map<string, typeof history>();
  for (const a of history) byItem.set(a.workItemId, [...(byItem.get(a.workItemId) ?? []), a]);
  const flaky = (itemId: string) => isFlaky(byItem.get(itemId) ?? [], (a) => a.inputsHash);
  const { run, pipeline, version } = detail;
  const definitions = new Map(version.definition.steps.map((s) => [s.key, s]));
  const titleOf = (key: string) => definitions.get(key)?.title ?? key;

  const deploymentOf = (item: (typeof detail.items)[number]) =>
    item.environment
      ? (deployed.find((d) => item.latestAttemptId && d.attemptId === item.latestAttemptId) ??
        deployed.find((d) => !d.attemptId && d.environment === item.environment) ??
        null)
      : null;

  const shownAttempt = Math.min(Math.max(Number(attempt) || run.attempt, 1), run.attempt);
  // Header, graph and steps all show the run attempt asked for: an earlier
  // one as it ended, the current one live.
  const atAttempt = itemsAtRunAttempt(detail.items, byItem, shownAttempt, run.attempt);
  const current = shownAttempt === run.attempt;
  const shownStatus = current ? run.status : finishedRunStatus([...atAttempt.values()].map((s) => ({ status: s.status as ItemStatus })));
  const execution = executionTime(history, shownAttempt, { ongoing: current && !isFinishedRun(run.status) });
  const earlierAttempts = current
    ? new Map<string, AttemptRow>()
    : await getMaskedAttempts(db, detail, [...atAttempt.values()].flatMap((s) => (s.attempt ? [s.attempt.id] : [])));
  const changed = !!pipeline.currentVersionHash && pipeline.currentVersionHash !== version.contentHash;

  return toJson({
    now: new Date(),
    run: {
      id: run.id,
      number: run.number,
      status: run.status,
      attempt: run.attempt,
      trigger: run.trigger,
      triggeredByName: detail.triggeredByName,
      gitBranch: run.gitBranch,
      gitCommit: run.gitCommit,
      gitMessage: run.gitMessage,
      params: run.params,
      createdAt: run.createdAt,
      startedAt: run.startedAt,
      finishedAt: run.finishedAt,
      finished: isFinishedRun(run.status),
    },
    /** The shown run attempt: its status (the run's, for the current one) and how long it took. */
    shown: {
      attempt: shownAttempt,
      current,
      status: shownStatus,
      startedAt: execution.startedAt,
      finishedAt: execution.finishedAt,
      wallMs: execution.wallMs,
      stepsMs: execution.stepsMs,
    },
    pipeline: { id: pipeline.id, title: pipeline.title },
    definitionChanged: changed ? { from: version.contentHash, to: pipeline.currentVersionHash! } : null,
    // The dialog shows which outputs are reused, not the outputs themselves.
    plan: { ...plan, kept: plan.kept.map((k) => ({ ...k, outputs: null })) },
    shownAttempt,
    // A redeploy or rollback runs some steps only: its layout is of those.
    layout: cachedLayout(
      detail.items.length === version.definition.steps.length ? version.structureHash : `${version.structureHash}:${detail.items.map((i) => i.key).join(',')}`,
      detail.items,
    ),
    nodes: detail.items.map((item) => {
      const state = atAttempt.get(item.id)!;
      return {
        key: item.key,
        title: titleOf(item.key),
        status: state.status,
        attempts: state.attempts,
        startedAt: state.status === 'running' ? (state.attempt?.startedAt ?? null) : null,
        medianMs: medians.get(item.key) ?? null,
      };
    }),
    steps: detail.items.map((item) => {
      const state = atAttempt.get(item.id)!;
      // The current run attempt acts on the live item; an earlier one is history, with nothing to act on.
      const shownLatest = current ? item.latestAttempt : state.attempt && earlierAttempts.get(state.attempt.id);
      return {
        id: item.id,
        key: item.key,
        title: titleOf(item.key),
        status: state.status,
        needs: item.needs,
        attemptCount: current ? item.attemptCount : state.attempts,
        flaky: flaky(item.id),
        environment: definitions.get(item.key)?.environment ?? null,
        waiting: current && item.latestAttempt && parked.has(item.latestAttempt.id) ? parked.get(item.latestAttempt.id)! : null,
        retry: current ? stepRetryPlanOf(detail, item.key) : null,
        // The step's deployment and its actions belong to the current run attempt.
        deployment: current ? deploymentOf(item) : null,
        latest: shownLatest
          ? {
              kind: shownLatest.kind,
              startedAt: shownLatest.startedAt,
              finishedAt: shownLatest.finishedAt,
              error: shownLatest.error?.message ?? null,
            }
          : null,
      };
    }),
    // Where the shown run attempt's time went: each step's queued → started → ended.
    timeline: timelineRows(
      detail.items.map((i) => ({ id: i.id, key: i.key, title: titleOf(i.key) })),
      timelineAttempts,
      shownAttempt,
    ),
    panel: panelItem
      ? {
          item: { id: panelItem.id, key: panelItem.key, status: panelItem.status, needs: panelItem.needs },
          title: titleOf(panelItem.key),
          flaky: flaky(panelItem.id),
          attempts: panelAttempts,
        }
      : null,
  });
}

export type RunView = Awaited<ReturnType<typeof loadRunView>>;
