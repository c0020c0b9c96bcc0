import { asc, eq } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts, type AttemptKind, type AttemptStatus } from '@/db/schema';

export interface TimelineAttempt {
  workItemId: string;
  number: number;
  kind: AttemptKind;
  status: AttemptStatus;
  runAttempt: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

/** The times of every attempt of a run, oldest first per item (by attempts_run_idx). */
export async function listTimelineAttempts(conn: Conn, runId: string): Promise<TimelineAttempt[]> {
  return conn
    .select({
      workItemId: attempts.workItemId,
      number: attempts.number,
      kind: attempts.kind,
      status: attempts.status,
      runAttempt: attempts.runAttempt,
      createdAt: attempts.createdAt,
      startedAt: attempts.startedAt,
      finishedAt: attempts.finishedAt,
    })
    .from(attempts)
    .where(eq(attempts.runId, runId))
    .orderBy(asc(attempts.workItemId), asc(attempts.number));
}

export interface TimelineBar {
  number: number;
  kind: AttemptKind;
  status: AttemptStatus;
  runAttempt: number;
  queuedAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  /** Made in an earlier run attempt than the one shown, or replaced by a later attempt of the step. */
  earlier: boolean;
}

export interface TimelineRow {
  key: string;
  title: string;
  bars: TimelineBar[];
}

/**
 * One row per step, in the run's order, with the step's attempts up to run
 * attempt `shown`: the one that stands for the step in that run attempt last,
 * the ones it replaced (failures retried, automatically or by hand) before it,
 * marked `earlier`. A step with no attempt by then never ran: its row is empty.
 */
export function timelineRows(
  items: { id: string; key: string; title: string }[],
  all: TimelineAttempt[],
  shown: number,
): TimelineRow[] {
  const byItem = new Map<string, TimelineAttempt[]>();
  for (const a of all) if (a.runAttempt <= shown && a.kind !== 'reused') byItem.set(a.workItemId, [...(byItem.get(a.workItemId) ?? []), a]);
  return items.map((item) => {
    const list = (byItem.get(item.id) ?? []).sort((a, b) => a.number - b.number);
    return {
      key: item.key,
      title: item.title,
      bars: list.map((a, i) => ({
        number: a.number,
        kind: a.kind,
        status: a.status,
        runAttempt: a.runAttempt,
        queuedAt: a.createdAt,
        startedAt: a.startedAt,
        finishedAt: a.finishedAt,
        earlier: i < list.length - 1 || a.runAttempt < shown,
      })),
    };
  });
}
