import { and, asc, eq } from 'drizzle-orm';
import type { Conn, Db } from '@/db/client';
import { projectMembers, users } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import type { ProjectRole } from './roles';
import { SERVICE_PASSWORD } from './users';

export interface Member {
  userId: string;
  email: string;
  name: string;
  role: ProjectRole;
  active: boolean;
}

export async function listMembers(conn: Conn, projectId: string): Promise<Member[]> {
  return conn
    .select({ userId: users.id, email: users.email, name: users.name, role: projectMembers.role, active: users.active })
    .from(projectMembers)
    .innerJoin(users, eq(users.id, projectMembers.userId))
    .where(eq(projectMembers.projectId, projectId))
    .orderBy(asc(users.email));
}

/** Gives a user a role in a project (or changes it). Project admins and instance admins may. */
export async function setMember(db: Db, actor: Actor, projectId: string, userId: string, role: ProjectRole, reason?: string | null): Promise<Member> {
  return db.transaction(async (tx) => {
    const [user] = isUuid(userId) ? await tx.select().from(users).where(eq(users.id, userId)) : [];
    if (!user || user.passwordHash === SERVICE_PASSWORD) throw notFound('User');
    const [before] = await tx
      .select({ role: projectMembers.role })
      .from(projectMembers)
      .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)));
    await tx
      .insert(projectMembers)
      .values({ projectId, userId, role })
      // A role set by hand is the admin's from now on: single sign-on never lowers or removes it.
      .onConflictDoUpdate({ target: [projectMembers.projectId, projectMembers.userId], set: { role, fromSso: false } });
    if (before?.role !== role) {
      await recordAudit(tx, actor, {
        action: 'member.set',
        targetType: 'user',
        targetId: userId,
        projectId,
        reason,
        details: { email: user.email, from: before?.role ?? null, to: role },
      });
    }
    return { userId, email: user.email, name: user.name, role, active: user.active };
  });
}

export async function removeMember(db: Db, actor: Actor, projectId: string, userId: string, reason?: string | null) {
  return db.transaction(async (tx) => {
    const [removed] = isUuid(userId)
      ? await tx
          .delete(projectMembers)
          .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, userId)))
          .returning()
      : [];
    if (!removed) throw notFound('Member');
    if (removed.userId === actor.userId && actor.instanceRole !== 'admin') {
      throw new DomainError('wrong_state', 'You cannot remove yourself from a project; ask another admin.');
    }
    await recordAudit(tx, actor, { action: 'member.remove', targetType: 'user', targetId: userId, projectId, reason, details: { from: removed.role } });
    return { user_id: userId, removed: true };
  });
}

/**
 * Adds a person to a project by email, as a project admin knows them. Someone
 * already a member is a conflict (change their role instead), so a mistyped
 * add never silently lowers a role.
 */
export async function addMemberByEmail(db: Db, actor: Actor, projectId: string, email: string, role: ProjectRole, reason?: string | null): Promise<Member> {
  const normal = email.trim().toLowerCase();
  const [user] = await db.select().from(users).where(eq(users.email, normal));
  if (!user || user.passwordHash === SERVICE_PASSWORD) {
    throw new DomainError('not_found', `No user has the email ${normal}. An instance admin creates accounts on Settings → Users.`);
  }
  const [existing] = await db
    .select({ role: projectMembers.role })
    .from(projectMembers)
    .where(and(eq(projectMembers.projectId, projectId), eq(projectMembers.userId, user.id)));
  if (existing) {
    throw new DomainError('conflict', `${normal} is already a member (${existing.role}); change their role in the list instead.`, { role: existing.role });
  }
  return setMember(db, actor, projectId, user.id, role, reason);
}

