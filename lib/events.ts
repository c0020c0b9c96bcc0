import { sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import type { EventType } from './event-types';
import { notifyAfterCommit } from './notifier';

export const EVENTS_CHANNEL = 'reprise_events';

export type { EventType };

/** New rows in `events`, written by a statement that has committed: the event hubs read on. */
export const notifyEvents = (db: Db) => notifyAfterCommit(db, EVENTS_CHANNEL);

export interface NewEvent {
  type: EventType;
  projectId?: string | null;
  runId?: string | null;
  payload: Record<string, unknown>;
}

export interface EventSink {
  emit(event: NewEvent): void;
  /** NOTIFY `channel` once the transaction has committed (once, whatever the number of calls); e.g. workers' work channel. */
  wake(channel: string): void;
}

/**
 * Runs `work` in one transaction and writes the events it emitted in that same
 * transaction, so a state change and its event are never seen apart.
 *
 * Writers do not take turns: each event row records its transaction's id
 * (the `xid` column's default), and readers order by (xid, id) and read only
 * below the oldest transaction still running (lib/event-hub.ts), so an event
 * that commits after a later id is still read in its place. Listeners are
 * told to read on once the transaction has committed (lib/notifier.ts).
 */
export async function transact<T>(db: Db, work: (tx: Tx, sink: EventSink) => Promise<T>): Promise<T> {
  const channels = new Set<string>();
  const result = await db.transaction(async (tx) => {
    const pending: NewEvent[] = [];
    channels.clear();
    const result = await work(tx, { emit: (e) => pending.push(e), wake: (channel) => channels.add(channel) });
    if (pending.length > 0) {
      // One statement, one parameter, however many events: a run of 2,000 steps starts with 2,000.
      const rows = pending.map((e) => ({
        type: e.type,
        project_id: e.projectId ?? null,
        run_id: e.runId ?? null,
        payload: e.payload,
      }));
      await tx.execute(sql`
        insert into events (type, project_id, run_id, payload)
        select x.type, x.project_id, x.run_id, x.payload
        from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(type text, project_id uuid, run_id uuid, payload jsonb)`);
      channels.add(EVENTS_CHANNEL);
    }
    return result;
  });
  for (const channel of channels) notifyAfterCommit(db, channel);
  return result;
}
