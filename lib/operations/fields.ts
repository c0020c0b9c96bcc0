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

/** ISO 8601 with a zone, and a real day (2024-02-30 is refused, not passed to PostgreSQL). */
export const timestamp = z.iso.datetime({ offset: true }).refine((s) => {
  const [y, m, d] = s.slice(0, 10).split('-').map(Number);
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}, 'is not a real date');

export const cursor = z.string().max(500).regex(/^[A-Za-z0-9_-]*$/, 'is not a cursor this API gave out');

export const limit = (max: number) => z.coerce.number().int().min(1).max(max);
