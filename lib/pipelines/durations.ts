import { sql, type SQL } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import type { AttemptKind, AttemptStatus, RunStatus } from '@/db/schema';
import { isUuid } from '../ids';
import { executionTimes, medianMs } from '../runs/execution-time';

/** How many recent runs a duration chart covers. */
export const DURATION_RUNS = 50;

/** One bar of a run-duration chart: a run's first run attempt. */
export interface RunDurationPoint {
  runId: string;
  number: number;
  /** The run's status now (after any retries). */
  status: RunStatus;
  /** How run attempt 1 ended: `running` while it has not. */
  outcome: 'succeeded' | 'failed' | 'cancelled' | 'running';
  /** How many run attempts the run has had (a retry makes 2). */
  attempts: number;
  createdAt: string;
  /**
   * Run attempt 1's execution time by the one rule of lib/runs/execution-time.ts
   * (first step start → last step end; never the queue before it or the hours
   * before a retry). Null until run attempt 1 has finished.
   */
  executionMs: number | null;
  /** The time its steps ran, summed (parallel steps add up). */
  stepsMs: number | null;
}

/** One bar of a step-duration chart: one attempt of the step. */
export interface StepDurationPoint {
  runId: string;
  runNumber: number;
  number: number;
  kind: AttemptKind;
  status: AttemptStatus;
  runAttempt: number;
  startedAt: string;
  /** started → finished; null while it runs. */
  executionMs: number | null;
}

/** The rows of a raw statement: postgres.js returns them as an array, PGlite under `rows`. */
async function rowsOf<T>(conn: Conn, query: SQL): Promise<T[]> {
  const result: unknown = await conn.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

const ms = (value: unknown) => (value === null || value === undefined ? null : Math.round(Number(value)));
const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString());

/**
 * The pipeline's last `limit` runs (oldest first, for a chart read left to
 * right) with the outcome and execution time of their first run attempt.
 * Bounded by runs: `limit` backward steps along runs_pipeline_created_idx,
 * then each run's attempts by attempts_run_idx.
 */
export async function pipelineRunDurations(
  conn: Conn,
  pipelineId: string,
  limit = DURATION_RUNS,
): Promise<RunDurationPoint[]> {
  if (!isUuid(pipelineId)) return [];
  const rows = await rowsOf<{
    id: string;
    number: number;
    status: RunStatus;
    attempt: number;
    created_at: string | Date;
    failed: boolean | null;
    cancelled: boolean | null;
  }>(
    conn,
    sql`
      with recent as (
        select id, number, status, attempt, created_at from runs
        where pipeline_id = ${pipelineId}
        order by created_at desc, id desc
        limit ${limit}
      ),
      -- Each step's last attempt within run attempt 1 says how it ended there
      -- (an automatic retry that succeeded replaces a failure).
      last_of_item as (
        select distinct on (a.work_item_id) a.run_id, a.status
        from recent r join attempts a on a.run_id = r.id
        where a.run_attempt = 1 and a.kind <> 'reused'
        order by a.work_item_id, a.number desc
      ),
      outcome as (
        select run_id,
          bool_or(status in ('failed', 'lost')) as failed,
          bool_or(status = 'cancelled') as cancelled
        from last_of_item group by run_id
      )
      select r.id, r.number, r.status, r.attempt, r.created_at, o.failed, o.cancelled
      from recent r
      left join outcome o on o.run_id = r.id
      order by r.created_at asc, r.id asc`,
  );
  // While run attempt 1 is the current one the run is at work in it until its status says otherwise.
  const ongoing = new Set(
    rows.filter((r) => Number(r.attempt) === 1 && (r.status === 'queued' || r.status === 'running')).map((r) => r.id),
  );
  const times = await executionTimes(conn, new Map(rows.map((r) => [r.id, 1])), { ongoing });
  return rows.map((r) => {
    const attempts = Number(r.attempt);
    // While run attempt 1 is the current one, the run's own status is its
    // outcome (steps not yet started have no attempt to say so).
    const outcome: RunDurationPoint['outcome'] =
      attempts === 1
        ? r.status === 'queued' || r.status === 'running'
          ? 'running'
          : r.status
        : r.failed
          ? 'failed'
          : r.cancelled
            ? 'cancelled'
            : 'succeeded';
    const time = times.get(r.id);
    const done = outcome !== 'running';
    return {
      runId: r.id,
      number: Number(r.number),
      status: r.status,
      outcome,
      attempts,
      createdAt: iso(r.created_at),
      executionMs: done ? (time?.wallMs ?? 0) : null,
      stepsMs: done ? (time?.stepsMs ?? 0) : null,
    };
  });
}

/**
 * The attempts of step `key` in the pipeline's last `limit` runs, at most
 * `limit` of them (oldest first): each one's started → finished time.
 * Attempts that did not run (reused by a rollback, still queued) are left out.
 */
export async function stepAttemptDurations(
  conn: Conn,
  pipelineId: string,
  key: string,
  limit = DURATION_RUNS,
): Promise<StepDurationPoint[]> {
  if (!isUuid(pipelineId)) return [];
  const rows = await rowsOf<{
    run_id: string;
    run_number: number;
    number: number;
    kind: AttemptKind;
    status: AttemptStatus;
    run_attempt: number;
    started_at: string | Date;
    execution_ms: string | number | null;
  }>(
    conn,
    sql`
      with recent as (
        select id, number, created_at from runs
        where pipeline_id = ${pipelineId}
        order by created_at desc, id desc
        limit ${limit}
      )
      select r.id as run_id, r.number as run_number, a.number, a.kind, a.status, a.run_attempt, a.started_at,
        extract(epoch from a.finished_at - a.started_at) * 1000 as execution_ms
      from recent r
      join work_items w on w.run_id = r.id and w.key = ${key}
      join attempts a on a.work_item_id = w.id
      where a.started_at is not null and a.kind <> 'reused'
      order by r.created_at desc, r.id desc, a.number desc
      limit ${limit}`,
  );
  return rows.reverse().map((r) => ({
    runId: r.run_id,
    runNumber: Number(r.run_number),
    number: Number(r.number),
    kind: r.kind,
    status: r.status,
    runAttempt: Number(r.run_attempt),
    startedAt: iso(r.started_at),
    executionMs: ms(r.execution_ms),
  }));
}

export interface DurationSummary {
  /** Median of the finished bars that succeeded (of all finished ones when none did). */
  medianMs: number | null;
  /** How many bars the median is taken over. */
  medianOf: number;
  /** The newest finished bars in a row with the same outcome, and that outcome. */
  streak: { outcome: string; count: number } | null;
  count: number;
}

/** What a chart's text says: "median 4.2 s · last 3 failed". Bars oldest first. */
export function summarizeDurations(points: { executionMs: number | null; outcome: string }[]): DurationSummary {
  const finished = points.filter((p) => p.executionMs !== null && p.outcome !== 'running' && p.outcome !== 'queued');
  const succeeded = finished.filter((p) => p.outcome === 'succeeded');
  const basis = (succeeded.length ? succeeded : finished).map((p) => p.executionMs!);
  const median = medianMs(basis);
  let streak: DurationSummary['streak'] = null;
  for (let i = finished.length - 1; i >= 0; i--) {
    const outcome = finished[i].outcome === 'lost' ? 'failed' : finished[i].outcome;
    if (!streak) streak = { outcome, count: 1 };
    else if (streak.outcome === outcome) streak.count++;
    else break;
  }
  return { medianMs: median, medianOf: basis.length, streak, count: points.length };
}
