import { z } from 'zod';
import type { Db } from '@/db/client';
import { attemptJson, loadErrorJson, pipelineJson, runJson, runSummaryJson } from '../api/serializers';
import { readableProjects } from '../auth/permissions';
import { BULK_LIMIT, retryRuns } from '../runs/bulk-retry';
import { cancelRun } from '../runs/cancel-run';
import { replayItem, retryItem } from '../runs/item-operations';
import { getLogs, getRunDetail, listAttempts, listLoadErrors, listPipelines, listRuns } from '../runs/queries';
import { DEFINITION_CHOICES, type LatestDefinitionPlan } from '../runs/latest-definition';
import { planRetry, type RetryPlan } from '../runs/retry-plan';
import { retryRun } from '../runs/retry-run';
import { RUN_STATUSES, RUN_TRIGGERS } from '../runs/state';
import { triggerRun } from '../runs/trigger-run';
import { defineOperation } from './define';
import { cursor, id, limit, reason, text, timestamp } from './fields';
import { projectOfAttempt, projectOfPipeline, projectOfRun } from './resources';

const runPath = z.strictObject({ run_id: id });
const itemPath = z.strictObject({ run_id: id, item_id: id });

export const listPipelinesOp = defineOperation({
  id: 'pipelines.list',
  tag: 'pipelines',
  summary: 'List pipelines',
  description: 'Every pipeline of the projects the caller may read, with its last run, and the pipeline files that failed to load.',
  method: 'GET',
  path: '/api/v1/pipelines',
  permission: 'signed_in',
  run: async ({ db, actor, origin }) => {
    const scope = readableProjects(actor);
    // A file that failed to load names no project anyone may read: only instance admins see those.
    const [items, errors] = await Promise.all([listPipelines(db, scope), scope.all ? listLoadErrors(db) : []]);
    return { items: items.map((p) => pipelineJson(p, origin)), load_errors: errors.map(loadErrorJson) };
  },
});

export const triggerRunOp = defineOperation({
  id: 'runs.trigger',
  tag: 'runs',
  summary: 'Trigger a run',
  description: "Starts a run of the pipeline's current definition. Deploying steps need the role their environment's protection names.",
  method: 'POST',
  path: '/api/v1/pipelines/{pipeline_id}/runs',
  params: z.strictObject({ pipeline_id: id }),
  body: z.strictObject({
    params: z.record(z.string(), z.unknown()).optional().describe('Run parameters, checked against the pipeline\'s params schema.'),
    commit: text(200).nullish(),
    branch: text(200).nullish(),
    message: text(5000).nullish(),
  }),
  permission: 'run.trigger',
  project: projectOfPipeline,
  what: 'Pipeline',
  status: 201,
  idempotent: true,
  run: ({ db, actor, origin, request }, input) =>
    // The answer shows the run as created, read in the same transaction: a
    // worker may claim its first steps the moment it commits.
    db.transaction(async (tx) => {
      const run = await triggerRun(tx, actor, {
        pipelineId: input.pipeline_id,
        params: input.params,
        commit: input.commit,
        branch: input.branch,
        message: input.message,
        trigger: request ? 'api' : 'manual',
      });
      return runJson(await getRunDetail(tx, run.id), origin);
    }),
});

export const listRunsOp = defineOperation({
  id: 'runs.list',
  tag: 'runs',
  summary: 'List runs',
  description:
    'Newest first, keyset-paginated: pass `next_cursor` as `cursor` for the next page. Filters combine: `pipeline` (id), `status`, `environment` (runs with any step that deploys there), `branch`, `trigger`, `triggered_by` (a user id), and `since` / `until` (created at or after / at or before, ISO 8601 with a zone).',
  method: 'GET',
  path: '/api/v1/runs',
  query: z.object({
    pipeline: z.uuid().optional(),
    status: z.enum(RUN_STATUSES).optional(),
    environment: text(200).optional(),
    branch: text(200).optional(),
    trigger: z.enum(RUN_TRIGGERS as [string, ...string[]]).optional(),
    triggered_by: z.uuid().optional(),
    since: timestamp.optional(),
    until: timestamp.optional(),
    cursor: cursor.optional(),
    limit: limit(100).optional(),
  }),
  permission: 'signed_in',
  run: async ({ db, actor, origin }, q) => {
    const page = await listRuns(db, {
      scope: readableProjects(actor),
      pipelineId: q.pipeline,
      status: q.status,
      environment: q.environment,
      branch: q.branch,
      trigger: q.trigger,
      actorId: q.triggered_by,
      since: q.since ? new Date(q.since) : undefined,
      until: q.until,
      cursor: q.cursor,
      limit: q.limit,
    });
    return { items: page.items.map((r) => runSummaryJson(r, origin)), next_cursor: page.nextCursor };
  },
});

export const getRunOp = defineOperation({
  id: 'runs.get',
  tag: 'runs',
  summary: 'Get a run with its steps',
  method: 'GET',
  path: '/api/v1/runs/{run_id}',
  params: runPath,
  permission: 'project.read',
  project: projectOfRun,
  what: 'Run',
  run: async ({ db, origin }, { run_id }) => runJson(await getRunDetail(db, run_id), origin),
});

export const retryRunOp = defineOperation({
  id: 'runs.retry',
  tag: 'runs',
  summary: 'Retry the failed steps of a run',
  description:
    'Failed steps get a new attempt with the same inputs; succeeded steps are kept. Send `expected_attempt` (from the retry plan) to act only on the plan you saw. ' +
    "With `definition: \"latest\"` the steps that run again use the pipeline's current definition (command, env, inputs, schema, timeout, retry policy) and the run is pinned to that version from then on; " +
    'refused with 409 when the steps or their needs changed (`details.structure`: `added`, `removed`, `needs_changed`), when a step would deploy to another environment, or when the pipeline file failed to load.',
  method: 'POST',
  path: '/api/v1/runs/{run_id}/retry',
  params: runPath,
  body: z.strictObject({
    reason,
    expected_attempt: z.number().int().positive().max(1_000_000).optional().describe('The run attempt the caller previewed; 409 when the run moved on.'),
    definition: z
      .enum(DEFINITION_CHOICES)
      .optional()
      .describe('"run" (default): the run\'s own pipeline version. "latest": the pipeline\'s current definition, when its structure is the run\'s.'),
    expected_version: id
      .optional()
      .describe('With definition "latest": the pipeline version id the caller previewed (`latest.to.id` of the plan); 409 when the pipeline changed again.'),
  }),
  permission: 'run.retry',
  project: projectOfRun,
  what: 'Run',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const run = await retryRun(db, actor, input.run_id, {
      reason: input.reason,
      expectedAttempt: input.expected_attempt,
      definition: input.definition,
      expectedVersionId: input.expected_version,
    });
    return runJson(await getRunDetail(db, run.id), origin);
  },
});

const planJson = (p: RetryPlan) => ({
  run_id: p.runId,
  run_number: p.runNumber,
  run_status: p.runStatus,
  run_attempt: p.runAttempt,
  allowed: p.allowed,
  not_allowed_because: p.notAllowedBecause,
  retry: p.retry,
  rerun: p.rerun,
  kept: p.kept,
  definition: {
    run_hash: p.definition.runHash,
    current_hash: p.definition.currentHash,
    changed: p.definition.changed,
    same_structure: p.definition.sameStructure,
    chosen: p.definition.chosen,
  },
  latest: latestJson(p.latest),
});

const latestJson = (l: LatestDefinitionPlan) => ({
  allowed: l.allowed,
  not_allowed_because: l.notAllowedBecause,
  from: l.from,
  to: l.to,
  changed: l.changed,
  structure: l.structure && { added: l.structure.added, removed: l.structure.removed, needs_changed: l.structure.needsChanged },
  steps: l.steps.map((s) => ({ key: s.key, title: s.title, runs_again: s.runsAgain, changes: s.changes })),
});

export const retryPlanOp = defineOperation({
  id: 'runs.retry_plan',
  tag: 'runs',
  summary: 'What a retry of the run would do now',
  description:
    'Which steps run again and which are kept. `latest` says whether a retry with the latest definition is possible and, per step of the run, what changed between the run\'s pipeline version and the current one ' +
    '(`changes: [{ field, before, after }]`, field one of title, run, env, inputs, input_schema, timeout_ms, retry, concurrency, environment). ' +
    'With `?definition=latest`, `allowed` and `not_allowed_because` are those of a retry with the latest definition.',
  method: 'GET',
  path: '/api/v1/runs/{run_id}/retry-plan',
  params: runPath,
  query: z.object({ definition: z.enum(DEFINITION_CHOICES).optional() }),
  permission: 'project.read',
  project: projectOfRun,
  what: 'Run',
  run: async ({ db }, input) => planJson(await planRetry(db, input.run_id, input.definition)),
});

export const cancelRunOp = defineOperation({
  id: 'runs.cancel',
  tag: 'runs',
  summary: 'Cancel a run',
  method: 'POST',
  path: '/api/v1/runs/{run_id}/cancel',
  params: runPath,
  body: z.strictObject({ reason }),
  permission: 'run.cancel',
  project: projectOfRun,
  what: 'Run',
  run: async ({ db, actor, origin }, input) => {
    const run = await cancelRun(db, actor, input.run_id, { reason: input.reason });
    return runJson(await getRunDetail(db, run.id), origin);
  },
});

export const bulkRetryOp = defineOperation({
  id: 'runs.bulk_retry',
  tag: 'runs',
  summary: 'Retry several runs',
  description: 'Each run is retried (or refused) on its own; the answer says what happened to each. Sending it twice is safe.',
  method: 'POST',
  path: '/api/v1/runs/retry',
  body: z.strictObject({ run_ids: z.array(id).min(1).max(BULK_LIMIT), reason }),
  // Each run is authorized by retryRun in its own project.
  permission: 'signed_in',
  run: async ({ db, actor }, input) => {
    const results = await retryRuns(db, actor, input.run_ids, input.reason);
    return {
      results: results.map((r) =>
        r.ok
          ? { run_id: r.runId, ok: true, number: r.number, attempt: r.attempt }
          : { run_id: r.runId, ok: false, error: { code: r.error!.code, message: r.error!.message } },
      ),
    };
  },
});

export const listAttemptsOp = defineOperation({
  id: 'attempts.list',
  tag: 'attempts',
  summary: "List a step's attempts",
  description: 'Oldest first: every attempt the step has had, with inputs, outputs, error, reason and who triggered it.',
  method: 'GET',
  path: '/api/v1/runs/{run_id}/items/{item_id}/attempts',
  params: itemPath,
  permission: 'project.read',
  project: projectOfRun,
  what: 'Run',
  run: async ({ db, origin }, { run_id, item_id }) => {
    const { item, attempts } = await listAttempts(db, run_id, item_id);
    return { items: attempts.map((a) => attemptJson(a, item.key, origin)) };
  },
});

export const retryItemOp = defineOperation({
  id: 'attempts.retry',
  tag: 'attempts',
  summary: 'Retry one failed step',
  method: 'POST',
  path: '/api/v1/runs/{run_id}/items/{item_id}/retry',
  params: itemPath,
  body: z.strictObject({ reason }),
  permission: 'run.retry',
  project: projectOfRun,
  what: 'Run',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const attempt = await retryItem(db, actor, input.run_id, input.item_id, { reason: input.reason });
    return shownAttemptJson(db, input, attempt.id, origin);
  },
});

/** The answer to a retry or replay: the new attempt read back as every read shows it (secret inputs masked). */
async function shownAttemptJson(db: Db, at: { run_id: string; item_id: string }, attemptId: string, origin: string) {
  const { item, attempts } = await listAttempts(db, at.run_id, at.item_id);
  return attemptJson(attempts.find((a) => a.id === attemptId)!, item.key, origin);
}

export const replayItemOp = defineOperation({
  id: 'attempts.replay',
  tag: 'attempts',
  summary: 'Replay a step, optionally with edited inputs',
  description: "The inputs are checked against the step's inputSchema: 422 with `details: [{ path, message }]`. Steps below it run again.",
  method: 'POST',
  path: '/api/v1/runs/{run_id}/items/{item_id}/replay',
  params: itemPath,
  body: z.strictObject({ inputs: z.record(z.string(), z.unknown()).optional(), reason }),
  permission: 'run.replay',
  project: projectOfRun,
  what: 'Run',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const attempt = await replayItem(db, actor, input.run_id, input.item_id, { inputs: input.inputs, reason: input.reason });
    return shownAttemptJson(db, input, attempt.id, origin);
  },
});

/** The whole log as a text file, colour codes and all, read page by page. */
async function downloadLogs(db: Db, attemptId: string) {
  const parts: string[] = [];
  let after = 0;
  for (;;) {
    const page = await getLogs(db, attemptId, after, 5000);
    parts.push(...page.items.map((c) => c.text));
    if (page.items.length < 5000) break;
    after = page.nextAfter;
  }
  return new Response(parts.join(''), {
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="attempt-${attemptId}.log"`,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}

export const getLogsOp = defineOperation({
  id: 'attempts.logs',
  tag: 'attempts',
  summary: "Read an attempt's log",
  description: 'Chunks after sequence number `after`, oldest first; `format=text` downloads the whole log as a file.',
  method: 'GET',
  path: '/api/v1/attempts/{attempt_id}/logs',
  params: z.strictObject({ attempt_id: id }),
  query: z.object({
    after: z.coerce.number().int().min(0).max(2_147_483_647).optional(),
    format: z.enum(['json', 'text']).optional(),
  }),
  permission: 'project.read',
  project: projectOfAttempt,
  what: 'Attempt',
  run: async ({ db }, { attempt_id, after, format }) => {
    if (format === 'text') return downloadLogs(db, attempt_id);
    const page = await getLogs(db, attempt_id, after ?? 0);
    return {
      items: page.items.map((c) => ({ seq: c.seq, stream: c.stream, text: c.text, at: c.at.toISOString() })),
      next_after: page.nextAfter,
    };
  },
});
