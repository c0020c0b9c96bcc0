import { and, desc, eq, inArray, or, sql, type SQL } from 'drizzle-orm';
import type { Conn, Tx } from '@/db/client';
import { auditEntries, projects } from '@/db/schema';
import type { Actor } from './actor';
import { isInstanceAdmin, readableProjects } from './auth/permissions';
import { DomainError } from './errors';
import { isUuid } from './ids';

export interface AuditInput {
  action: string;
  targetType: string;
  targetId: string;
  /** The project the object belongs to: who may read the entry follows from it (null: instance admins only). */
  projectId?: string | null;
  reason?: string | null;
  details?: Record<string, unknown>;
  /** Where the request came from, when there is no actor to carry it (a failed sign-in). */
  address?: string | null;
}

/**
 * Records a mutation in the same transaction as the change: who (and through
 * which token), what, on which object, from where, and why. Entries cannot be
 * changed or deleted (a trigger refuses it; migration 0008).
 */
export async function recordAudit(tx: Tx | Conn, actor: Actor | null, entry: AuditInput) {
  await tx.insert(auditEntries).values({
    actorId: actor?.userId ?? null,
    actorEmail: actor?.email ?? null,
    tokenId: actor?.token?.id ?? null,
    address: actor?.address ?? entry.address ?? null,
    projectId: entry.projectId ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    reason: entry.reason ?? null,
    details: entry.details ?? {},
  });
}

export interface AuditFilter {
  projectId?: string;
  actorId?: string;
  action?: string;
  cursor?: string | null;
  limit?: number;
}

export type AuditEntry = typeof auditEntries.$inferSelect & { project: string | null };

/**
 * Newest first, keyset-paginated on (created_at, id). An actor reads the
 * entries of projects it may read; entries of no project (users, sign-ins)
 * only instance admins.
 */
export async function listAudit(conn: Conn, actor: Actor, filter: AuditFilter) {
  const limit = Math.min(Math.max(filter.limit ?? 50, 1), 200);
  const where: SQL[] = [];
  const scope = readableProjects(actor);
  if (!isInstanceAdmin(actor)) {
    where.push(scope.all ? sql`${auditEntries.projectId} is not null` : scope.projectIds.length ? inArray(auditEntries.projectId, scope.projectIds) : sql`false`);
  }
  if (filter.projectId) where.push(eq(auditEntries.projectId, filter.projectId));
  if (filter.actorId) where.push(eq(auditEntries.actorId, filter.actorId));
  if (filter.action) {
    // `run` matches every run.* action; `run.retry` exactly that one.
    where.push(filter.action.includes('.') ? eq(auditEntries.action, filter.action) : or(eq(auditEntries.action, filter.action), sql`${auditEntries.action} like ${filter.action + '.%'}`)!);
  }
  const cursor = decodeAuditCursor(filter.cursor);
  if (cursor) where.push(sql`(${auditEntries.createdAt}, ${auditEntries.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  const rows = await conn
    .select({ entry: auditEntries, project: projects.key, cursorAt: sql<string>`${auditEntries.createdAt}::text` })
    .from(auditEntries)
    .leftJoin(projects, eq(projects.id, auditEntries.projectId))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditEntries.createdAt), desc(auditEntries.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r): AuditEntry => ({ ...r.entry, project: r.project })),
    nextCursor: rows.length > limit && last ? Buffer.from(JSON.stringify([last.cursorAt, last.entry.id])).toString('base64url') : null,
  };
}

function decodeAuditCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && isUuid(id)) return { at, id };
  } catch {
    // fall through
  }
  throw new DomainError('bad_request', 'cursor is not one this API gave out.');
}
