import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { auditEntries, users } from '@/db/schema';
import { DomainError } from '../errors';
import type { RunRow } from './load';

/**
 * The 409 for a run that is already moving. When an operator's retry or replay
 * set it moving, the message names them, so a second operator (or a
 * double-click) learns what happened instead of a bare "conflict".
 */
export async function runInProgressError(tx: Tx, run: RunRow): Promise<DomainError> {
  const [last] = await tx
    .select({
      action: auditEntries.action,
      at: auditEntries.createdAt,
      secondsAgo: sql<number>`extract(epoch from now() - ${auditEntries.createdAt})::float8`,
      name: users.name,
      userId: users.id,
    })
    .from(auditEntries)
    .leftJoin(users, eq(users.id, auditEntries.actorId))
    .where(
      and(
        eq(auditEntries.targetType, 'run'),
        eq(auditEntries.targetId, run.id),
        inArray(auditEntries.action, ['run.retry', 'item.retry', 'item.replay']),
      ),
    )
    .orderBy(desc(auditEntries.createdAt))
    .limit(1);
  const what = last?.action === 'item.replay' ? 'replayed' : 'retried';
  const message = last
    ? `Already ${what} by ${last.name ?? 'someone'} ${ago(Number(last.secondsAgo))} — run #${run.number} is ${run.status}.`
    : `Run #${run.number} is ${run.status}; wait for it to finish or cancel it first.`;
  return new DomainError('conflict', message, {
    run_status: run.status,
    run_attempt: run.attempt,
    ...(last ? { by: last.name, by_user_id: last.userId, at: last.at.toISOString(), action: last.action } : {}),
  });
}

function ago(seconds: number) {
  if (seconds < 1) return 'just now';
  if (seconds < 60) return `${Math.round(seconds)} s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)} min ago`;
  return `${Math.round(seconds / 3600)} h ago`;
}
