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
 * Writers do not take turns: each event row records its transaction's id
 * (the `xid` column's default), and readers order by (xid, id) and read only
 * below the oldest transaction still running (lib/event-hub.ts), so an event
 * that commits after a later id is still read in its place. One NOTIFY per
 * transaction tells listeners to read on.
 */
export async function transact<T>(db: Db, work: (tx: Tx, sink: EventSink) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    const pending: NewEvent[] = [];
    const result = await work(tx, { emit: (e) => pending.push(e) });
    if (pending.length > 0) {
      await tx.insert(events).values(
        pending.map((e) => ({ type: e.type, projectId: e.projectId ?? null, runId: e.runId ?? null, payload: e.payload })),
      );
      await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
    }
    return result;
  });
}
