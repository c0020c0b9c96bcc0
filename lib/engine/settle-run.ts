import { sql } from 'drizzle-orm';
import { executePrepared, type Db } from '@/db/client';
import { notifyEvents } from '../events';
import { UNFINISHED_ITEM_SQL } from '../runs/state';
import { rowsOf } from './sql-rows';

/** Why a deployment written ahead (a redeploy's) ends when its run ends before the deploy step ran. */
export const NOT_DEPLOYED_MESSAGE = 'Not deployed: a step it needs did not succeed.';

/**
 * Ends the runs among `runIds` that have no unfinished item left: their final
 * status follows from their items (cancelled, else failed when one failed or
 * was skipped, else succeeded), a predeployed deployment whose step never ran
 * ends with them, and `run.status_changed` is written. Runs still in progress,
 * and runs already ended, are left as they are.
 *
 * The finish statement ends a run itself when it finishes the run's last
 * unfinished items (finishAttempts, lib/engine/finish-attempt.ts); this is for
 * the rest. Why after the finish, not in it: steps of one run finish concurrently, and
 * a finish that updated the run's row (a counter of unfinished items) made
 * them take turns on that row until each commit was on disk. Instead every
 * finisher asks this once its own finish has committed: of the last steps to
 * finish together, the one that commits last is then sure to see all the
 * others' commits, so some finisher always ends the run; two that both see
 * it ended are harmless (the second finds the run no longer in progress).
 * Operator actions hold every item of the run (loadRunGraph with lock) and
 * decide in their own transaction (RunChanges.save).
 *
 * While a run is in progress its items only ever move towards finished (a
 * retry or replay needs the run ended first), so "nothing unfinished" read
 * from any snapshot stays true.
 */
export async function settleRuns(db: Db, runIds: string[]): Promise<number> {
  if (runIds.length === 0) return 0;
  const result = await executePrepared(
    db,
    sql`
    with done as (
      select r.id, r.status as previous from runs r
      where r.id = any(${`{${runIds.join(',')}}`}::text::uuid[]) and r.status in ('queued', 'running')
        and not exists (select 1 from work_items w where w.run_id = r.id and w.status in (${UNFINISHED_ITEM_SQL}))
    ),
    ended as (
      update runs r set
        status = case
          when exists (select 1 from work_items w where w.run_id = r.id and w.status = 'cancelled') then 'cancelled'
          when exists (select 1 from work_items w where w.run_id = r.id and w.status in ('failed', 'skipped')) then 'failed'
          else 'succeeded' end,
        finished_at = now()
      from done where r.id = done.id and r.status in ('queued', 'running')
      returning r.id, r.project_id, r.status, r.attempt, done.previous
    ),
    -- A redeploy wrote its deployment ahead (lib/deployments/record.ts predeploy);
    -- a run that ended before that step ran ends its deployment too.
    undeployed as (
      update deployments d set status = case when e.status = 'cancelled' then 'cancelled' else 'failed' end,
             completed_at = now(), error_message = ${NOT_DEPLOYED_MESSAGE}::text
      from ended e
      where d.run_id = e.id and d.attempt_id is null and d.status = 'pending'
      returning d.id, d.project_id, d.run_id, d.environment_id, d.version, d.status
    ),
    new_events as (
      insert into events (type, project_id, run_id, payload)
      select 'run.status_changed', e.project_id, e.id, jsonb_build_object(
        'run_id', e.id, 'status', e.status, 'previous', e.previous, 'attempt', e.attempt)
      from ended e
      union all
      select 'deployment.status_changed', d.project_id, d.run_id, jsonb_build_object(
        'deployment_id', d.id, 'environment_id', d.environment_id, 'environment', env.name, 'version', d.version,
        'status', d.status, 'previous', 'pending', 'run_id', d.run_id)
      from undeployed d join environments env on env.id = d.environment_id
      returning 1
    )
    select (select count(*) from ended) as ended, (select count(*) from new_events) as events_written`,
  );
  const [row] = rowsOf(result);
  const ended = Number(row.ended);
  if (ended > 0) notifyEvents(db);
  return ended;
}

/**
 * Runs in progress with nothing unfinished: a worker that died between a
 * step's finish and its settle leaves one behind. Any worker's reaper ends
 * them (a few, through the index of runs in progress).
 */
export async function systemListUnsettledRuns(db: Db): Promise<string[]> {
  const rows = rowsOf(
    await db.execute(sql`
      select r.id from runs r
      where r.status in ('queued', 'running')
        and not exists (select 1 from work_items w where w.run_id = r.id and w.status in (${UNFINISHED_ITEM_SQL}))
      limit 100`),
  );
  return rows.map((r) => r.id as string);
}
