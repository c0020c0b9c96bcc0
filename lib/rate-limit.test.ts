import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pipelinesRoute from '@/app/api/v1/pipelines/route';
import { openDatabase } from '@/db/client';
import { auditEntries, rateLimits, users } from '@/db/schema';
import type { Actor } from './actor';
import { signInWithPassword } from './auth/sign-in';
import { issueToken } from './auth/tokens';
import { rowsOf } from './engine/sql-rows';
import { RateLimitedError } from './errors';
import { hit, limitApiCall, rateLimitsFromEnv, tooManySignInsMessage, type RateLimits } from './rate-limit';
import { apiClient } from './testing/api-client';
import { createTestDatabase, createTestUser } from './testing/test-db';

const MINUTE = 60_000;
const PASSWORD = 'correct horse battery'; // createTestUser's

let database: Awaited<ReturnType<typeof createTestDatabase>>;
let api: Awaited<ReturnType<typeof apiClient>>;
let admin: Actor;
beforeAll(async () => {
  database = await createTestDatabase();
  admin = await createTestUser(database);
  api = await apiClient(database, admin);
}, 180_000);
afterAll(async () => {
  await api?.runtime.hub.stop();
  await database?.drop();
});

let keyCount = 0;
const freshKey = () => `test:${++keyCount}:${Date.now()}`;

describe('the fixed-window counter', () => {
  const limit = { max: 3, windowMs: 15 * MINUTE };

  it('allows max hits in a window, then refuses with the seconds left in it', async () => {
    const key = freshKey();
    const start = new Date('2026-01-01T10:00:00Z');
    const at = (ms: number) => new Date(start.getTime() + ms);
    const results = [];
    for (const offset of [0, MINUTE, 2 * MINUTE, 5 * MINUTE])
      results.push(await hit(database.db, key, limit, at(offset)));
    expect(results.map((r) => [r.allowed, r.hits])).toEqual([
      [true, 1],
      [true, 2],
      [true, 3],
      [false, 4],
    ]);
    // The window opened at the first hit: 10 minutes of its 15 remain.
    expect(results[3].retryAfterSeconds).toBe(600);
    const later = await hit(database.db, key, limit, at(14 * MINUTE + 59_500));
    expect(later).toEqual({ allowed: false, hits: 5, retryAfterSeconds: 1 });
  });

  it('starts a new window once the old one has ended, counting from that hit', async () => {
    const key = freshKey();
    const start = new Date('2026-01-01T10:00:00Z');
    const at = (ms: number) => new Date(start.getTime() + ms);
    for (let i = 0; i < 5; i++) await hit(database.db, key, limit, at(i * 1000));
    expect((await hit(database.db, key, limit, at(15 * MINUTE))).allowed).toBe(true);
    const [row] = await database.db.select().from(rateLimits).where(eq(rateLimits.key, key));
    expect(row.hits).toBe(1);
    expect(row.windowStartedAt.getTime()).toBe(at(15 * MINUTE).getTime());
    expect((await hit(database.db, key, limit, at(16 * MINUTE))).hits).toBe(2);
  });

  it('keys count apart', async () => {
    const [a, b] = [freshKey(), freshKey()];
    for (let i = 0; i < 4; i++) await hit(database.db, a, limit);
    expect(await hit(database.db, b, limit)).toEqual({ allowed: true, hits: 1, retryAfterSeconds: 0 });
  });

  it('uses the database clock when no clock is given', async () => {
    const key = freshKey();
    const first = await hit(database.db, key, { max: 1, windowMs: MINUTE });
    const second = await hit(database.db, key, { max: 1, windowMs: MINUTE });
    expect(first.allowed).toBe(true);
    expect(second.allowed).toBe(false);
    expect(second.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(second.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('never allows more than the limit among many concurrent hits', async () => {
    const key = freshKey();
    const concurrent = { max: 20, windowMs: MINUTE };
    const results = await Promise.all(Array.from({ length: 60 }, () => hit(database.db, key, concurrent)));
    expect(results.filter((r) => r.allowed)).toHaveLength(20);
    // Every hit was counted exactly once: the counts are 1..60, each seen by one hit.
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
  });

  // PGlite is one process; PostgreSQL serves any number of app instances.
  it.skipIf(!process.env.DATABASE_URL)(
    'shares the count between app instances (separate connection pools)',
    async () => {
      const [{ name }] = rowsOf(await database.db.execute(sql`select current_database() as name`));
      const url = new URL(process.env.DATABASE_URL!);
      url.pathname = `/${String(name)}`;
      const other = await openDatabase({ databaseUrl: url.toString() });
      try {
        const key = freshKey();
        const shared = { max: 25, windowMs: MINUTE };
        const results = await Promise.all(
          Array.from({ length: 80 }, (_, i) => hit((i % 2 ? other : database).db, key, shared)),
        );
        expect(results.filter((r) => r.allowed)).toHaveLength(25);
      } finally {
        await other.close();
      }
    },
  );
});

describe('the API limit', () => {
  it('answers 429 with Retry-After for a token over its limit, while another token goes on', async () => {
    const before = process.env.REPRISE_RATE_LIMIT_API;
    process.env.REPRISE_RATE_LIMIT_API = '3/1m';
    try {
      const other = await issueToken(database.db, { userId: admin.userId, name: 'other' });
      const statuses = [];
      for (let i = 0; i < 3; i++)
        statuses.push((await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines' })).status);
      expect(statuses).toEqual([200, 200, 200]);

      const refused = await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines' });
      expect(refused.status).toBe(429);
      expect(refused.json.error).toEqual({
        code: 'rate_limited',
        message: expect.stringMatching(/^Too many requests: at most 3 per 1m for this token; try again in \d+ s\.$/),
        details: { retry_after_seconds: expect.any(Number) },
      });
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(refused.json.error.details.retry_after_seconds).toBe(retryAfter);

      expect((await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines', token: other.token })).status).toBe(200);
      // Without an identity the call is not counted against anyone: it is simply 401.
      expect((await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines', token: null })).status).toBe(401);
    } finally {
      if (before === undefined) delete process.env.REPRISE_RATE_LIMIT_API;
      else process.env.REPRISE_RATE_LIMIT_API = before;
    }
  });

  it('counts a signed-in user (no token) per user', async () => {
    const limits: RateLimits = { signInAccount: null, signInAddress: null, api: { max: 2, windowMs: MINUTE } };
    const [a, b] = [await createTestUser(database, 'member'), await createTestUser(database, 'member')];
    await limitApiCall(database.db, a, limits);
    await limitApiCall(database.db, a, limits);
    await expect(limitApiCall(database.db, a, limits)).rejects.toThrow(RateLimitedError);
    await expect(limitApiCall(database.db, b, limits)).resolves.toBeUndefined();
    const [row] = await database.db
      .select()
      .from(rateLimits)
      .where(eq(rateLimits.key, `api:user:${a.userId}`));
    expect(row.hits).toBe(3);
  });

  it('counts nothing when off', async () => {
    const limits: RateLimits = { signInAccount: null, signInAddress: null, api: null };
    for (let i = 0; i < 5; i++) await limitApiCall(database.db, admin, limits);
  });
});

describe('sign-in limits', () => {
  const limits = (account: number, address: number): RateLimits => ({
    signInAccount: { max: account, windowMs: 15 * MINUTE },
    signInAddress: { max: address, windowMs: 15 * MINUTE },
    api: null,
  });
  let addressCount = 0;
  const freshAddress = () => `198.51.100.${++addressCount}`;

  /**
   * A user whose stored hash the verifier cannot compute with (scrypt refuses
   * N=3): checking any password for it throws. A refusal that comes back as
   * data shows the password was never looked at.
   */
  async function trapUser() {
    const email = `trap-${++keyCount}@example.test`;
    await database.db
      .insert(users)
      .values({ email, name: 'Trap', role: 'member', passwordHash: 'scrypt$3$8$1$c2FsdA==$a2V5' });
    return email;
  }

  const refusals = (email: string) =>
    database.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.action, 'auth.sign_in_failed'), eq(auditEntries.targetId, email)));

  it('the trap user really throws when its password is checked', async () => {
    const email = await trapUser();
    await expect(
      signInWithPassword(database.db, { email, password: 'x', address: freshAddress() }, limits(5, 5)),
    ).rejects.toThrow();
  });

  it('refuses an account over its limit, even with the right password, without checking it; audited as rate_limited', async () => {
    const user = await createTestUser(database, 'member');
    const address = freshAddress();
    for (let i = 0; i < 3; i++) {
      // The email is counted lower-cased: the case of the letters makes no new account.
      const email = i % 2 ? user.email.toUpperCase() : user.email;
      expect(
        await signInWithPassword(database.db, { email, password: 'wrong password', address }, limits(3, 100)),
      ).toEqual({ ok: false, reason: 'credentials' });
    }
    const refused = await signInWithPassword(
      database.db,
      { email: user.email, password: PASSWORD, address },
      limits(3, 100),
    );
    expect(refused).toEqual({ ok: false, reason: 'rate_limited', retryAfterSeconds: expect.any(Number) });
    if (refused.ok || refused.reason !== 'rate_limited') throw new Error('expected a rate-limited refusal');
    expect(refused.retryAfterSeconds).toBeGreaterThan(14 * 60);
    expect(tooManySignInsMessage(refused.retryAfterSeconds)).toBe(
      'Too many sign-in attempts; try again in 15 minutes.',
    );

    const entries = await refusals(user.email);
    expect(entries.map((e) => e.reason)).toEqual([null, null, null, 'rate_limited']);
    expect(entries[3]).toMatchObject({
      address,
      details: { limit: 'account', retry_after_seconds: refused.retryAfterSeconds },
    });

    // The limit is the account's, not the address's: another account signs in from there.
    const other = await createTestUser(database, 'member');
    expect(
      await signInWithPassword(database.db, { email: other.email, password: PASSWORD, address }, limits(3, 100)),
    ).toMatchObject({ ok: true });

    const trap = await trapUser();
    for (let i = 0; i < 3; i++) await hit(database.db, `signin:account:${trap}`, limits(3, 100).signInAccount!);
    expect(
      await signInWithPassword(
        database.db,
        { email: trap, password: 'anything', address: freshAddress() },
        limits(3, 100),
      ),
    ).toMatchObject({
      ok: false,
      reason: 'rate_limited',
    });
  });

  it('refuses an address over its limit for every account, without checking the password', async () => {
    const address = freshAddress();
    for (let i = 0; i < 4; i++) {
      const result = await signInWithPassword(
        database.db,
        { email: `nobody-${i}@example.test`, password: 'guess', address },
        limits(10, 4),
      );
      expect(result).toEqual({ ok: false, reason: 'credentials' });
    }
    const user = await createTestUser(database, 'member');
    expect(
      await signInWithPassword(database.db, { email: user.email, password: PASSWORD, address }, limits(10, 4)),
    ).toMatchObject({
      ok: false,
      reason: 'rate_limited',
    });
    const trap = await trapUser();
    expect(
      await signInWithPassword(database.db, { email: trap, password: 'guess', address }, limits(10, 4)),
    ).toMatchObject({
      ok: false,
      reason: 'rate_limited',
    });
    // The first refusal of the window is audited; later ones are not (the audit is never swept).
    expect((await refusals(user.email)).map((e) => e.reason)).toEqual(['rate_limited']);
    expect((await refusals(user.email))[0]).toMatchObject({ address, details: { limit: 'address' } });
    expect(await refusals(trap)).toEqual([]);
    // A refused address does not count against the accounts it named.
    expect(
      await database.db
        .select()
        .from(rateLimits)
        .where(eq(rateLimits.key, `signin:account:${trap}`)),
    ).toEqual([]);
    // The same account from elsewhere is fine.
    expect(
      await signInWithPassword(
        database.db,
        { email: user.email, password: PASSWORD, address: freshAddress() },
        limits(10, 4),
      ),
    ).toMatchObject({ ok: true });
  });

  it('a successful sign-in clears its account count but not its address count', async () => {
    const user = await createTestUser(database, 'member');
    const address = freshAddress();
    const attempt = (password: string) =>
      signInWithPassword(database.db, { email: user.email, password, address }, limits(3, 6));
    await attempt('wrong');
    await attempt('wrong');
    expect(await attempt(PASSWORD)).toMatchObject({ ok: true });
    // Two more wrong ones would be four on the account without the reset.
    expect(await attempt('wrong')).toEqual({ ok: false, reason: 'credentials' });
    expect(await attempt('wrong')).toEqual({ ok: false, reason: 'credentials' });
    // The address has counted all five, and a sixth; the seventh is over.
    expect(await attempt(PASSWORD)).toMatchObject({ ok: true });
    expect(await attempt(PASSWORD)).toMatchObject({ ok: false, reason: 'rate_limited' });
  });

  it('counts no address when the client address is unknown', async () => {
    const user = await createTestUser(database, 'member');
    for (let i = 0; i < 3; i++) {
      expect(
        await signInWithPassword(database.db, { email: user.email, password: PASSWORD, address: null }, limits(10, 1)),
      ).toMatchObject({ ok: true });
    }
  });

  it('the message rounds up to whole minutes', () => {
    expect(tooManySignInsMessage(1)).toBe('Too many sign-in attempts; try again in 1 minute.');
    expect(tooManySignInsMessage(61)).toBe('Too many sign-in attempts; try again in 2 minutes.');
  });
});

describe('rate-limit settings', () => {
  it('defaults to 10 per 15 minutes per account, 30 per address, 3000 a minute per token', () => {
    expect(rateLimitsFromEnv({})).toEqual({
      signInAccount: { max: 10, windowMs: 15 * MINUTE },
      signInAddress: { max: 30, windowMs: 15 * MINUTE },
      api: { max: 3000, windowMs: MINUTE },
    });
  });

  it('reads limits and "off", for both sign-in limits or either', () => {
    expect(rateLimitsFromEnv({ REPRISE_RATE_LIMIT_SIGNIN: 'off', REPRISE_RATE_LIMIT_API: 'off' })).toEqual({
      signInAccount: null,
      signInAddress: null,
      api: null,
    });
    expect(rateLimitsFromEnv({ REPRISE_RATE_LIMIT_SIGNIN: ' 5/1h , off ', REPRISE_RATE_LIMIT_API: '100/10s' })).toEqual(
      {
        signInAccount: { max: 5, windowMs: 60 * MINUTE },
        signInAddress: null,
        api: { max: 100, windowMs: 10_000 },
      },
    );
  });

  it.each([
    ['REPRISE_RATE_LIMIT_SIGNIN', '10/15m'],
    ['REPRISE_RATE_LIMIT_SIGNIN', '10/15m,30/15m,5/1m'],
    ['REPRISE_RATE_LIMIT_SIGNIN', '10/15m;30/15m'],
    ['REPRISE_RATE_LIMIT_SIGNIN', '0/15m,30/15m'],
    ['REPRISE_RATE_LIMIT_SIGNIN', '10/15 minutes,30/15m'],
    ['REPRISE_RATE_LIMIT_API', '3000'],
    ['REPRISE_RATE_LIMIT_API', '3000/'],
    ['REPRISE_RATE_LIMIT_API', 'lots/1m'],
    ['REPRISE_RATE_LIMIT_API', '-5/1m'],
    ['REPRISE_RATE_LIMIT_API', '1.5/1m'],
    ['REPRISE_RATE_LIMIT_API', '100/500ms'],
    ['REPRISE_RATE_LIMIT_API', 'Off'],
  ])('refuses %s=%s, naming the variable', (name, value) => {
    expect(() => rateLimitsFromEnv({ [name]: value })).toThrow(new RegExp(`^${name}.* must be `));
  });
});
