import { and, eq, inArray, lt, sql } from 'drizzle-orm';
import { executePrepared, type Db } from '@/db/client';
import { attempts } from '@/db/schema';
import { notifyEvents } from '../events';
import { rowsOf } from './sql-rows';

/** What a worker needs of a claimed attempt, read in the claim itself. */
export interface ClaimedAttempt {
  id: string;
  itemId: string;
  runId: string;
  projectId: string;
  pipelineVersionId: string;
  key: string;
  number: number;
  kind: string;
  inputs: Record<string, unknown>;
  inputsPending: boolean;
  autoChain: number;
  params: Record<string, unknown>;
}

/**
 * Claims up to `limit` ready attempts in one statement: it marks them
 * running under this worker's lease, marks their items running, moves a
 * queued run to running, sets their deployments running and writes
 * `attempt.started` events. SKIP LOCKED lets any number of workers claim at
 * once without waiting on each other or taking the same attempt twice.
 *
 * Concurrency groups: a grouped attempt is taken only from a group whose row
 * says `running < limit`; that row is locked (others skip it for this round)
 * and counted up in the same statement, so concurrent claims never overshoot,
 * and a full group never holds back other work.
 */
export async function claimAttempts(
  db: Db,
  workerId: string,
  leaseMs: number,
  limit: number,
): Promise<ClaimedAttempt[]> {
  const result = await executePrepared(
    db,
    sql`
    with free_groups as (
      select g.key, g.limit - g.running as free
      from concurrency_groups g
      where g.running < g.limit
        and exists (select 1 from attempts q
                    where q.status = 'queued' and q.concurrency_key = g.key and q.available_at <= now())
      for update of g skip locked
    ),
    ungrouped as (
      select a.id, a.concurrency_key, a.available_at, a.created_at
      from attempts a
      where a.status = 'queued' and a.available_at <= now() and a.concurrency_key is null
      order by a.available_at, a.created_at
      limit ${limit}
      for update of a skip locked
    ),
    grouped as (
      select p.id, p.concurrency_key, p.available_at, p.created_at
      from free_groups fg
      cross join lateral (
        select a.id, a.concurrency_key, a.available_at, a.created_at
        from attempts a
        where a.status = 'queued' and a.concurrency_key = fg.key and a.available_at <= now()
        order by a.available_at, a.created_at
        limit least(fg.free, ${limit})
        for update of a skip locked
      ) p
    ),
    candidates as (select * from ungrouped union all select * from grouped),
    chosen as (
      select id, concurrency_key from candidates order by available_at, created_at limit ${limit}
    ),
    claimed as (
      update attempts a set
        status = 'running', worker_id = ${workerId}, started_at = now(),
        lease_expires_at = now() + ${`${leaseMs} milliseconds`}::interval
      from chosen where a.id = chosen.id
      returning a.id, a.work_item_id, a.run_id, a.number, a.kind, a.inputs, a.inputs_pending, a.auto_chain, a.pipeline_version_id
    ),
    counted as (
      update concurrency_groups g set running = g.running + c.n
      from (select concurrency_key as key, count(*)::int as n from chosen where concurrency_key is not null group by 1) c
      where g.key = c.key
      returning g.key
    ),
    items as (
      update work_items w set status = 'running', updated_at = now()
      from claimed where w.id = claimed.work_item_id
      returning w.id, w.key, w.run_id
    ),
    started_runs as (
      update runs r set status = 'running', started_at = coalesce(r.started_at, now())
      where r.id in (select x.id from runs x where x.id in (select run_id from claimed) and x.status = 'queued'
                     for update skip locked)
      returning r.id, r.project_id, r.attempt
    ),
    deployments_started as (
      update deployments d set status = 'running', started_at = now()
      from claimed where d.attempt_id = claimed.id
      returning d.id, d.project_id, d.run_id, d.environment_id, d.version
    ),
    rows as (
      select c.id, c.work_item_id, c.run_id, c.number, c.kind, c.inputs, c.inputs_pending, c.auto_chain,
             i.key, r.project_id, r.params,
             -- The version the attempt was queued with (attempts before 0011 have none: their run's).
             coalesce(c.pipeline_version_id, r.pipeline_version_id) as pipeline_version_id
      from claimed c
      join items i on i.id = c.work_item_id
      join runs r on r.id = c.run_id
    ),
    new_events as (
      insert into events (type, project_id, run_id, payload)
      select 'attempt.started', project_id, run_id, jsonb_build_object(
        'run_id', run_id, 'item_id', work_item_id, 'attempt_id', id, 'number', number,
        'worker_id', ${workerId}::text, 'item_status', 'running')
      from rows
      union all
      select 'run.status_changed', s.project_id, s.id, jsonb_build_object(
        'run_id', s.id, 'status', 'running', 'previous', 'queued', 'attempt', s.attempt)
      from started_runs s
      union all
      select 'deployment.status_changed', d.project_id, d.run_id, jsonb_build_object(
        'deployment_id', d.id, 'environment_id', d.environment_id, 'environment', e.name, 'version', d.version,
        'status', 'running', 'previous', 'pending', 'run_id', d.run_id)
      from deployments_started d join environments e on e.id = d.environment_id
      returning 1
    )
    select rows.*,
      (select count(*) from new_events) as event_count,
      (select count(*) from counted) as group_count,
      (select count(*) from deployments_started) as deployment_count
    from rows`,
  );
  const rows = rowsOf(result);
  if (rows.length > 0) notifyEvents(db);
  return rows.map((r) => ({
    id: r.id as string,
    itemId: r.work_item_id as string,
    runId: r.run_id as string,
    projectId: r.project_id as string,
    pipelineVersionId: r.pipeline_version_id as string,
    key: r.key as string,
    number: Number(r.number),
    kind: r.kind as string,
    inputs: r.inputs as Record<string, unknown>,
    inputsPending: r.inputs_pending as boolean,
    autoChain: Number(r.auto_chain),
    params: r.params as Record<string, unknown>,
  }));
}

/** Extends the lease; returns null when the lease is no longer ours (the reaper took the attempt). */
export async function renewLease(db: Db, attemptId: string, workerId: string, leaseMs: number) {
  const [row] = await db
    .update(attempts)
    .set({ leaseExpiresAt: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(eq(attempts.id, attemptId), eq(attempts.workerId, workerId), eq(attempts.status, 'running')))
    .returning({ cancelRequested: attempts.cancelRequested });
  return row ?? null;
}

/** Records inputs the claim resolved (see lib/engine/inputs.ts) before the step starts. */
export async function storeResolvedInputs(db: Db, attemptId: string, inputs: Record<string, unknown>) {
  await db
    .update(attempts)
    .set({ inputs, inputsPending: false })
    .where(and(eq(attempts.id, attemptId), eq(attempts.status, 'running')));
}

/** Which of these running attempts someone asked to cancel. */
export async function systemListCancelRequested(db: Db, attemptIds: string[]): Promise<string[]> {
  const rows = await db
    .select({ id: attempts.id })
    .from(attempts)
    .where(and(inArray(attempts.id, attemptIds), eq(attempts.cancelRequested, true), eq(attempts.status, 'running')));
  return rows.map((r) => r.id);
}

/** Attempts whose worker stopped renewing its lease, across every project. */
export async function systemListExpiredLeases(db: Db) {
  return db
    .select({ id: attempts.id, workerId: attempts.workerId, runId: attempts.runId })
    .from(attempts)
    .where(and(eq(attempts.status, 'running'), lt(attempts.leaseExpiresAt, sql`now()`)))
    .limit(100);
}
