import { asc, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
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

const encoder = new TextEncoder();

/** An event's server-sent-event frame; the `id:` line is the event's id, what a client resumes from. */
const encodeFrame = (e: EventRow) =>
  encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toWire(e))}\n\n`);

/**
 * A position in the stream. Streams go in (xid, id) order: the order in which
 * events become safe to read, which is not id order (ids are taken before
 * commit, and transactions commit in any order).
 */
export interface EventCursor {
  xid: bigint;
  id: number;
}

export const isAfter = (a: EventCursor, b: EventCursor) => a.xid > b.xid || (a.xid === b.xid && a.id > b.id);

const cursorOf = (e: EventRow): EventCursor => ({ xid: e.xid, id: e.id });

const afterCursor = (c: EventCursor): SQL => sql`(${events.xid}, ${events.id}) > (${c.xid.toString()}::xid8, ${c.id})`;

// A transaction older than the oldest one still running has ended: every event
// it wrote is visible now, or never will be. Reading only below that horizon
// is what makes a cursor safe to move past.
const HORIZON = sql`pg_snapshot_xmin(pg_current_snapshot())`;

/** One event read by the hub, its frame encoded once for every client. */
export interface HubEvent {
  row: EventRow;
  bytes: Uint8Array;
}

/** What one read brought, in stream order; `bytes` is every frame of the batch, for clients that see all of it. */
export interface HubBatch {
  events: HubEvent[];
  bytes: Uint8Array;
}

type Listener = (batch: HubBatch) => void;

const PAGE = 500;
// While events above the horizon wait for an older transaction to end, the
// hub looks again soon. A late commit sends its own NOTIFY; these reads cover a
// horizon held back by a transaction that writes no events, or runs in another
// database of the same server (the horizon is server-wide, NOTIFY is not).
// One indexed read per tick, only while something waits.
const PENDING_FIRST_MS = 20;
const PENDING_MAX_MS = 100;
const RETRY_AFTER_ERROR_MS = 1000;
/** With 1,000 clients, reads are at least this far apart (fewer, larger writes to each socket). */
const MAX_COALESCE_MS = 50;
/**
 * While clients are connected the hub also reads this often on its own: a
 * NOTIFY that never arrives (a listener connection that dropped and came
 * back, a notification lost by the embedded database) delays events by at
 * most this long instead of until the next commit. One indexed read a second
 * per process, not per client.
 */
export const SAFETY_READ_MS = 1000;

/**
 * One LISTEN connection per process, fanned out to every SSE client. A NOTIFY
 * only says "there is more"; the hub then reads the new rows in (xid, id) order
 * below the horizon, so nothing depends on NOTIFY payloads or their delivery,
 * and writers never take turns to make ids visible in order.
 */
export class EventHub {
  private cursor: EventCursor = { xid: 0n, id: 0 };
  private listeners = new Set<Listener>();
  private unlisten: (() => Promise<void>) | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private pendingDelay = PENDING_FIRST_MS;
  private stopped = false;
  private lastReadAt = 0;
  private safety: ReturnType<typeof setInterval> | null = null;

  constructor(private readonly database: Database) {}

  /** Starts at the current tail: clients that want the past resume with Last-Event-ID. */
  async start() {
    const [tail] = await this.database.db
      .select({ xid: events.xid, id: events.id })
      .from(events)
      .where(sql`${events.xid} < ${HORIZON}`)
      .orderBy(desc(events.xid), desc(events.id))
      .limit(1);
    if (tail) this.cursor = tail;
    this.unlisten = await this.database.listen(EVENTS_CHANNEL, () => this.onNotify());
    // Events of transactions that were running at the tail query are read now.
    await this.readNew();
    this.safety = setInterval(() => {
      if (this.listeners.size > 0 && !this.reading && !this.timer && Date.now() - this.lastReadAt >= SAFETY_READ_MS) {
        void this.readNew();
      }
    }, SAFETY_READ_MS);
    this.safety.unref?.();
  }

  async stop() {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.safety) clearInterval(this.safety);
    await this.unlisten?.();
    await this.reading;
    this.listeners.clear();
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get clientCount() {
    return this.listeners.size;
  }

  /**
   * The id of the last event the hub delivered (null before any): where a
   * client that connects now and has seen nothing would resume, so that a
   * reconnect before its first event still misses nothing.
   */
  get position(): number | null {
    return this.cursor.id > 0 ? this.cursor.id : null;
  }

  /**
   * A NOTIFY: read now, or, with many clients, not sooner than a few ms after
   * the last read — each read is one write to every client's socket, and a
   * thousand clients written to for every commit cost more than they wait.
   */
  private onNotify() {
    const gap = Math.min(MAX_COALESCE_MS, this.listeners.size / 20);
    const wait = this.lastReadAt + gap - Date.now();
    if (wait <= 0 || this.reading) void this.readNew();
    else this.readLater(wait);
  }

  /** Reads everything new; concurrent calls fold into the read under way plus one more. */
  readNew(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.lastReadAt = Date.now();
    this.reading = (async () => {
      let pending = false;
      let failed = false;
      try {
        do {
          this.readAgain = false;
          pending = await this.readToHorizon();
        } while (this.readAgain);
      } catch (error) {
        failed = true;
        console.error('[reprise] event hub read failed', error);
      } finally {
        this.reading = null;
      }
      if (failed) this.readLater(RETRY_AFTER_ERROR_MS);
      else if (pending) this.readLater(this.nextPendingDelay());
    })();
    return this.reading;
  }

  /** Reads pages up to the horizon; true when committed events wait above it. */
  private async readToHorizon(): Promise<boolean> {
    for (;;) {
      // Rows past the horizon come last in (xid, id) order, so what may be
      // delivered is the prefix marked settled; the rest is read again later.
      const rows = await this.database.db
        .select({ ...getTableColumns(events), settled: sql<boolean>`${events.xid} < ${HORIZON}` })
        .from(events)
        .where(afterCursor(this.cursor))
        .orderBy(asc(events.xid), asc(events.id))
        .limit(PAGE);
      const settled = rows.filter((r) => r.settled).map(({ settled: _, ...row }) => row);
      if (settled.length > 0) {
        this.cursor = cursorOf(settled[settled.length - 1]);
        this.pendingDelay = PENDING_FIRST_MS;
        this.deliver(settled);
      }
      if (settled.length < rows.length) return true;
      if (rows.length < PAGE) return false;
    }
  }

  private deliver(rows: EventRow[]) {
    const batch = encodeBatch(rows);
    for (const listener of this.listeners) {
      try {
        listener(batch);
      } catch (error) {
        console.error('[reprise] event listener failed', error);
      }
    }
  }

  private readLater(ms: number) {
    if (this.stopped || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.readNew();
    }, ms);
    this.timer.unref?.();
  }

  private nextPendingDelay() {
    const delay = this.pendingDelay;
    this.pendingDelay = Math.min(PENDING_MAX_MS, delay * 2);
    return delay;
  }

  /**
   * Where a client that last saw event `id` resumes, or null when that event
   * is gone (deleted by retention, or never existed) and the client must refetch.
   */
  async resumeCursor(id: number): Promise<EventCursor | null> {
    const [row] = await this.database.db
      .select({ xid: events.xid, id: events.id })
      .from(events)
      .where(eq(events.id, id));
    return row ?? null;
  }

  /** Settled events after `cursor` for a resuming client, or 'reset' when the gap is too long to replay. */
  async replay(cursor: EventCursor, filter: EventFilter): Promise<EventRow[] | 'reset'> {
    // Counted whether or not they may be delivered yet: a transaction held
    // open elsewhere on the server must not turn "missed too many" into "missed few".
    const rows = await this.database.db
      .select({ ...getTableColumns(events), settled: sql<boolean>`${events.xid} < ${HORIZON}` })
      .from(events)
      .where(afterCursor(cursor))
      .orderBy(asc(events.xid), asc(events.id))
      .limit(REPLAY_LIMIT + 1);
    if (rows.length > REPLAY_LIMIT) return 'reset';
    // What is not settled yet comes live, once it is.
    const unsettled = rows.findIndex((r) => !r.settled);
    const settled = (unsettled === -1 ? rows : rows.slice(0, unsettled)).map(({ settled: _, ...row }) => row);
    return settled.filter((e) => matches(filter, e));
  }
}

/** Encodes each event's frame once; every client enqueues these bytes. */
export function encodeBatch(rows: EventRow[]): HubBatch {
  const frames = rows.map(encodeFrame);
  const bytes = concatBytes(frames);
  // Each event's bytes are a view into the batch: one copy of the text in memory.
  let offset = 0;
  const hubEvents = rows.map((row, i) => {
    const view = bytes.subarray(offset, offset + frames[i].byteLength);
    offset += frames[i].byteLength;
    return { row, bytes: view };
  });
  return { events: hubEvents, bytes };
}

export function concatBytes(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}
