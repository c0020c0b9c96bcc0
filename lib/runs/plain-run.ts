import { randomUUID } from 'node:crypto';
import { getTableColumns, sql } from 'drizzle-orm';
import { executePrepared, type Db } from '@/db/client';
import { runs, type RunTrigger } from '@/db/schema';
import type { Actor } from '../actor';
import { concurrencyOf } from '../engine/concurrency';
import { WORK_CHANNEL } from '../engine/channels';
import { resolveInputsWith } from '../engine/inputs';
import { rowsOf } from '../engine/sql-rows';
import { notifyEvents } from '../events';
import { notifyAfterCommit } from '../notifier';
import { dependentsByStep, type PipelineVersionInfo } from '../pipelines/version-cache';
import type { RunRow } from './load';

export interface PlainRun {
  pipelineId: string;
  projectId: string;
  version: PipelineVersionInfo;
  params: Record<string, unknown>;
  trigger: RunTrigger;
  commit: string | null;
  branch: string | null;
  message: string | null;
}

/**
 * Whether a new run of this version may start through startPlainRun: none of
 * its steps deploys (deploy steps wait at a gate, write deployments and
 * answer to protection: createRun does all of that).
 */
export const isPlainVersion = (version: PipelineVersionInfo) => version.definition.steps.every((s) => !s.environment);

/**
 * Starts a run of a pipeline that deploys nowhere in one statement: its
 * number, its row, its items, the first attempts of the steps that need
 * nothing, their concurrency groups, the audit entry and the events — what
 * createRun (lib/runs/trigger-run.ts) writes for such a run, in one round trip
 * and one commit instead of seven. Triggering is the hot path of a busy
 * instance (every API call of CI), so it gets the engine's treatment: a
 * prepared statement (db/client.ts executePrepared). The number comes from
 * the pipeline's sequence (lib/runs/run-number.ts): concurrent triggers do not
 * wait for each other.
 */
export async function startPlainRun(db: Db, actor: Actor, spec: PlainRun): Promise<RunRow> {
  const { definition } = spec.version;
  const runId = randomUUID();
  const dependents = dependentsByStep(definition.steps);
  const items = definition.steps.map((step, position) => {
    const group = concurrencyOf(step, spec.projectId, spec.params);
    const ready = step.needs.length === 0;
    const inputs = ready ? resolveInputsWith(step, spec.params, {}) : null;
    return {
      id: randomUUID(),
      key: step.key,
      position,
      needs: step.needs,
      dependents: dependents.get(step.key) ?? [],
      unmet_needs: step.needs.length,
      concurrency_key: group?.key ?? null,
      concurrency_name: group?.name ?? null,
      concurrency_limit: group?.limit ?? null,
      // A step that needs nothing is queued now; unresolvable inputs are left to the claim, which says why.
      attempt_id: ready ? randomUUID() : null,
      inputs: inputs ?? {},
      inputs_pending: ready && inputs === null,
    };
  });
  const text = (value: string | null) => sql`${value}::text`;
  const raw = await executePrepared(
    db,
    sql`
    with num as (
      select reprise_next_run_number(${spec.pipelineId}::text::uuid) as number
    ),
    run as (
      insert into runs (id, project_id, pipeline_id, pipeline_version_id, number, params, trigger, triggered_by,
                        git_commit, git_branch, git_message)
      select ${runId}::text::uuid, ${spec.projectId}::text::uuid, ${spec.pipelineId}::text::uuid,
             ${spec.version.id}::text::uuid, num.number, ${JSON.stringify(spec.params)}::text::jsonb, ${spec.trigger}::text,
             ${actor.userId}::text::uuid, ${text(spec.commit)}, ${text(spec.branch)}, ${text(spec.message)}
      from num
      returning *
    ),
    x as (
      select * from jsonb_to_recordset(${JSON.stringify(items)}::text::jsonb) as x(
        id uuid, key text, position int, needs text[], dependents text[], unmet_needs int, concurrency_key text,
        concurrency_name text, concurrency_limit int, attempt_id uuid, inputs jsonb, inputs_pending boolean)
    ),
    items as (
      insert into work_items (id, run_id, key, position, needs, dependents, unmet_needs, concurrency_key,
                              concurrency_limit, status, latest_attempt_id, attempt_count)
      select x.id, run.id, x.key, x.position, x.needs, x.dependents, x.unmet_needs, x.concurrency_key, x.concurrency_limit,
             case when x.attempt_id is null then 'pending' else 'queued' end, x.attempt_id,
             case when x.attempt_id is null then 0 else 1 end
      from x, run
      returning id
    ),
    first_attempts as (
      insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, inputs_pending, triggered_by,
                            pipeline_version_id, run_attempt, concurrency_key, concurrency_limit, available_at)
      select x.attempt_id, x.id, run.id, 1, 'initial', 'queued', x.inputs, x.inputs_pending, run.triggered_by,
             run.pipeline_version_id, run.attempt, x.concurrency_key, x.concurrency_limit, now()
      from x, run where x.attempt_id is not null
      returning id, work_item_id
    ),
    -- As ensureConcurrencyGroups (lib/engine/concurrency.ts): the claim locks and counts these rows.
    groups as (
      insert into concurrency_groups (key, project_id, name, "limit")
      select distinct on (x.concurrency_key) x.concurrency_key, run.project_id, x.concurrency_name, x.concurrency_limit
      from x, run where x.attempt_id is not null and x.concurrency_key is not null
      on conflict (key) do update set "limit" = excluded."limit" where concurrency_groups."limit" <> excluded."limit"
      returning key
    ),
    audit as (
      insert into audit_entries (actor_id, actor_email, token_id, address, project_id, action, target_type, target_id,
                                 details)
      select ${actor.userId}::text::uuid, ${actor.email}::text, ${actor.token?.id ?? null}::text::uuid,
             ${text(actor.address)}, run.project_id, 'run.trigger', 'run', run.id::text,
             jsonb_build_object('number', run.number, 'pipeline', ${definition.name}::text, 'trigger', run.trigger)
      from run
      returning 1
    ),
    new_events as (
      insert into events (type, project_id, run_id, payload)
      select 'run.created', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'pipeline_id', run.pipeline_id, 'number', run.number, 'status', run.status)
      from run
      union all
      select 'attempt.created', run.project_id, run.id, jsonb_build_object(
        'run_id', run.id, 'item_id', a.work_item_id, 'attempt_id', a.id, 'number', 1, 'kind', 'initial',
        'status', 'queued', 'item_status', 'queued')
      from first_attempts a, run
      returning 1
    )
    select run.*, (select count(*) from items) as items_written, (select count(*) from first_attempts) as queued,
           (select count(*) from groups) as groups_written, (select count(*) from audit) as audited,
           (select count(*) from new_events) as events_written
    from run`,
  );
  const [row] = rowsOf(raw);
  notifyEvents(db);
  if (Number(row.queued) > 0) notifyAfterCommit(db, WORK_CHANNEL);
  return runRowOf(row);
}

/** A raw row of `runs` (snake_case, as the driver gives it) as drizzle's RunRow. */
function runRowOf(raw: Record<string, unknown>): RunRow {
  const row: Record<string, unknown> = {};
  for (const [name, column] of Object.entries(getTableColumns(runs))) {
    const value = raw[column.name];
    row[name] = value === null || value === undefined ? null : column.mapFromDriverValue(value);
  }
  return row as RunRow;
}
