import { createHash, randomBytes } from 'node:crypto';
import { and, eq, isNull, lt, or, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { apiTokens, users } from '@/db/schema';
import type { Actor } from '../actor';
import { SERVICE_PASSWORD, toActor } from './users';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Creates an API token for a user; the secret is returned once and only its hash is stored. */
export async function createApiToken(db: Db, userId: string, name: string): Promise<{ id: string; token: string }> {
  const token = `rp_${randomBytes(24).toString('base64url')}`;
  const [row] = await db.insert(apiTokens).values({ userId, name, tokenHash: hashToken(token) }).returning();
  return { id: row.id, token };
}

export async function actorForToken(db: Db, token: string): Promise<Actor | null> {
  const [row] = await db
    .select({ user: users, tokenId: apiTokens.id })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashToken(token)));
  if (!row) return null;
  await recordTokenUse(db, row.tokenId);
  return toActor(row.user);
}

/**
 * `last_used_at` to the minute: writing it on every request (each SSE
 * connection, each API call) would make every read a write.
 */
async function recordTokenUse(db: Db, tokenId: string) {
  await db
    .update(apiTokens)
    .set({ lastUsedAt: sql`now()` })
    .where(
      and(
        eq(apiTokens.id, tokenId),
        or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, sql`now() - interval '1 minute'`)),
      ),
    );
}

/** REPRISE_BOOTSTRAP_TOKEN: an admin token with that value, for automation, created once. */
export async function ensureBootstrapToken(db: Db, token: string) {
  await db
    .insert(users)
    .values({ email: 'automation@reprise.local', name: 'Automation', role: 'admin', passwordHash: SERVICE_PASSWORD })
    .onConflictDoNothing();
  const [owner] = await db.select().from(users).where(eq(users.email, 'automation@reprise.local'));
  await db
    .insert(apiTokens)
    .values({ userId: owner.id, name: 'bootstrap (REPRISE_BOOTSTRAP_TOKEN)', tokenHash: hashToken(token) })
    .onConflictDoNothing();
}
