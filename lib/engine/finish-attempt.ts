import { eq, sql } from 'drizzle-orm';
import { executePrepared, type Db } from '@/db/client';
import { attempts, runs, workItems, type AttemptError, type AttemptStatus, type LogStream } from '@/db/schema';
import { PARKED_UNTIL } from '../deployments/gate';
import { DEPLOYMENT_STATUS } from '../deployments/record';
import { notifyEvents } from '../events';
import { notifyAfterCommit } from '../notifier';
import type { RetryPolicy } from '../pipelines/definition';
import { pipelineVersion, type PipelineVersionInfo } from '../pipelines/version-cache';
import { UNFINISHED_ITEM_SQL } from '../runs/state';
import { WORK_CHANNEL } from './channels';
import { NOT_DEPLOYED_MESSAGE } from './settle-run';
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
  /** Attempts the finish queued (dependents that became ready), in all of its batch. */
  queued: number;
  /** The finish ended the attempt's run (it finished the run's last unfinished items): no settle needed. */
  runEnded: boolean;
}

/** One attempt to finish, as the worker (or the reaper) hands it over. */
export interface FinishRequest {
  context: FinishContext;
  result: AttemptResult;
  options: FinishOptions;
}

/**
 * Finishes attempts and moves their runs on — several in one statement, so
 * steps that end together share one commit, and without locking a run or
 * reading its graph, so a step's cost does not grow with its run and the
 * steps of one run do not take turns. For each attempt:
 * - its status, outputs, error (and its last log chunks);
 * - an automatic retry when the step's policy allows one (decided here, in
 *   JavaScript, from the cached definition and the attempt's `auto_chain`);
 * - otherwise the item's final status; on success each dependent's count of
 *   unmet needs goes down (by as many of its needs as finish here) and those
 *   reaching 0 are queued (their inputs resolved here when they only use one
 *   finished step's outputs and the params, else left pending for the claim);
 *   on failure the pending steps below are skipped;
 * - the group's running count, the deployment's status and the events.
 * A run is written only when this statement finishes its last unfinished
 * items: it ends here, as settleRuns would end it (most runs of one step end
 * so, saving the settle's commit). Otherwise — steps still to run, or one
 * finishing concurrently, which this statement cannot see — the caller asks
 * settleRuns (lib/engine/settle-run.ts) once this has committed.
 * Only the worker holding an attempt may finish it, or the reaper when its
 * lease expired: a worker that lost its lease cannot overwrite the reaper's
 * verdict. Finishing twice is harmless (the second finds nothing to do).
 * Rows are locked in one order (attempts, then work items by id, then
 * concurrency groups by key, and a run that ends here last), so concurrent
 * finishes never deadlock on them.
 * Outcomes come back in the order of `requests`.
 */
export async function finishAttempts(db: Db, requests: FinishRequest[]): Promise<FinishOutcome[]> {
  if (requests.length === 0) return [];
  const batch = await Promise.all(
    requests.map(async ({ context, result, options }) => {
      const plan = planFinish(await pipelineVersion(db, context.pipelineVersionId), context, result);
      const logs = options.logs ?? [];
      return {
        attempt_id: context.id,
        run_id: context.runId,
        key: context.key,
        status: result.status,
        outputs: result.outputs ?? null,
        error: result.error ?? null,
        inputs: options.inputs ?? null,
        worker_id: options.workerId,
        retry: plan.retry && { delay_ms: plan.retry.delayMs, reason: plan.retry.reason },
        dependents: plan.dependents,
        skip: plan.skip,
        logs,
        log_seq: logs.length ? logs[logs.length - 1].seq : null,
        deploy_status: DEPLOYMENT_STATUS[result.status],
        error_message: result.error?.message ?? null,
      };
    }),
  );

  const raw = await executePrepared(
    db,
    sql`
    with b as (
      -- Sent as text and cast here: a prepared statement's jsonb parameter would be JSON-encoded once more by the driver.
      select * from jsonb_to_recordset(${JSON.stringify(batch)}::text::jsonb) as b(
        attempt_id uuid, run_id uuid, key text, status text, outputs jsonb, error jsonb, inputs jsonb, worker_id text,
        retry jsonb, dependents jsonb, skip jsonb, logs jsonb, log_seq int, deploy_status text, error_message text)
    ),
    fin as (
      update attempts a set
        status = b.status, outputs = b.outputs, error = b.error,
        finished_at = now(), lease_expires_at = null,
        inputs = coalesce(b.inputs, a.inputs),
        inputs_pending = a.inputs_pending and b.inputs is null
      from b
      where a.id = b.attempt_id and a.status = 'running'
        and case when b.worker_id is null then a.lease_expires_at < now() else a.worker_id = b.worker_id end
      returning a.id, a.work_item_id, a.run_id, a.number, a.inputs, a.inputs_pending, a.triggered_by, a.cancel_requested,
                a.auto_chain, a.concurrency_key, a.pipeline_version_id
    ),
    logs as (
      insert into log_chunks (attempt_id, seq, stream, text)
      select b.attempt_id, x.seq, x.stream, x.text
      from b cross join lateral jsonb_to_recordset(b.logs) as x(seq int, stream text, text text)
      on conflict do nothing
      returning seq
    ),
    fb as (
      select fin.*, b.key, b.status as result_status, b.retry, b.dependents, b.skip, b.log_seq, b.deploy_status,
             b.error_message
      from fin join b on b.attempt_id = fin.id
    ),
    wanted as (
      select run_id, key from fb
      union
      select fb.run_id, d.key from fb cross join lateral jsonb_to_recordset(fb.dependents) as d(key text)
      union
      select fb.run_id, s.key from fb cross join lateral jsonb_array_elements_text(fb.skip) as s(key)
    ),
    locked as (
      select w.id, w.run_id, w.key, w.status, w.latest_attempt_id, w.attempt_count, w.unmet_needs, w.requested_by,
             w.requested_reason, w.environment, w.concurrency_key, w.concurrency_limit, w.approval_role, w.passes_hold
      from work_items w join wanted on w.run_id = wanted.run_id and w.key = wanted.key
      order by w.id
      for update of w
    ),
    run as (
      select id, project_id, attempt, triggered_by, trigger, git_commit, git_branch, git_message, deploy_action, pipeline_version_id
      from runs where id in (select run_id from fb)
    ),
    outcome as (
      select l.*, fb.id as attempt_id, fb.retry, fb.dependents, fb.skip,
        case
          when l.latest_attempt_id is distinct from fb.id then 'superseded'
          when fb.retry is not null and not fb.cancel_requested then 'retry'
          when fb.result_status = 'succeeded' then 'succeeded'
          when fb.result_status = 'cancelled' or fb.cancel_requested then 'cancelled'
          else 'failed'
        end as result
      from fb join locked l on l.id = fb.work_item_id
    ),
    retry_attempt as (
      insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, inputs_pending, reason,
                            triggered_by, retry_of, run_attempt, auto_chain, concurrency_key, concurrency_limit, available_at,
                            pipeline_version_id)
      select gen_random_uuid(), o.id, fb.run_id, o.attempt_count + 1, 'auto_retry', 'queued', fb.inputs, fb.inputs_pending,
             o.retry->>'reason', fb.triggered_by, fb.id, run.attempt, fb.auto_chain + 1,
             o.concurrency_key, o.concurrency_limit, now() + (o.retry->>'delay_ms')::int * interval '1 millisecond',
             coalesce(fb.pipeline_version_id, run.pipeline_version_id)
      from outcome o join fb on fb.id = o.attempt_id join run on run.id = fb.run_id
      where o.result = 'retry'
      returning id, work_item_id, number, kind, retry_of, triggered_by, available_at, reason
    ),
    self_update as (
      update work_items w set
        status = case when o.result = 'retry' then 'queued' else o.result end,
        latest_attempt_id = coalesce(ra.id, w.latest_attempt_id),
        attempt_count = w.attempt_count + case when ra.id is null then 0 else 1 end,
        updated_at = now()
      from outcome o left join retry_attempt ra on ra.work_item_id = o.id
      where w.id = o.id and o.result <> 'superseded'
      returning w.id
    ),
    skip_ids as (
      select distinct l.id, l.key, l.run_id
      from outcome o cross join lateral jsonb_array_elements_text(o.skip) as s(key)
      join locked l on l.run_id = o.run_id and l.key = s.key
      where o.result in ('failed', 'cancelled') and l.status = 'pending'
    ),
    skipped as (
      update work_items w set status = 'skipped', updated_at = now()
      from skip_ids s where w.id = s.id
      returning w.id, w.key, w.run_id
    ),
    -- A dependent of several steps finishing here counts each; one being
    -- skipped here is only skipped.
    dep_rows as (
      select l.id, d.inputs
      from outcome o cross join lateral jsonb_to_recordset(o.dependents) as d(key text, inputs jsonb, pending boolean)
      join locked l on l.run_id = o.run_id and l.key = d.key
      where o.result = 'succeeded' and l.id not in (select id from skip_ids)
    ),
    deps as (
      select l.*, x.n, x.new_inputs, x.new_inputs is null as pending,
             (l.status = 'pending' and l.unmet_needs - x.n = 0) as ready, gen_random_uuid() as new_attempt_id
      from (select id, count(*)::int as n, (array_agg(inputs) filter (where inputs is not null))[1] as new_inputs
            from dep_rows group by id) x
      join locked l on l.id = x.id
    ),
    deps_update as (
      update work_items w set
        unmet_needs = w.unmet_needs - d.n,
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
      from deps d join run on run.id = d.run_id where d.ready
    ),
    new_attempts as (
      insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, inputs_pending, reason,
                            triggered_by, retry_of, run_attempt, auto_chain, concurrency_key, concurrency_limit,
                            available_at, parked_for, pipeline_version_id)
      select d.new_attempt_id, d.id, run.id, d.attempt_count + 1,
             case when d.latest_attempt_id is null then 'initial' else 'rerun' end, 'queued',
             coalesce(d.new_inputs, '{}'::jsonb), d.pending, d.requested_reason, coalesce(d.requested_by, run.triggered_by),
             d.latest_attempt_id, run.attempt, 1, d.concurrency_key, d.concurrency_limit,
             case when g.parked is null then now() else ${PARKED_UNTIL.toISOString()}::text::timestamptz end, g.parked,
             run.pipeline_version_id
      from deps d join gates g on g.id = d.id join run on run.id = d.run_id where d.ready
      returning id, work_item_id, number, kind, retry_of, triggered_by, available_at, reason
    ),
    groups_locked as (
      select g.key from concurrency_groups g
      where g.key in (select concurrency_key from fb where concurrency_key is not null)
      order by g.key
      for update of g
    ),
    released as (
      update concurrency_groups g set running = greatest(g.running - c.n, 0)
      from (select concurrency_key, count(*)::int as n from fb where concurrency_key is not null group by 1) c
      join groups_locked gl on gl.key = c.concurrency_key
      where g.key = c.concurrency_key
      returning g.key
    ),
    groups_known as (
      insert into concurrency_groups (key, project_id, name, "limit")
      select distinct on (d.concurrency_key) d.concurrency_key, run.project_id,
             substr(d.concurrency_key, length(run.project_id::text) + 2), d.concurrency_limit
      from deps d join run on run.id = d.run_id where d.ready and d.concurrency_key is not null
      on conflict (key) do nothing
      returning key
    ),
    created as (
      select a.*, w.environment, w.key, w.run_id from (select * from retry_attempt union all select * from new_attempts) a
      join locked w on w.id = a.work_item_id
    ),
    -- A redeploy wrote its deployment ahead (lib/deployments/record.ts predeploy):
    -- the deploy step's first attempt takes it over instead of making another.
    predeployed as (
      select p.id, p.run_id, e.name from deployments p join environments e on e.id = p.environment_id
      where p.run_id in (select id from run) and p.attempt_id is null and p.status = 'pending'
    ),
    taken_over as (
      update deployments p set attempt_id = c.id, triggered_by = coalesce(c.triggered_by, run.triggered_by)
      from created c join predeployed pd on pd.run_id = c.run_id and pd.name = c.environment join run on run.id = c.run_id
      where p.id = pd.id and c.kind = 'initial'
      returning p.id
    ),
    new_deploys as (
      select c.*, run.project_id,
             row_number() over (partition by run.project_id, c.environment order by c.id) as n,
             count(*) over (partition by run.project_id, c.environment) as of_env
      from created c join run on run.id = c.run_id
      where c.environment is not null
        and not (c.kind = 'initial' and exists (
          select 1 from predeployed pd where pd.run_id = c.run_id and pd.name = c.environment))
    ),
    envs as (
      insert into environments (project_id, name, last_version)
      select nd.project_id, nd.environment, count(*) from new_deploys nd group by 1, 2
      on conflict (project_id, name) do update set last_version = environments.last_version + excluded.last_version
      returning id, project_id, name, last_version
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
      from new_deploys nd join envs e on e.project_id = nd.project_id and e.name = nd.environment
           join run on run.id = nd.run_id,
           lateral (select nd.kind = 'initial' and run.deploy_action->>'step' = nd.key as linked) x
      returning id, project_id, run_id, environment_id, version, status
    ),
    deploy_finished as (
      update deployments d set status = fb.deploy_status, completed_at = now(), error_message = fb.error_message
      from fb where d.attempt_id = fb.id
      returning d.id, d.project_id, d.run_id, d.environment_id, d.version, d.status
    ),
    -- Items this statement moved to a final status.
    finalized as (
      select o.id, o.run_id, o.result as status from outcome o where o.result in ('succeeded', 'failed', 'cancelled')
      union all
      select s.id, s.run_id, 'skipped' from skipped s
    ),
    -- Runs with nothing unfinished once this statement's items count as finished; their
    -- final status by settleRuns's rule (cancelled, else failed, else succeeded).
    run_over as (
      select r.id, r.status as previous,
        case
          when exists (select 1 from finalized f where f.run_id = r.id and f.status = 'cancelled')
            or exists (select 1 from work_items w where w.run_id = r.id and w.status = 'cancelled') then 'cancelled'
          when exists (select 1 from finalized f where f.run_id = r.id and f.status in ('failed', 'skipped'))
            or exists (select 1 from work_items w where w.run_id = r.id and w.status in ('failed', 'skipped')) then 'failed'
          else 'succeeded'
        end as status
      from runs r
      where r.id in (select run_id from finalized) and r.status in ('queued', 'running')
        and not exists (select 1 from created c where c.run_id = r.id)
        and not exists (
          select 1 from work_items w
          where w.run_id = r.id and w.status in (${UNFINISHED_ITEM_SQL}) and w.id not in (select id from finalized))
    ),
    run_ended as (
      update runs r set status = o.status, finished_at = now()
      from run_over o where r.id = o.id and r.status in ('queued', 'running')
      returning r.id, r.project_id, r.status, r.attempt, o.previous
    ),
    run_undeployed as (
      update deployments d set status = case when e.status = 'cancelled' then 'cancelled' else 'failed' end,
             completed_at = now(), error_message = ${NOT_DEPLOYED_MESSAGE}::text
      from run_ended e
      where d.run_id = e.id and d.attempt_id is null and d.status = 'pending'
      returning d.id, d.project_id, d.run_id, d.environment_id, d.version, d.status
    ),
    new_events as (
      insert into events (type, project_id, run_id, payload)
      select 'attempt.finished', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', fb.work_item_id, 'attempt_id', fb.id, 'number', fb.number,
        'status', fb.result_status, 'log_seq', fb.log_seq,
        'item_status', case o.result when 'retry' then 'queued' when 'superseded' then null else o.result end)
      from fb join run on run.id = fb.run_id left join outcome o on o.attempt_id = fb.id
      union all
      select 'attempt.created', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', c.work_item_id, 'attempt_id', c.id, 'number', c.number, 'kind', c.kind,
        'status', 'queued', 'item_status', 'queued')
      from created c join run on run.id = c.run_id
      union all
      select 'item.status_changed', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', s.id, 'key', s.key, 'status', 'skipped', 'previous', 'pending')
      from skipped s join run on run.id = s.run_id
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
      union all
      select 'run.status_changed', e.project_id, e.id, jsonb_build_object(
        'run_id', e.id, 'status', e.status, 'previous', e.previous, 'attempt', e.attempt)
      from run_ended e
      union all
      select 'deployment.status_changed', d.project_id, d.run_id, jsonb_build_object(
        'deployment_id', d.id, 'environment_id', d.environment_id, 'environment', env.name, 'version', d.version,
        'status', d.status, 'previous', 'pending', 'run_id', d.run_id)
      from run_undeployed d join environments env on env.id = d.environment_id
      returning 1
    )
    select
      (select coalesce(jsonb_agg(jsonb_build_object(
         'attempt_id', fb.id, 'result', o.result,
         'retry_at', (select ra.available_at from retry_attempt ra where ra.retry_of = fb.id)
       )), '[]'::jsonb) from fb left join outcome o on o.attempt_id = fb.id) as outcomes,
      (select count(*) from logs) as logs_written,
      (select count(*) from self_update) + (select count(*) from deps_update) + (select count(*) from skipped) as items_updated,
      (select count(*) from new_attempts) as queued,
      (select count(*) from released) + (select count(*) from groups_known) as groups_touched,
      (select count(*) from deploy_rows) + (select count(*) from deploy_finished) + (select count(*) from taken_over)
        as deployments_touched,
      (select count(*) from new_events) as events_written,
      (select coalesce(jsonb_agg(id), '[]'::jsonb) from run_ended) as runs_ended`,
  );
  const [row] = rowsOf(raw);
  const outcomes = new Map(
    (parseJson(row.outcomes) as { attempt_id: string; result: string | null; retry_at: string | null }[]).map((o) => [
      o.attempt_id,
      o,
    ]),
  );
  if (outcomes.size > 0) notifyEvents(db);
  const runsEnded = new Set(parseJson(row.runs_ended) as string[]);
  const queued = Number(row.queued);
  // Other workers: ours claims after its finish anyway (and ignores its own notifications).
  if (queued > 0) notifyAfterCommit(db, WORK_CHANNEL, requests[0].options.workerId ?? '');
  return requests.map(({ context }) => {
    const outcome = outcomes.get(context.id);
    return {
      finished: !!outcome,
      result: outcome?.result ?? null,
      retryAt: outcome?.retry_at ? new Date(outcome.retry_at) : null,
      queued,
      runEnded: runsEnded.has(context.runId),
    };
  });
}

/** One attempt: finishAttempts of one. */
export async function finishAttempt(db: Db, context: FinishContext, result: AttemptResult, options: FinishOptions) {
  const [outcome] = await finishAttempts(db, [{ context, result, options }]);
  return outcome;
}

/** jsonb arrives parsed from postgres-js and as text from some drivers. */
const parseJson = (value: unknown): unknown => (typeof value === 'string' ? JSON.parse(value) : value);

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
