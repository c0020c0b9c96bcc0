import { lt, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { events, idempotencyKeys, rateLimits } from '@/db/schema';
import { parseDuration } from './duration';
import { longestWindowMs, rateLimitsFromEnv } from './rate-limit';

/**
 * How long history that only serves replays is kept. Runs, attempts and their
 * logs are not touched here: they are the record of what happened.
 */
export interface RetentionPolicy {
  /** Events feed live views and `Last-Event-ID` resume; older ones serve no one. */
  eventsMs: number | null;
  /** An idempotency key only needs to outlive a client's retries. */
  idempotencyKeysMs: number | null;
  /**
   * A rate-limit window that ended counts nothing: its row is deleted once it
   * is older than the longest configured window (deleting a row whose window
   * is still open would forgive its hits).
   */
  rateLimitsMs: number;
}

const DEFAULTS = { events: '7d', idempotencyKeys: '24h' };

/** Reads REPRISE_EVENT_RETENTION and REPRISE_IDEMPOTENCY_TTL ("off" keeps rows forever) and the rate limits' windows; throws on a malformed value. */
export function retentionFromEnv(env: Record<string, string | undefined> = process.env): RetentionPolicy {
  return {
    eventsMs: retentionSetting(env, 'REPRISE_EVENT_RETENTION', DEFAULTS.events),
    idempotencyKeysMs: retentionSetting(env, 'REPRISE_IDEMPOTENCY_TTL', DEFAULTS.idempotencyKeys),
    rateLimitsMs: longestWindowMs(rateLimitsFromEnv(env)),
  };
}

function retentionSetting(env: Record<string, string | undefined>, name: string, fallback: string): number | null {
  const text = env[name]?.trim() || fallback;
  if (text === 'off') return null;
  const ms = parseDuration(text);
  if (!ms) throw new Error(`${name} must be a duration such as "${fallback}" (units ms, s, m, h, d) or "off"; got "${text}".`);
  return ms;
}

export interface SweepOptions {
  /** Rows per DELETE: each statement is short and holds few row locks. */
  batchSize?: number;
  /** Pause between batches, so the sweep leaves room to the engine's writes. */
  pauseMs?: number;
  /** Asked before each batch; true ends the sweep early (shutdown). */
  stopping?: () => boolean;
}

export interface SweepResult {
  events: number;
  idempotencyKeys: number;
  rateLimits: number;
  /** Another process was sweeping: this one left it the work. */
  skipped: boolean;
}

// Every process sharing the database runs the sweep; one at a time does the work.
const SWEEP_LOCK = 727277;

/**
 * Deletes expired events and idempotency keys in small batches. Each batch is
 * its own short transaction that first tries the sweep's advisory lock: a
 * process that finds it taken stops, leaving the sweep to the holder.
 */
export async function sweepRetention(db: Db, policy: RetentionPolicy, options: SweepOptions = {}): Promise<SweepResult> {
  const { batchSize = 2_000, pauseMs = 100, stopping = () => false } = options;
  const result: SweepResult = { events: 0, idempotencyKeys: 0, rateLimits: 0, skipped: false };
  const tables = [
    { name: 'events' as const, keepMs: policy.eventsMs, deleteBatch: deleteExpiredEvents },
    { name: 'idempotencyKeys' as const, keepMs: policy.idempotencyKeysMs, deleteBatch: deleteExpiredIdempotencyKeys },
    { name: 'rateLimits' as const, keepMs: policy.rateLimitsMs, deleteBatch: deleteExpiredRateLimits },
  ];
  for (const table of tables) {
    if (table.keepMs === null) continue;
    for (;;) {
      if (stopping()) return result;
      const deleted = await db.transaction(async (tx) => {
        const locked = await tryLock(tx);
        return locked ? table.deleteBatch(tx, table.keepMs!, batchSize) : null;
      });
      if (deleted === null) return { ...result, skipped: true };
      result[table.name] += deleted;
      if (deleted < batchSize) break;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  return result;
}

async function tryLock(tx: Db) {
  const result: unknown = await tx.execute(sql`select pg_try_advisory_xact_lock(${SWEEP_LOCK}) as locked`);
  // postgres.js answers with the rows, PGlite with { rows }.
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { locked: boolean }[];
  return rows[0].locked;
}

const olderThan = (ms: number) => sql`now() - ${`${ms} milliseconds`}::interval`;

async function deleteExpiredEvents(db: Db, keepMs: number, batchSize: number) {
  const expired = db.select({ id: events.id }).from(events).where(lt(events.createdAt, olderThan(keepMs))).limit(batchSize);
  const deleted = await db.delete(events).where(sql`${events.id} in (${expired})`).returning({ id: events.id });
  return deleted.length;
}

async function deleteExpiredIdempotencyKeys(db: Db, keepMs: number, batchSize: number) {
  const expired = db
    .select({ scope: idempotencyKeys.scope, key: idempotencyKeys.key })
    .from(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, olderThan(keepMs)))
    .limit(batchSize);
  const deleted = await db
    .delete(idempotencyKeys)
    .where(sql`(${idempotencyKeys.scope}, ${idempotencyKeys.key}) in (${expired})`)
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}

async function deleteExpiredRateLimits(db: Db, keepMs: number, batchSize: number) {
  const expired = db.select({ key: rateLimits.key }).from(rateLimits).where(lt(rateLimits.windowStartedAt, olderThan(keepMs))).limit(batchSize);
  const deleted = await db.delete(rateLimits).where(sql`${rateLimits.key} in (${expired})`).returning({ key: rateLimits.key });
  return deleted.length;
}

export interface RunningRetention {
  stop(): Promise<void>;
}

/**
 * Sweeps shortly after start, then every hour. A failed sweep (database
 * restarting) is logged and tried again at the next hour; stop() waits for a
 * sweep in progress to end its current batch, so the database can be closed.
 */
export function startRetention(
  db: Db,
  policy: RetentionPolicy,
  { firstAfterMs = 30_000, everyMs = 3_600_000, log = (m: string) => console.log(`[reprise] ${m}`) } = {},
): RunningRetention {
  let stopped = false;
  let sweeping: Promise<void> | null = null;
  const sweep = () => {
    if (sweeping) return;
    sweeping = sweepRetention(db, policy, { stopping: () => stopped }).then(
      (r) => {
        if (r.events || r.idempotencyKeys || r.rateLimits) {
          log(`retention: deleted ${r.events} events, ${r.idempotencyKeys} idempotency keys and ${r.rateLimits} rate-limit windows`);
        }
      },
      (error: unknown) => log(`retention sweep failed, trying again later: ${(error as Error).message}`),
    ).finally(() => (sweeping = null));
  };
  const first = setTimeout(sweep, firstAfterMs);
  const hourly = setInterval(sweep, everyMs);
  first.unref();
  hourly.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(hourly);
      await sweeping;
    },
  };
}
