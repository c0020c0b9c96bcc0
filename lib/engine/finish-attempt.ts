import { eq, sql } from 'drizzle-orm';
import { executePrepared, type Db } from '@/db/client';
import { attempts, runs, workItems, type AttemptError, type AttemptStatus, type LogStream } from '@/db/schema';
import { PARKED_UNTIL } from '../deployments/gate';
import { DEPLOYMENT_STATUS } from '../deployments/record';
import { notifyEvents } from '../events';
import { notifyAfterCommit } from '../notifier';
import type { RetryPolicy } from '../pipelines/definition';
import { pipelineVersion, type PipelineVersionInfo } from '../pipelines/version-cache';
import { WORK_CHANNEL } from './channels';
import { resolveInputsWith } from './inputs';
import { rowsOf } from './sql-rows';

export interface AttemptResult {
  status: Extract<AttemptStatus, 'succeeded' | 'failed' | 'cancelled' | 'lost'>;
  outputs?: Record<string, unknown> | null;
  error?: AttemptError | null;
}

/** What the finish needs to know of the attempt: the claim returns it (the reaper reads it, see finishContext). */
export interface FinishContext {
  id: string;
  runId: string;
  key: string;
  pipelineVersionId: string;
  autoChain: number;
  params: Record<string, unknown>;
}

export interface LogChunk {
  seq: number;
  stream: LogStream;
  text: string;
}

export interface FinishOptions {
  /** The worker holding the attempt; null for the reaper, which may only finish an expired lease. */
  workerId: string | null;
  /** The last lines of the log, stored by the same statement (a short step writes its log only here). */
  logs?: LogChunk[];
  /** Inputs to record with the attempt (the claim resolved them but they failed their schema). */
  inputs?: Record<string, unknown> | null;
}

export interface FinishOutcome {
  /** False when the attempt was not ours to finish (already finished, or the lease was lost). */
  finished: boolean;
  /** How the item moved on: its final status, 'retry' (an automatic retry is queued) or 'superseded'. */
  result: string | null;
  /** When the automatic retry may start. */
  retryAt: Date | null;
  /** Attempts this finish queued (dependents that became ready). */
  queued: number;
}

/**
 * Finishes an attempt and moves its run on — in one statement, without
 * locking the run or reading its graph, so a step's cost does not grow with
 * its run and the steps of one run do not take turns:
 * - the attempt's status, outputs, error (and its last log chunks);
 * - an automatic retry when the step's policy allows one (decided here, in
 *   JavaScript, from the cached definition and the attempt's `auto_chain`);
 * - otherwise the item's final status; on success each dependent's count of
 *   unmet needs goes down by one and those reaching 0 are queued (their inputs
 *   resolved here when they only use this step's outputs and the params, else
 *   left pending for the claim); on failure the pending steps below are skipped;
 * - the group's running count, the deployment's status and the events.
 * The run itself is not written: once this has committed, the caller asks
 * settleRuns (lib/engine/settle-run.ts) whether the run has ended.
 * Only the worker holding the attempt may finish it, or the reaper when its
 * lease expired: a worker that lost its lease cannot overwrite the reaper's
 * verdict. Finishing twice is harmless (the second finds nothing to do).
 */
export async function finishAttempt(
  db: Db,
  context: FinishContext,
  result: AttemptResult,
  options: FinishOptions,
): Promise<FinishOutcome> {
  const version = await pipelineVersion(db, context.pipelineVersionId);
  const plan = planFinish(version, context, result);
  const logs = options.logs ?? [];
  const ownerCheck = options.workerId ? sql`worker_id = ${options.workerId}::text` : sql`lease_expires_at < now()`;
  const json = (value: unknown) =>
    // Sent as text and cast here: a prepared statement's jsonb parameter would be JSON-encoded once more by the driver.
    value === null || value === undefined ? sql`null::jsonb` : sql`${JSON.stringify(value)}::text::jsonb`;
  const keys = [context.key, ...plan.dependents.map((d) => d.key), ...plan.skip];

  const raw = await executePrepared(
    db,
    sql`
    with fin as (
      update attempts set
        status = ${result.status}::text, outputs = ${json(result.outputs ?? null)}, error = ${json(result.error ?? null)},
        finished_at = now(), lease_expires_at = null,
        inputs = coalesce(${json(options.inputs ?? null)}, inputs),
        inputs_pending = inputs_pending and ${options.inputs == null}::boolean
      where id = ${context.id}::uuid and status = 'running' and ${ownerCheck}
      returning id, work_item_id, run_id, number, inputs, inputs_pending, triggered_by, cancel_requested, auto_chain, concurrency_key,
                pipeline_version_id
    ),
    logs as (
      insert into log_chunks (attempt_id, seq, stream, text)
      select ${context.id}::uuid, x.seq, x.stream, x.text
      from jsonb_to_recordset(${json(logs)}) as x(seq int, stream text, text text)
      on conflict do nothing
      returning seq
    ),
    locked as (
      select w.id, w.key, w.status, w.latest_attempt_id, w.attempt_count, w.unmet_needs, w.requested_by,
             w.requested_reason, w.environment, w.concurrency_key, w.concurrency_limit, w.approval_role, w.passes_hold
      from work_items w join fin on w.run_id = fin.run_id
      where w.key in (select jsonb_array_elements_text(${json(keys)}))
      order by w.id
      for update of w
    ),
    run as (
      select id, project_id, attempt, triggered_by, trigger, git_commit, git_branch, git_message, deploy_action, pipeline_version_id
      from runs where id = ${context.runId}::uuid
    ),
    outcome as (
      select l.*, fin.id as attempt_id,
        case
          when l.latest_attempt_id is distinct from fin.id then 'superseded'
          when ${json(plan.retry)} is not null and not fin.cancel_requested then 'retry'
          when ${result.status}::text = 'succeeded' then 'succeeded'
          when ${result.status}::text = 'cancelled' or fin.cancel_requested then 'cancelled'
          else 'failed'
        end as result
      from locked l join fin on l.id = fin.work_item_id
    ),
    retry_attempt as (
      insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, inputs_pending, reason,
                            triggered_by, retry_of, run_attempt, auto_chain, concurrency_key, concurrency_limit, available_at,
                            pipeline_version_id)
      select gen_random_uuid(), o.id, fin.run_id, o.attempt_count + 1, 'auto_retry', 'queued', fin.inputs, fin.inputs_pending,
             ${plan.retry?.reason ?? null}::text, fin.triggered_by, fin.id, run.attempt, fin.auto_chain + 1,
             o.concurrency_key, o.concurrency_limit, now() + ${plan.retry?.delayMs ?? 0}::int * interval '1 millisecond',
             coalesce(fin.pipeline_version_id, run.pipeline_version_id)
      from outcome o, fin, run where o.result = 'retry'
      returning id, work_item_id, number, kind, retry_of, triggered_by, available_at, reason
    ),
    self_update as (
      update work_items w set
        status = case when o.result = 'retry' then 'queued' else o.result end,
        latest_attempt_id = coalesce((select id from retry_attempt), w.latest_attempt_id),
        attempt_count = w.attempt_count + (select count(*) from retry_attempt)::int,
        updated_at = now()
      from outcome o where w.id = o.id and o.result <> 'superseded'
      returning w.id
    ),
    deps as (
      select l.*, d.inputs as new_inputs, d.pending,
             (l.status = 'pending' and l.unmet_needs - 1 = 0) as ready, gen_random_uuid() as new_attempt_id
      from locked l
      join jsonb_to_recordset(${json(plan.dependents)}) as d(key text, inputs jsonb, pending boolean) on d.key = l.key
      where (select result from outcome) = 'succeeded'
    ),
    deps_update as (
      update work_items w set
        unmet_needs = w.unmet_needs - 1,
        status = case when d.ready then 'queued' else w.status end,
        latest_attempt_id = case when d.ready then d.new_attempt_id else w.latest_attempt_id end,
        attempt_count = w.attempt_count + case when d.ready then 1 else 0 end,
        requested_by = case when d.ready then null else w.requested_by end,
        requested_reason = case when d.ready then null else w.requested_reason end,
        updated_at = now()
      from deps d where w.id = d.id
      returning w.id
    ),
    -- The deploy gate (lib/deployments/gate.ts): a deploy step waits for an
    -- approval, or while its environment is held, parked out of the claim's reach.
    gates as (
      select d.id,
        case
          when d.environment is null then null
          when d.approval_role is not null then
            jsonb_build_object('kind', 'approval', 'environment', d.environment, 'role', d.approval_role)
          when not d.passes_hold and exists (
            select 1 from environments e
            where e.project_id = run.project_id and e.name = d.environment and e.hold is not null)
          then jsonb_build_object('kind', 'hold', 'environment', d.environment)
        end as parked
      from deps d, run where d.ready
    ),
    new_attempts as (
      insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, inputs_pending, reason,
                            triggered_by, retry_of, run_attempt, auto_chain, concurrency_key, concurrency_limit,
                            available_at, parked_for, pipeline_version_id)
      select d.new_attempt_id, d.id, run.id, d.attempt_count + 1,
             case when d.latest_attempt_id is null then 'initial' else 'rerun' end, 'queued',
             coalesce(d.new_inputs, '{}'::jsonb), d.pending, d.requested_reason, coalesce(d.requested_by, run.triggered_by),
             d.latest_attempt_id, run.attempt, 1, d.concurrency_key, d.concurrency_limit,
             case when g.parked is null then now() else ${PARKED_UNTIL.toISOString()}::timestamptz end, g.parked,
             run.pipeline_version_id
      from deps d join gates g on g.id = d.id, run where d.ready
      returning id, work_item_id, number, kind, retry_of, triggered_by, available_at, reason
    ),
    skipped as (
      update work_items w set status = 'skipped', updated_at = now()
      from locked l
      where w.id = l.id and l.status = 'pending'
        and l.key in (select jsonb_array_elements_text(${json(plan.skip)}))
        and (select result from outcome) in ('failed', 'cancelled')
      returning w.id, w.key
    ),
    released as (
      update concurrency_groups g set running = greatest(g.running - 1, 0)
      from fin where g.key = fin.concurrency_key
      returning g.key
    ),
    groups_known as (
      insert into concurrency_groups (key, project_id, name, "limit")
      select distinct on (d.concurrency_key) d.concurrency_key, run.project_id,
             substr(d.concurrency_key, length(run.project_id::text) + 2), d.concurrency_limit
      from deps d, run where d.ready and d.concurrency_key is not null
      on conflict (key) do nothing
      returning key
    ),
    created as (
      select a.*, w.environment, w.key from (select * from retry_attempt union all select * from new_attempts) a
      join locked w on w.id = a.work_item_id
    ),
    -- A redeploy wrote its deployment ahead (lib/deployments/record.ts predeploy):
    -- the deploy step's first attempt takes it over instead of making another.
    predeployed as (
      select p.id, e.name from deployments p join environments e on e.id = p.environment_id, run
      where p.run_id = run.id and p.attempt_id is null and p.status = 'pending'
    ),
    taken_over as (
      update deployments p set attempt_id = c.id, triggered_by = coalesce(c.triggered_by, run.triggered_by)
      from created c, predeployed pd, run
      where p.id = pd.id and c.kind = 'initial' and c.environment = pd.name
      returning p.id
    ),
    new_deploys as (
      select c.*, row_number() over (partition by c.environment order by c.id) as n,
             count(*) over (partition by c.environment) as of_env
      from created c where c.environment is not null
        and not (c.kind = 'initial' and c.environment in (select name from predeployed))
    ),
    envs as (
      insert into environments (project_id, name, last_version)
      select run.project_id, nd.environment, count(*) from new_deploys nd, run group by 1, 2
      on conflict (project_id, name) do update set last_version = environments.last_version + excluded.last_version
      returning id, name, last_version
    ),
    deploy_rows as (
      insert into deployments (project_id, environment_id, version, status, trigger, triggered_by, git_commit,
                               git_branch, git_message, run_id, attempt_id, retry_of,
                               redeploy_of, rollback_to, rollback_from, reason)
      select run.project_id, e.id, e.last_version - nd.of_env + nd.n, 'pending',
             case when nd.kind in ('retry', 'auto_retry') then 'retry' else run.trigger end,
             coalesce(nd.triggered_by, run.triggered_by), run.git_commit, run.git_branch, run.git_message, run.id, nd.id,
             (select p.id from deployments p where p.attempt_id = nd.retry_of),
             case when x.linked and run.deploy_action->>'action' = 'redeploy' then (run.deploy_action->>'of')::uuid end,
             case when x.linked and run.deploy_action->>'action' = 'rollback' then (run.deploy_action->>'of')::uuid end,
             case when x.linked and run.deploy_action->>'action' = 'rollback' then (run.deploy_action->>'from')::uuid end,
             coalesce(nd.reason, case when x.linked then run.deploy_action->>'reason' end)
      from new_deploys nd join envs e on e.name = nd.environment, run,
           lateral (select nd.kind = 'initial' and run.deploy_action->>'step' = nd.key as linked) x
      returning id, project_id, run_id, environment_id, version, status
    ),
    deploy_finished as (
      update deployments d set status = ${DEPLOYMENT_STATUS[result.status]}::text, completed_at = now(),
             error_message = ${result.error?.message ?? null}::text
      from fin where d.attempt_id = fin.id
      returning d.id, d.project_id, d.run_id, d.environment_id, d.version, d.status
    ),
    new_events as (
      insert into events (type, project_id, run_id, payload)
      select 'attempt.finished', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', fin.work_item_id, 'attempt_id', fin.id, 'number', fin.number,
        'status', ${result.status}::text, 'log_seq', ${logs.length ? logs[logs.length - 1].seq : null}::int,
        'item_status', (select case o.result when 'retry' then 'queued' when 'superseded' then null else o.result end from outcome o))
      from fin, run
      union all
      select 'attempt.created', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', c.work_item_id, 'attempt_id', c.id, 'number', c.number, 'kind', c.kind,
        'status', 'queued', 'item_status', 'queued')
      from created c, run
      union all
      select 'item.status_changed', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', s.id, 'key', s.key, 'status', 'skipped', 'previous', 'pending')
      from skipped s, run

      union all
      select 'deployment.created', d.project_id, d.run_id, jsonb_build_object(
        'deployment_id', d.id, 'environment_id', d.environment_id, 'environment', e.name, 'version', d.version,
        'status', d.status, 'run_id', d.run_id)
      from deploy_rows d join envs e on e.id = d.environment_id
      union all
      select 'deployment.status_changed', d.project_id, d.run_id, jsonb_build_object(
        'deployment_id', d.id, 'environment_id', d.environment_id, 'environment', e.name, 'version', d.version,
        'status', d.status, 'previous', 'running', 'run_id', d.run_id)
      from deploy_finished d join environments e on e.id = d.environment_id
      returning 1
    )
    select
      (select count(*) from fin) as finished,
      (select count(*) from logs) as logs_written,
      (select result from outcome) as result,
      (select count(*) from self_update) as self_updated,
      (select count(*) from deps_update) as deps_updated,
      (select count(*) from skipped) as skipped,
      (select available_at from retry_attempt) as retry_at,
      (select count(*) from new_attempts) as queued,
      (select count(*) from released) + (select count(*) from groups_known) as groups_touched,
      (select count(*) from deploy_rows) + (select count(*) from deploy_finished) + (select count(*) from taken_over)
        as deployments_touched,
      (select count(*) from new_events) as events_written`,
  );
  const [row] = rowsOf(raw);
  const finished = Number(row.finished) > 0;
  if (finished) notifyEvents(db);
  // Other workers: ours claims after its finish anyway (and ignores its own notifications).
  if (Number(row.queued) > 0) notifyAfterCommit(db, WORK_CHANNEL, options.workerId ?? '');
  return {
    finished,
    result: (row.result as string | null) ?? null,
    retryAt: row.retry_at ? new Date(row.retry_at as string) : null,
    queued: Number(row.queued),
  };
}

interface FinishPlan {
  retry: { delayMs: number; reason: string } | null;
  dependents: { key: string; inputs: Record<string, unknown> | null; pending: boolean }[];
  skip: string[];
}

/** The decisions the finish statement needs from the step's definition. */
function planFinish(version: PipelineVersionInfo, context: FinishContext, result: AttemptResult): FinishPlan {
  const step = version.steps.get(context.key);
  if (!step) throw new Error(`step ${context.key} is not in pipeline version ${version.id}`);
  const chain = context.autoChain;
  const retry =
    result.status !== 'succeeded' && shouldRetryAutomatically(step.retry, chain, result)
      ? {
          delayMs: step.retry.backoffMs * 2 ** (chain - 1),
          reason: `automatic retry ${chain + 1} of ${step.retry.attempts}: ${result.error?.message ?? result.status}`,
        }
      : null;
  const dependents =
    result.status === 'succeeded'
      ? version.definition.steps
          .filter((s) => s.needs.includes(context.key))
          .map((s) => {
            const inputs = resolveInputsWith(s, context.params, { [context.key]: result.outputs ?? {} });
            return { key: s.key, inputs, pending: inputs === null };
          })
      : [];
  return { retry, dependents, skip: result.status === 'succeeded' ? [] : version.descendantsOf(context.key) };
}

export function shouldRetryAutomatically(policy: RetryPolicy, chainLength: number, result: AttemptResult) {
  if (chainLength >= policy.attempts) return false;
  if (result.status === 'lost') return true;
  if (result.status !== 'failed') return false;
  const classification = result.error?.classification;
  if (classification === 'inputs' || classification === 'outputs' || classification === 'spawn') return false;
  if (policy.transientExitCodes === null) return true;
  return result.error?.exit_code != null && policy.transientExitCodes.includes(result.error.exit_code);
}

/** For the reaper, which finds an attempt by its expired lease and knows nothing else of it. */
export async function finishContext(db: Db, attemptId: string): Promise<FinishContext | null> {
  const [row] = await db
    .select({
      id: attempts.id,
      runId: attempts.runId,
      key: workItems.key,
      pipelineVersionId: sql<string>`coalesce(${attempts.pipelineVersionId}, ${runs.pipelineVersionId})`,
      autoChain: attempts.autoChain,
      params: runs.params,
    })
    .from(attempts)
    .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
    .innerJoin(runs, eq(runs.id, attempts.runId))
    .where(eq(attempts.id, attemptId));
  return row ?? null;
}
