import { sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { events } from '@/db/schema';
import type { EventType } from './event-types';

export const EVENTS_CHANNEL = 'reprise_events';

export type { EventType };

export interface NewEvent {
  type: EventType;
  projectId?: string | null;
  runId?: string | null;
  payload: Record<string, unknown>;
}

export interface EventSink {
  emit(event: NewEvent): void;
}

/**
 * Runs `work` in one transaction and writes the events it emitted in that same
 * transaction, so a state change and its event are never seen apart.
 *
 * Event ids must become visible in id order, or a reader resuming "after id N"
 * could skip an event committed late with a smaller id. The advisory lock,
 * taken just before the insert and held until commit, makes commits that write
 * events take turns; one NOTIFY per transaction tells listeners to read on.
 */
export async function transact<T>(db: Db, work: (tx: Tx, sink: EventSink) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const pending: NewEvent[] = [];
    const result = await work(tx, { emit: (e) => pending.push(e) });
    if (pending.length > 0) {
      await tx.execute(sql`select pg_advisory_xact_lock(727275)`);
      await tx.insert(events).values(
        pending.map((e) => ({ type: e.type, projectId: e.projectId ?? null, runId: e.runId ?? null, payload: e.payload })),
      );
      await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
    }
    return result;
  });
}
