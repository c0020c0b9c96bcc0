import { and, asc, count, gt, max } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { events } from '@/db/schema';
import { EVENTS_CHANNEL } from './events';

export type EventRow = typeof events.$inferSelect;

export interface EventFilter {
  projectId?: string;
  runId?: string;
}

/** An event as sent to clients: ids and small payloads; clients fetch the rest. */
export interface WireEvent {
  id: number;
  type: string;
  project_id: string | null;
  run_id: string | null;
  at: string;
  data: Record<string, unknown>;
}

/** Beyond this many missed events a resuming client is told to refetch instead. */
export const REPLAY_LIMIT = 1000;

export const toWire = (e: EventRow): WireEvent => ({
  id: e.id,
  type: e.type,
  project_id: e.projectId,
  run_id: e.runId,
  at: e.createdAt.toISOString(),
  data: e.payload,
});

export const matches = (filter: EventFilter, e: EventRow) =>
  (!filter.projectId || e.projectId === filter.projectId) && (!filter.runId || e.runId === filter.runId);

type Listener = (event: EventRow) => void;

/**
 * One LISTEN connection per process, fanned out to every SSE client. A NOTIFY
 * only says "there is more"; the hub then reads the new rows from the events
 * table in id order, so nothing depends on NOTIFY payloads or their delivery.
 */
export class EventHub {
  private lastId = 0;
  private listeners = new Set<Listener>();
  private unlisten: (() => Promise<void>) | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;

  constructor(private readonly database: Database) {}

  async start() {
    const [row] = await this.database.db.select({ id: max(events.id) }).from(events);
    this.lastId = Number(row?.id ?? 0);
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, () => void this.readNew());
  }

  async stop() {
    await this.unlisten?.();
    this.listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get clientCount() {
    return this.listeners.size;
  }

  private readNew(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.readAgain = false;
          for (;;) {
            const rows = await this.database.db
              .select()
              .from(events)
              .where(gt(events.id, this.lastId))
              .orderBy(asc(events.id))
              .limit(500);
            for (const row of rows) {
              this.lastId = row.id;
              for (const listener of this.listeners) listener(row);
            }
            if (rows.length < 500) break;
          }
        } while (this.readAgain);
      } catch (error) {
        console.error('[reprise] event hub read failed', error);
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  /** Events after `afterId` for a resuming client, or 'reset' when the gap is too old to replay. */
  async replay(afterId: number, filter: EventFilter): Promise<EventRow[] | 'reset'> {
    const db = this.database.db;
    const [{ n }] = await db.select({ n: count() }).from(events).where(gt(events.id, afterId));
    if (n > REPLAY_LIMIT) return 'reset';
    const rows = await db.select().from(events).where(and(gt(events.id, afterId))).orderBy(asc(events.id));
    return rows.filter((e) => matches(filter, e));
  }
}
