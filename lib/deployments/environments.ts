import { asc, eq, sql } from 'drizzle-orm';
import type { Conn, Db } from '@/db/client';
import { environments } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import type { ProjectRole } from '../auth/roles';

export type EnvironmentRow = typeof environments.$inferSelect;

export async function listEnvironments(conn: Conn, projectId: string): Promise<EnvironmentRow[]> {
  return conn.select().from(environments).where(eq(environments.projectId, projectId)).orderBy(asc(environments.name));
}

/**
 * Names the lowest role that may deploy to an environment (null: unprotected,
 * operators may). The environment is created if no step has deployed to it yet,
 * so production can be protected before its first deployment.
 */
export async function setEnvironmentProtection(
  db: Db,
  actor: Actor,
  projectId: string,
  name: string,
  requiredRole: ProjectRole | null,
  reason?: string | null,
): Promise<EnvironmentRow> {
  return db.transaction(async (tx) => {
    await tx.insert(environments).values({ projectId, name }).onConflictDoNothing();
    const [before] = await tx
      .select()
      .from(environments)
      .where(sql`${environments.projectId} = ${projectId} and ${environments.name} = ${name}`)
      .for('update');
    const protection = requiredRole ? { requiredRole } : {};
    const [after] = await tx.update(environments).set({ protection }).where(eq(environments.id, before.id)).returning();
    await recordAudit(tx, actor, {
      action: 'environment.protect',
      targetType: 'environment',
      targetId: after.id,
      projectId,
      reason,
      details: { environment: name, from: before.protection.requiredRole ?? null, to: requiredRole },
    });
    return after;
  });
}
