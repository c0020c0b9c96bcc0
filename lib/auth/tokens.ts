import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, isNull, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Conn, Db } from '@/db/client';
import { apiTokens, projects, users } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { can, isInstanceAdmin, readableProjects, roleIn } from './permissions';
import { roleAtLeast, type ProjectRole } from './roles';
import { actorOf, SERVICE_PASSWORD } from './users';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

const TOKEN_PREFIX = 'rp_';

/** Stores a new token (its hash only) and returns the secret, which is never readable again. */
export async function issueToken(
  conn: Conn,
  input: { userId: string; name: string; projectId?: string | null; role?: ProjectRole | null; expiresAt?: Date | null },
): Promise<{ id: string; token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(24).toString('base64url')}`;
  const [row] = await conn
    .insert(apiTokens)
    .values({
      userId: input.userId,
      name: input.name,
      tokenHash: hashToken(token),
      projectId: input.projectId ?? null,
      role: input.role ?? null,
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return { id: row.id, token };
}

export interface TokenSummary {
  id: string;
  name: string;
  project: string | null;
  projectId: string | null;
  role: ProjectRole | null;
  owner: { id: string; email: string };
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * A token for one project, with a role no higher than the creator's own there.
 * The secret is in the answer once; the database keeps only its hash.
 */
export async function createApiToken(
  db: Db,
  actor: Actor,
  input: { name: string; projectId: string; role: ProjectRole; expiresAt?: Date | null; reason?: string | null },
): Promise<TokenSummary & { token: string }> {
  const own = roleIn(actor, input.projectId);
  if (!own) throw notFound('Project');
  if (!roleAtLeast(own, input.role)) {
    throw new DomainError('forbidden', `A token's role cannot be above your own (${own}) in this project.`, { your_role: own });
  }
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    throw new DomainError('invalid_inputs', 'The expiry must be in the future.', [{ path: '/expires_at', message: 'must be in the future' }]);
  }
  return db.transaction(async (tx) => {
    const { id, token } = await issueToken(tx, { userId: actor.userId, ...input });
    await recordAudit(tx, actor, {
      action: 'token.create',
      targetType: 'token',
      targetId: id,
      projectId: input.projectId,
      reason: input.reason,
      details: { name: input.name, role: input.role, expires_at: input.expiresAt?.toISOString() ?? null },
    });
    const [summary] = await tokenRows(tx, eq(apiTokens.id, id));
    return { ...summary, token };
  });
}

function tokenRows(conn: Conn, where: SQL | undefined) {
  return conn
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      project: projects.key,
      projectId: apiTokens.projectId,
      role: apiTokens.role,
      owner: { id: users.id, email: users.email },
      createdAt: apiTokens.createdAt,
      expiresAt: apiTokens.expiresAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(projects, eq(projects.id, apiTokens.projectId))
    .where(where)
    .orderBy(desc(apiTokens.createdAt), desc(apiTokens.id));
}

/** The actor's own tokens, and those of the projects it administers (instance admins: all). */
export async function listTokens(conn: Conn, actor: Actor): Promise<TokenSummary[]> {
  if (isInstanceAdmin(actor)) return tokenRows(conn, undefined);
  const scope = readableProjects(actor);
  const administered = scope.all ? [] : scope.projectIds.filter((id) => can(actor, 'project.admin', { projectId: id }));
  const conditions: SQL[] = [eq(apiTokens.userId, actor.userId)];
  for (const id of administered) conditions.push(eq(apiTokens.projectId, id));
  return tokenRows(conn, or(...conditions));
}

/** Revokes a token at once: its owner, an admin of its project, or an instance admin may. */
export async function revokeToken(db: Db, actor: Actor, tokenId: string, reason?: string | null): Promise<TokenSummary> {
  return db.transaction(async (tx) => {
    const [row] = isUuid(tokenId) ? await tx.select().from(apiTokens).where(eq(apiTokens.id, tokenId)).for('update') : [];
    const mayRevoke =
      row &&
      (row.userId === actor.userId || isInstanceAdmin(actor) || (row.projectId !== null && can(actor, 'project.admin', { projectId: row.projectId })));
    if (!row || !mayRevoke) throw notFound('Token');
    if (!row.revokedAt) {
      await tx.update(apiTokens).set({ revokedAt: sql`now()` }).where(eq(apiTokens.id, tokenId));
      await recordAudit(tx, actor, { action: 'token.revoke', targetType: 'token', targetId: tokenId, projectId: row.projectId, reason, details: { name: row.name } });
    }
    const [summary] = await tokenRows(tx, eq(apiTokens.id, tokenId));
    return summary;
  });
}

/**
 * The actor a bearer token acts as, or null: unknown, revoked, expired, or
 * its owner deactivated — each refused at the next request.
 */
export async function actorForToken(db: Db, token: string, address: string | null = null): Promise<Actor | null> {
  const [row] = await db
    .select({ user: users, token: apiTokens })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .where(eq(apiTokens.tokenHash, hashToken(token)));
  if (!row || row.token.revokedAt || !row.user.active) return null;
  if (row.token.expiresAt && row.token.expiresAt.getTime() <= Date.now()) return null;
  await recordTokenUse(db, row.token.id);
  return actorOf(db, row.user, { id: row.token.id, projectId: row.token.projectId, role: row.token.role }, address);
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

/** REPRISE_BOOTSTRAP_TOKEN: an instance admin token with that value, for automation, created once. */
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
