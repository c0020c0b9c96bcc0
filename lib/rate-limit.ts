import { sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { rateLimits } from '@/db/schema';
import type { Actor } from './actor';
import { parseDuration } from './duration';
import { rowsOf } from './engine/sql-rows';
import { RateLimitedError } from './errors';

/** At most `max` hits per key in each window of `windowMs`. */
export interface Limit {
  max: number;
  windowMs: number;
}

/** null: that limit is off. */
export interface RateLimits {
  signInAccount: Limit | null;
  signInAddress: Limit | null;
  api: Limit | null;
}

export const DEFAULT_LIMITS = { signIn: '10/15m,30/15m', api: '3000/1m' };

/** "10/15m" → 10 hits per 15 minutes; "off" → null; anything else throws, naming the variable. */
export function parseLimit(text: string, name: string): Limit | null {
  const value = text.trim();
  if (value === 'off') return null;
  const match = value.match(/^(\d{1,9})\/(\S+)$/);
  const max = match ? Number(match[1]) : 0;
  const windowMs = match ? parseDuration(match[2]) : null;
  if (!match || max < 1 || !windowMs || windowMs < 1000) {
    throw new Error(
      `${name} must be a limit such as "10/15m" (at least 1 hit per a window of at least 1s; units ms, s, m, h, d) or "off"; got "${text}".`,
    );
  }
  return { max, windowMs };
}

/**
 * REPRISE_RATE_LIMIT_SIGNIN is "<per account>,<per address>" (either may be
 * "off"; a lone "off" turns both off) and REPRISE_RATE_LIMIT_API is one limit
 * per token or per signed-in user. Throws on a malformed value.
 */
export function rateLimitsFromEnv(env: Record<string, string | undefined> = process.env): RateLimits {
  const signInText = env.REPRISE_RATE_LIMIT_SIGNIN?.trim() || DEFAULT_LIMITS.signIn;
  const parts = signInText === 'off' ? ['off', 'off'] : signInText.split(',');
  if (parts.length !== 2) {
    throw new Error(
      `REPRISE_RATE_LIMIT_SIGNIN must be "<per account>,<per address>" such as "${DEFAULT_LIMITS.signIn}", or "off"; got "${signInText}".`,
    );
  }
  return {
    signInAccount: parseLimit(parts[0], 'REPRISE_RATE_LIMIT_SIGNIN (per account)'),
    signInAddress: parseLimit(parts[1], 'REPRISE_RATE_LIMIT_SIGNIN (per address)'),
    api: parseLimit(env.REPRISE_RATE_LIMIT_API?.trim() || DEFAULT_LIMITS.api, 'REPRISE_RATE_LIMIT_API'),
  };
}

// Parsed once per distinct setting: the API door asks on every request.
let cached: { key: string; limits: RateLimits } | null = null;

/** The limits of this process's environment (checked at start by the runtime, so a bad value stops it there). */
export function currentRateLimits(): RateLimits {
  const key = `${process.env.REPRISE_RATE_LIMIT_SIGNIN}\n${process.env.REPRISE_RATE_LIMIT_API}`;
  if (cached?.key !== key) cached = { key, limits: rateLimitsFromEnv() };
  return cached.limits;
}

/** How long rows must be kept for the windows they count to stay intact: the longest window configured. */
export function longestWindowMs(limits: RateLimits): number {
  return Math.max(0, ...[limits.signInAccount, limits.signInAddress, limits.api].map((l) => l?.windowMs ?? 0));
}

export interface HitResult {
  allowed: boolean;
  /** Hits counted in the current window, this one included. */
  hits: number;
  /** Until the window ends (at least 1); 0 when allowed. */
  retryAfterSeconds: number;
}

/**
 * Counts one hit against `key` in a fixed window and says whether it is within
 * the limit. One statement: the upsert takes the row's lock, so concurrent
 * hits from any number of app instances are counted one after the other and
 * never more than `max` are allowed in a window. Both CASEs read the row as it
 * was before the update, so an expired window restarts at this hit. The clock
 * is the database's (shared by every instance) unless a test passes `now`.
 */
export async function hit(conn: Conn, key: string, limit: Limit, now?: Date): Promise<HitResult> {
  const at = now ? sql`${now.toISOString()}::timestamptz` : sql`now()`;
  const expired = sql`${rateLimits.windowStartedAt} <= ${at} - ${`${limit.windowMs} milliseconds`}::interval`;
  const result = await conn.execute(sql`
    insert into ${rateLimits} (key, window_started_at, hits) values (${key}, ${at}, 1)
    on conflict (key) do update set
      hits = case when ${expired} then 1 else ${rateLimits.hits} + 1 end,
      window_started_at = case when ${expired} then ${at} else ${rateLimits.windowStartedAt} end
    returning hits, extract(epoch from (window_started_at + ${`${limit.windowMs} milliseconds`}::interval - ${at})) as remaining_seconds`);
  const [row] = rowsOf(result);
  const hits = Number(row.hits);
  const allowed = hits <= limit.max;
  return { allowed, hits, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(Number(row.remaining_seconds))) };
}

/** Forgets a key's window (a successful sign-in clears its account's failures). */
export async function resetHits(conn: Conn, key: string) {
  await conn.delete(rateLimits).where(sql`${rateLimits.key} = ${key}`);
}

/**
 * Counts an API call against its token (`api:token:<id>`) or, for a session,
 * its user (`api:user:<id>`); throws a RateLimitedError over the limit.
 * Anonymous calls are not counted: they are refused (401) or public.
 */
export async function limitApiCall(conn: Conn, actor: Actor | null, limits: RateLimits = currentRateLimits()) {
  if (!actor || !limits.api) return;
  const key = actor.token ? `api:token:${actor.token.id}` : `api:user:${actor.userId}`;
  const { allowed, retryAfterSeconds } = await hit(conn, key, limits.api);
  if (!allowed) {
    throw new RateLimitedError(
      `Too many requests: at most ${limits.api.max} per ${describeWindow(limits.api.windowMs)} for this ${actor.token ? 'token' : 'user'}; try again in ${retryAfterSeconds} s.`,
      retryAfterSeconds,
    );
  }
}

function describeWindow(ms: number) {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

/** "try again in 3 minutes" for the sign-in page: whole minutes, rounded up. */
export function tooManySignInsMessage(retryAfterSeconds: number) {
  const minutes = Math.max(1, Math.ceil(retryAfterSeconds / 60));
  return `Too many sign-in attempts; try again in ${minutes} ${minutes === 1 ? 'minute' : 'minutes'}.`;
}
