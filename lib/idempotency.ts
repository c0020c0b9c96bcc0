import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { idempotencyKeys } from '@/db/schema';
import { DomainError } from './errors';

export interface StoredResponse {
  status: number;
  body: unknown;
}

/**
 * Runs `operation` at most once per (scope, key). The whole exchange is one
 * transaction holding an advisory lock on the key: a concurrent request with
 * the same key waits, then finds the stored answer and returns it. A failed
 * operation stores nothing, so the key may be used again. The same key with a
 * different body is refused.
 */
export async function withIdempotencyKey(
  db: Db,
  scope: string,
  key: string,
  requestBody: unknown,
  operation: (db: Db) => Promise<StoredResponse>,
): Promise<StoredResponse & { replayed: boolean }> {
  if (key.length > 200) throw new DomainError('bad_request', 'Idempotency-Key must be at most 200 characters.');
  const requestHash = createHash('sha256').update(JSON.stringify(requestBody ?? null)).digest('hex');
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`${scope}\n${key}`}, 0))`);
    const [stored] = await tx
      .select()
      .from(idempotencyKeys)
      .where(and(eq(idempotencyKeys.scope, scope), eq(idempotencyKeys.key, key)));
    if (stored) {
      if (stored.requestHash !== requestHash) {
        throw new DomainError(
          'invalid_inputs',
          'This Idempotency-Key was already used with a different request body; use a new key.',
          [{ path: '', message: 'Idempotency-Key reused with a different body' }],
        );
      }
      return { status: stored.responseStatus, body: JSON.parse(stored.responseBody) as unknown, replayed: true };
    }
    // A transaction is a database handle too: the operation's own transaction
    // becomes a savepoint inside this one.
    const response = await operation(tx);
    await tx.insert(idempotencyKeys).values({
      scope,
      key,
      requestHash,
      responseStatus: response.status,
      responseBody: JSON.stringify(response.body),
    });
    return { ...response, replayed: false };
  });
}
