import type { Tx } from '@/db/client';
import { auditEntries } from '@/db/schema';
import type { Actor } from './actor';

export async function recordAudit(
  tx: Tx,
  actor: Actor | null,
  entry: { action: string; targetType: string; targetId: string; reason?: string | null; details?: Record<string, unknown> },
) {
  await tx.insert(auditEntries).values({
    actorId: actor?.userId ?? null,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    reason: entry.reason ?? null,
    details: entry.details ?? {},
  });
}
