import { count } from 'drizzle-orm';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { events, idempotencyKeys, rateLimits } from '@/db/schema';
import { retentionFromEnv, startRetention, sweepRetention, type RetentionPolicy } from './retention';
import { createTestDatabase, waitFor } from './testing/test-db';

const DAY = 86_400_000;
const MINUTE = 60_000;
const policy: RetentionPolicy = { eventsMs: 7 * DAY, idempotencyKeysMs: DAY, rateLimitsMs: 15 * MINUTE };
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

let database: Awaited<ReturnType<typeof createTestDatabase>>;
// Creating an in-memory PGlite runs initdb: on a busy 2-core machine that alone can pass a minute.
beforeAll(async () => {
  database = await createTestDatabase();
}, 180_000);
afterAll(async () => {
  await database?.drop();
});
beforeEach(async () => {
  await database.db.delete(events);
  await database.db.delete(idempotencyKeys);
  await database.db.delete(rateLimits);
});

async function addEvents(n: number, createdAt: Date, type: string) {
  const rows = Array.from({ length: n }, () => ({ type, payload: {}, createdAt }));
  for (let i = 0; i < rows.length; i += 1_000) await database.db.insert(events).values(rows.slice(i, i + 1_000));
}

let keyCount = 0;
async function addIdempotencyKeys(n: number, createdAt: Date) {
  await database.db.insert(idempotencyKeys).values(
    Array.from({ length: n }, () => ({
      scope: 'test',
      key: `key-${++keyCount}`,
      requestHash: 'h',
      responseStatus: 201,
      responseBody: '{}',
      createdAt,
    })),
  );
}

async function remaining() {
  const db = database.db;
  const byType = await db.select({ type: events.type, n: count() }).from(events).groupBy(events.type);
  const [{ n: keys }] = await db.select({ n: count() }).from(idempotencyKeys);
  return { events: Object.fromEntries(byType.map((r) => [r.type, r.n])), keys };
}

describe('retention sweep', () => {
  it('deletes events and idempotency keys past their age, over several batches, and keeps the recent ones', async () => {
    await addEvents(4_500, daysAgo(8), 'old');
    await addEvents(20, daysAgo(6), 'recent');
    await addIdempotencyKeys(2_100, daysAgo(2));
    await addIdempotencyKeys(10, new Date(Date.now() - DAY / 2));

    const result = await sweepRetention(database.db, policy, { pauseMs: 10 });

    expect(result).toEqual({ events: 4_500, idempotencyKeys: 2_100, rateLimits: 0, skipped: false });
    expect(await remaining()).toEqual({ events: { recent: 20 }, keys: 10 });
  });

  it('keeps a kind of row forever when its retention is off', async () => {
    await addEvents(5, daysAgo(400), 'old');
    await addIdempotencyKeys(5, daysAgo(400));
    const result = await sweepRetention(database.db, { eventsMs: null, idempotencyKeysMs: DAY, rateLimitsMs: 15 * MINUTE });
    expect(result).toEqual({ events: 0, idempotencyKeys: 5, rateLimits: 0, skipped: false });
    expect(await remaining()).toEqual({ events: { old: 5 }, keys: 0 });
  });

  it('deletes rate-limit windows older than the longest window, and keeps the open ones (their hits still count)', async () => {
    const ago = (ms: number) => new Date(Date.now() - ms);
    await database.db.insert(rateLimits).values([
      { key: 'api:token:ended', windowStartedAt: ago(16 * MINUTE), hits: 3000 },
      { key: 'signin:account:ended@example.test', windowStartedAt: ago(2 * DAY), hits: 11 },
      { key: 'signin:address:192.0.2.1', windowStartedAt: ago(14 * MINUTE), hits: 31 },
    ]);
    const result = await sweepRetention(database.db, policy, { pauseMs: 10 });
    expect(result.rateLimits).toBe(2);
    expect((await database.db.select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key)).toEqual(['signin:address:192.0.2.1']);
  });

  it('two sweeps at once neither fail nor delete anything twice', async () => {
    await addEvents(1_200, daysAgo(30), 'old');
    await addEvents(7, daysAgo(1), 'recent');
    await addIdempotencyKeys(300, daysAgo(3));

    const options = { batchSize: 100, pauseMs: 5 };
    const results = await Promise.all([
      sweepRetention(database.db, policy, options),
      sweepRetention(database.db, policy, options),
    ]);
    // A sweep that finds the other one holding the lock stops; the holder
    // carries on to the end. Either way each row was deleted exactly once.
    const total = (k: 'events' | 'idempotencyKeys') => results.reduce((sum, r) => sum + r[k], 0);
    expect(total('events')).toBe(1_200);
    expect(total('idempotencyKeys')).toBe(300);
    expect(await remaining()).toEqual({ events: { recent: 7 }, keys: 0 });
  });

  it('runs by itself shortly after start, and stops cleanly', async () => {
    await addEvents(30, daysAgo(10), 'old');
    await addEvents(3, daysAgo(0), 'recent');
    const logs: string[] = [];
    const retention = startRetention(database.db, policy, { firstAfterMs: 10, log: (m) => logs.push(m) });
    await waitFor('the first sweep', async () => (await remaining()).events.old === undefined);
    await retention.stop();
    await waitFor('its log line', async () => logs.length > 0);
    expect(logs).toEqual(['retention: deleted 30 events, 0 idempotency keys and 0 rate-limit windows']);
    expect(await remaining()).toEqual({ events: { recent: 3 }, keys: 0 });
  });
});

describe('retention settings', () => {
  it('defaults to a week of events and a day of idempotency keys', () => {
    expect(retentionFromEnv({})).toEqual({ eventsMs: 7 * DAY, idempotencyKeysMs: DAY, rateLimitsMs: 15 * MINUTE });
  });

  it('reads durations and "off"', () => {
    expect(retentionFromEnv({ REPRISE_EVENT_RETENTION: '30d', REPRISE_IDEMPOTENCY_TTL: 'off' })).toEqual({
      eventsMs: 30 * DAY,
      idempotencyKeysMs: null,
      rateLimitsMs: 15 * MINUTE,
    });
  });

  it('keeps rate-limit windows as long as the longest configured one', () => {
    expect(retentionFromEnv({ REPRISE_RATE_LIMIT_SIGNIN: '5/1h,off', REPRISE_RATE_LIMIT_API: '100/10s' }).rateLimitsMs).toBe(60 * MINUTE);
  });

  it('refuses a malformed value, naming the variable', () => {
    expect(() => retentionFromEnv({ REPRISE_EVENT_RETENTION: '7 days' })).toThrow(/REPRISE_EVENT_RETENTION must be a duration/);
    expect(() => retentionFromEnv({ REPRISE_IDEMPOTENCY_TTL: '0s' })).toThrow(/REPRISE_IDEMPOTENCY_TTL/);
  });
});
