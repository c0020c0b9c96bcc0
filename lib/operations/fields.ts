import { z } from 'zod';

/** Field schemas every declaration shares, so a field means one thing wherever it appears. */

/** Text a person typed (a reason, a name): no NUL, bounded. */
export const text = (max: number) =>
  z
    .string()
    .max(max)
    .refine((s) => !s.includes('\u0000'), 'must not contain NUL characters');

export const reason = text(2000).nullish().describe('Why: shown in the attempt history and the audit log.');

/** A path or query id: anything else is simply not found (path) or refused (query). */
export const id = z.string().max(100);
export const uuid = z.uuid();

const DATE_TIME = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.\d{1,9})?(?:Z|[+-](\d\d)(?::?(\d\d))?)$/i;

/**
 * A date and time PostgreSQL takes as timestamptz without complaint: a real
 * day (2024-02-30 is not), hours below 24, a zone within ±15:59, year 1 on.
 * Checked here so no such value reaches a cast in SQL, where it would fail as
 * a server error.
 */
export function isRealDateTime(s: string): boolean {
  const m = DATE_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, sec, zh = '0', zm = '0'] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v))) as number[];
  const day = new Date(Date.UTC(2000, mo - 1, d));
  day.setUTCFullYear(y);
  const realDay = day.getUTCFullYear() === y && day.getUTCMonth() === mo - 1 && day.getUTCDate() === d;
  return y >= 1 && realDay && h < 24 && mi < 60 && sec < 60 && Number(zh) < 16 && Number(zm) < 60;
}

/** ISO 8601 with a zone, and a real day (2024-02-30 is refused, not passed to PostgreSQL). */
export const timestamp = z.iso.datetime({ offset: true }).refine(isRealDateTime, 'is not a real date');

/** What a list's `next_cursor` holds: base64url of `[created_at, id]`. */
function isIssuedCursor(s: string): boolean {
  if (!s) return true;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(s, 'base64url').toString('utf8'));
    if (!Array.isArray(decoded) || decoded.length !== 2) return false;
    const [at, rowId] = decoded as unknown[];
    return typeof at === 'string' && isRealDateTime(at) && typeof rowId === 'string' && uuid.safeParse(rowId).success;
  } catch {
    return false;
  }
}

/** A keyset cursor this API gave out; anything else is refused at the door, not cast in SQL. */
export const cursor = z
  .string()
  .max(500)
  .regex(/^[A-Za-z0-9_-]*$/, 'is not a cursor this API gave out')
  .refine(isIssuedCursor, 'is not a cursor this API gave out');

/** A page size: an integer within bounds (never past what int4 holds). */
export const limit = (max: number) => z.coerce.number().int().min(1).max(Math.min(max, 2_147_483_647));
