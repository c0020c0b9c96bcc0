import { and, inArray, isNull, sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts } from '@/db/schema';

/**
 * How long a run took, by one rule everywhere (run header, run lists,
 * pipeline medians, duration charts): the time of one run attempt, from its
 * first step start to its last step end, and the time spent in its steps.
 *
 * Not `runs.created_at → runs.finished_at`: a run retried hours later would
 * count the hours nobody worked on it, and a queue wait before the first step
 * is not the pipeline's cost either. Steps a rollback reused (never ran in
 * this run) do not count.
 */
export interface ExecutionTime {
  /** The run attempt measured (1 = the run as first triggered). */
  runAttempt: number;
  /** Its first step start; null when no step has started yet. */
  startedAt: Date | null;
  /** Its last step end; null while any of its steps is still to finish. */
  finishedAt: Date | null;
  /** startedAt → finishedAt (→ now while running); null before any start. */
  wallMs: number | null;
  /** The sum of its steps' run times (parallel steps add up). */
  stepsMs: number;
}

/** One attempt's times, as every attempt row has them. */
export interface TimedAttempt {
  runAttempt: number;
  startedAt: Date | string | null;
  finishedAt: Date | string | null;
  /** Set on a step a rollback reused: it did not run in this run. */
  reusedFrom?: string | null;
}

/** What the rule needs of one run attempt's attempts; summed in SQL or in memory. */
interface Span {
  firstStart: Date | null;
  lastEnd: Date | null;
  /** Whether every attempt that started has ended (and none waits to start). */
  over: boolean;
  /** The time in steps that ended, in ms. */
  endedStepsMs: number;
  /** The time so far of steps still running (started, not ended), up to now, in ms. */
  runningStepsMs: number;
}

const toDate = (when: Date | string | null) =>
  when === null ? null : typeof when === 'string' ? new Date(when) : when;

export interface ExecutionTimeOptions {
  now?: Date;
  /**
   * The run is still at work in this run attempt (queued or running): it has
   * not ended even when each step that started has, since the next ones may
   * not be queued yet.
   */
  ongoing?: boolean;
}

function fromSpan(
  runAttempt: number,
  span: Span,
  { now = new Date(), ongoing = false }: ExecutionTimeOptions,
): ExecutionTime {
  const finishedAt = span.over && !ongoing ? span.lastEnd : null;
  const stepsMs = span.endedStepsMs + span.runningStepsMs;
  return {
    runAttempt,
    startedAt: span.firstStart,
    finishedAt,
    wallMs: span.firstStart ? Math.max(0, (finishedAt ?? now).getTime() - span.firstStart.getTime()) : null,
    stepsMs,
  };
}

/** The execution time of run attempt `runAttempt`, from the run's attempts (any order). */
export function executionTime(
  runAttempts: TimedAttempt[],
  runAttempt: number,
  options: ExecutionTimeOptions = {},
): ExecutionTime {
  const now = options.now ?? new Date();
  const span: Span = { firstStart: null, lastEnd: null, over: true, endedStepsMs: 0, runningStepsMs: 0 };
  for (const a of runAttempts) {
    if (a.runAttempt !== runAttempt || a.reusedFrom) continue;
    const start = toDate(a.startedAt);
    const end = toDate(a.finishedAt);
    if (!end) span.over = false;
    if (!start) continue;
    if (!span.firstStart || start < span.firstStart) span.firstStart = start;
    if (end) {
      if (!span.lastEnd || end > span.lastEnd) span.lastEnd = end;
      span.endedStepsMs += Math.max(0, end.getTime() - start.getTime());
    } else span.runningStepsMs += Math.max(0, now.getTime() - start.getTime());
  }
  return fromSpan(runAttempt, span, { ...options, now });
}

/**
 * The execution time of one run attempt of each run, in one query: `which`
 * maps a run id to the run attempt to measure (1 for pipeline medians, the
 * run's current attempt for lists); `ongoing` names the runs still at work
 * (queued or running). Runs with no attempt in that run attempt are left out.
 */
export async function executionTimes(
  conn: Conn,
  which: Map<string, number>,
  { now = new Date(), ongoing = new Set<string>() }: { now?: Date; ongoing?: Set<string> } = {},
): Promise<Map<string, ExecutionTime>> {
  if (!which.size) return new Map();
  const runIds = [...which.keys()];
  const rows = await conn
    .select({
      runId: attempts.runId,
      runAttempt: attempts.runAttempt,
      // Numbers, not timestamps or booleans: every driver (PGlite in the app
      // included) hands raw aggregates back as it likes; a number parses alike.
      firstStartMs: sql<
        string | number | null
      >`(extract(epoch from date_trunc('milliseconds', min(${attempts.startedAt}))) * 1000)::float8`,
      lastEndMs: sql<
        string | number | null
      >`(extract(epoch from date_trunc('milliseconds', max(${attempts.finishedAt}))) * 1000)::float8`,
      unfinished: sql<string | number>`count(*) filter (where ${attempts.finishedAt} is null)`,
      // Whole milliseconds, as the Dates the in-memory rule reads: both give the same answer.
      endedStepsMs: sql<
        string | null
      >`sum(extract(epoch from date_trunc('milliseconds', ${attempts.finishedAt}) - date_trunc('milliseconds', ${attempts.startedAt})) * 1000)`,
      runningStepsMs: sql<
        string | null
      >`sum(greatest(0, extract(epoch from ${now.toISOString()}::timestamptz - date_trunc('milliseconds', ${attempts.startedAt})) * 1000)) filter (where ${attempts.finishedAt} is null)`,
    })
    .from(attempts)
    .where(and(inArray(attempts.runId, runIds), isNull(attempts.reusedFrom)))
    .groupBy(attempts.runId, attempts.runAttempt);
  const out = new Map<string, ExecutionTime>();
  for (const r of rows) {
    if (which.get(r.runId) !== r.runAttempt) continue;
    out.set(
      r.runId,
      fromSpan(
        r.runAttempt,
        {
          firstStart: r.firstStartMs === null ? null : new Date(Math.round(Number(r.firstStartMs))),
          lastEnd: r.lastEndMs === null ? null : new Date(Math.round(Number(r.lastEndMs))),
          over: Number(r.unfinished) === 0,
          endedStepsMs: Math.max(0, Math.round(Number(r.endedStepsMs ?? 0))),
          runningStepsMs: Math.round(Number(r.runningStepsMs ?? 0)),
        },
        { now, ongoing: ongoing.has(r.runId) },
      ),
    );
  }
  return out;
}

/** The median of the execution times given (the lower middle of an even count); null for none. */
export function medianMs(values: number[]): number | null {
  if (!values.length) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)];
}
