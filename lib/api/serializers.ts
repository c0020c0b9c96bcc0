import type { LoadErrorRow } from './types';
import type { AttemptView, AttemptWithVersion, PipelineSummary, RunDetail } from '../runs/queries';
import type { RunRow } from '../runs/load';
import { paths } from '../paths';

/** The JSON shapes of DESIGN §6: snake_case, with html_url on runs and attempts. */

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function pipelineJson(p: PipelineSummary, origin: string) {
  return {
    id: p.id,
    project: p.project,
    name: p.name,
    title: p.title,
    version_hash: p.versionHash,
    structure_hash: p.structureHash,
    source_file: p.sourceFile,
    params_schema: p.paramsSchema ?? null,
    last_run: p.lastRun ? runSummaryJson(p.lastRun, origin) : null,
    html_url: origin + paths.pipeline(p.id),
  };
}

export function loadErrorJson(e: LoadErrorRow) {
  return { file: e.file, line: e.line, message: e.message, at: iso(e.updatedAt) };
}

export function runSummaryJson(run: RunRow, origin: string) {
  return {
    id: run.id,
    number: run.number,
    pipeline_id: run.pipelineId,
    project_id: run.projectId,
    status: run.status,
    attempt: run.attempt,
    trigger: run.trigger,
    triggered_by: run.triggeredBy,
    params: run.params,
    commit: run.gitCommit,
    branch: run.gitBranch,
    message: run.gitMessage,
    environment: run.environment,
    created_at: iso(run.createdAt),
    started_at: iso(run.startedAt),
    finished_at: iso(run.finishedAt),
    html_url: origin + paths.run(run.id),
  };
}

export function runJson(detail: RunDetail, origin: string) {
  return {
    ...runSummaryJson(detail.run, origin),
    pipeline_version_hash: detail.version.contentHash,
    // The version the run is pinned to: the one it started with, or the latest a retry moved it to.
    pipeline_version: { id: detail.version.id, number: detail.version.number, hash: detail.version.contentHash },
    items: detail.items.map((item) => ({
      id: item.id,
      key: item.key,
      status: item.status,
      needs: item.needs,
      attempt_count: item.attemptCount,
      latest_attempt: item.latestAttempt ? attemptJson(item.latestAttempt, item.key, origin) : null,
    })),
  };
}

export function attemptJson(a: AttemptWithVersion | AttemptView, stepKey: string, origin: string) {
  return {
    id: a.id,
    item_id: a.workItemId,
    run_id: a.runId,
    step: stepKey,
    number: a.number,
    kind: a.kind,
    status: a.status,
    inputs: a.inputs,
    inputs_pending: a.inputsPending,
    input_overrides: a.inputOverrides,
    input_diff: a.inputDiff,
    outputs: a.outputs,
    error: a.error,
    reason: a.reason,
    retry_of: a.retryOf,
    superseded_by: 'supersededBy' in a ? a.supersededBy : undefined,
    run_attempt: a.runAttempt,
    // The pipeline version whose step definition it ran; null for attempts from before that was recorded.
    pipeline_version: a.pipelineVersion,
    triggered_by: a.triggeredBy,
    worker_id: a.workerId,
    waiting_for: 'waitingFor' in a ? a.waitingFor : null,
    created_at: iso(a.createdAt),
    started_at: iso(a.startedAt),
    finished_at: iso(a.finishedAt),
    html_url: origin + paths.attempt(a.runId, stepKey, a.number),
  };
}
