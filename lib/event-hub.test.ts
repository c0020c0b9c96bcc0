import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '@/db/schema';
import type { Actor } from './actor';
import { eventStream } from './api/event-stream';
import { EventHub, isAfter, type EventRow } from './event-hub';
import { EVENTS_CHANNEL, transact } from './events';
import { collectFrames } from './testing/sse-frames';
import { createTestDatabase, createTestUser, waitFor } from './testing/test-db';

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

const WRITERS = 40;
const TRANSACTIONS = 25;
const RESUME_AT = 300;

/** A stream as the route would open it, read like a browser's EventSource. */
function openStream(hub: EventHub, actor: Actor, lastEventId: number | null) {
  const abort = new AbortController();
  const body = new Response(eventStream(hub, actor, {}, lastEventId, abort.signal)).body!;
  return { ...collectFrames(body), close: () => abort.abort() };
}

// Events wait for every older transaction on the server to end, other
// databases' too: on a shared test server that can take a while.
describe('EventHub', { timeout: 180_000 }, () => {
  let database: TestDatabase;
  let actor: Actor;
  let hub: EventHub;
  // A fresh database and its migrations take long on a busy machine.
  beforeAll(async () => {
    database = await createTestDatabase();
    actor = await createTestUser(database);
    hub = new EventHub(database);
    await hub.start();
  }, 180_000);
  afterAll(async () => {
    await hub.stop();
    await database.drop();
  });

  const eventsMarked = (marker: string) =>
    database.db
      .select()
      .from(events)
      .where(eq(sql`${events.payload}->>'marker'`, marker));

  it('delivers every event exactly once in (xid, id) order while transactions commit out of id order, and a resume mid-stream gets exactly the rest', async () => {
    const marker = `concurrent-${Date.now()}`;
    const received: EventRow[] = [];
    const unsubscribe = hub.subscribe((batch) => {
      for (const { row } of batch.events) if (row.payload.marker === marker) received.push(row);
    });
    let resumed: ReturnType<typeof openStream> | null = null;
    let resumedFrom = -1;

    // Each transaction inserts its events and then, now and then, sleeps
    // before committing: ids and xids are taken in one order, commits land in
    // another, which is what a reader tracking only ids gets wrong.
    const writer = async (w: number) => {
      for (let i = 0; i < TRANSACTIONS; i++) {
        await database.db.transaction(async (tx) => {
          const count = i % 5 === 0 ? 2 : 1;
          await tx
            .insert(events)
            .values(Array.from({ length: count }, (_, k) => ({ type: 'log.appended', payload: { marker, w, i, k } })));
          if ((w + i) % 3 === 0) await tx.execute(sql`select pg_sleep(0.01)`);
          await tx.execute(sql`select pg_notify(${EVENTS_CHANNEL}, '')`);
        });
        if (!resumed && received.length > RESUME_AT) {
          resumedFrom = received[RESUME_AT - 1].id;
          resumed = openStream(hub, actor, resumedFrom);
        }
      }
    };
    await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));

    const written = await eventsMarked(marker);
    const total = written.length;
    expect(total).toBe(WRITERS * TRANSACTIONS * 1.2);
    // On timeout the assertions below say which events were missed.
    await waitFor('the hub to deliver every event', async () => received.length >= total, 30_000).catch(() => {});
    // Nothing arrives late as a duplicate.
    await new Promise((r) => setTimeout(r, 300));
    unsubscribe();

    const ids = received.map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    const missed = written.filter((e) => !ids.includes(e.id)).map((e) => e.id);
    expect(missed).toEqual([]);
    expect(ids.length).toBe(total);
    for (let i = 1; i < received.length; i++) expect(isAfter(received[i], received[i - 1])).toBe(true);

    expect(resumed).not.toBeNull();
    const stream = resumed!;
    const rest = ids.slice(RESUME_AT);
    const ours = () => stream.frames.filter((fr) => fr.data.data.marker === marker).map((fr) => fr.id);
    await waitFor('the resumed stream to catch up', async () => ours().length >= rest.length, 60_000);
    expect(ours()).toEqual(rest);
    expect(stream.named).not.toContain('reset');
    stream.close();
  });

  it('a resume from an event that no longer exists is told to refetch, then stays live', async () => {
    const [gone] = await transact(database.db, async (tx) =>
      tx
        .insert(events)
        .values({ type: 'log.appended', payload: { marker: 'gone' } })
        .returning(),
    );
    await database.db.delete(events).where(eq(events.id, gone.id));
    const stream = openStream(hub, actor, gone.id);
    await waitFor('reset', async () => stream.named.includes('reset'));
    await transact(database.db, async (_tx, sink) =>
      sink.emit({ type: 'log.appended', payload: { marker: 'after-reset' } }),
    );
    await waitFor('the next event', async () => stream.frames.some((fr) => fr.data.data.marker === 'after-reset'));
    stream.close();
  });

  it('an event whose NOTIFY never came still arrives, by the hub reading on its own while clients listen', async () => {
    const stream = openStream(hub, actor, null);
    // Written as transact() writes it, but without the pg_notify: as if the notification were lost.
    await database.db.execute(
      sql`insert into events (type, payload) values ('log.appended', ${JSON.stringify({ marker: 'unannounced' })}::jsonb)`,
    );
    await waitFor('the unannounced event', async () =>
      stream.frames.some((fr) => fr.data.data.marker === 'unannounced'),
    );
    stream.close();
  });

  it('an event waits while an older transaction is open anywhere, and arrives once that one ends', async () => {
    const stream = openStream(hub, actor, null);
    const arrived = () => stream.frames.some((fr) => fr.data.data.marker === 'held');
    let release = () => {};
    const released = new Promise<void>((resolve) => (release = resolve));
    let holding: Promise<unknown> = Promise.resolve();
    if (database.kind === 'postgres') {
      // A transaction that writes no event but holds an xid older than the
      // event's: its end sends no NOTIFY, so only the hub's own timer reads on.
      let started = () => {};
      const hasXid = new Promise<void>((resolve) => (started = resolve));
      holding = database.db.transaction(async (tx) => {
        await tx.execute(sql`select pg_current_xact_id()`);
        started();
        await released;
      });
      await hasXid;
    }
    await transact(database.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker: 'held' } }));
    if (database.kind === 'postgres') {
      await new Promise((r) => setTimeout(r, 1000));
      const [row] = await database.db
        .select()
        .from(events)
        .where(and(eq(sql`${events.payload}->>'marker'`, 'held')));
      expect(row).toBeDefined();
      expect(arrived()).toBe(false);
    }
    release();
    await holding;
    await waitFor('the held event', async () => arrived());
    stream.close();
  });
});
