import { and, asc, count, eq, ne, sql } from 'drizzle-orm';
import type { Conn, Db } from '@/db/client';
import { projectMembers, users, type UserRole } from '@/db/schema';
import type { Actor, ActorToken } from '../actor';
import { recordAudit } from '../audit';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import { hashPassword, verifyPassword } from './passwords';
import type { ProjectRole } from './roles';

/** Service users (the demo's, the bootstrap token's) have this hash: no password can match it. */
export const SERVICE_PASSWORD = '!service';

export type UserRow = typeof users.$inferSelect;

/** The actor a user (and optionally one of its tokens) acts as: its memberships are read here, once per request. */
export async function actorOf(conn: Conn, user: UserRow, token: ActorToken | null = null, address: string | null = null): Promise<Actor> {
  const rows = await conn
    .select({ projectId: projectMembers.projectId, role: projectMembers.role })
    .from(projectMembers)
    .where(eq(projectMembers.userId, user.id));
  return {
    userId: user.id,
    email: user.email,
    name: user.name,
    instanceRole: user.role,
    memberships: new Map(rows.map((r) => [r.projectId, r.role])),
    token,
    address,
  };
}

/** True until the first person has an account: then the first-run page offers to create the admin. */
export async function needsFirstAdmin(db: Db) {
  const [{ n }] = await db.select({ n: count() }).from(users).where(ne(users.passwordHash, SERVICE_PASSWORD));
  return n === 0;
}

export const MIN_PASSWORD_LENGTH = 8;

function checkPassword(password: string) {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new DomainError('invalid_inputs', `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters.`, [
      { path: '/password', message: `must be at least ${MIN_PASSWORD_LENGTH} characters` },
    ]);
  }
}

const normalEmail = (email: string) => email.trim().toLowerCase();

export async function createFirstAdmin(db: Db, input: { email: string; name: string; password: string }): Promise<Actor> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Serialise concurrent first-run submissions: only one may create the admin.
    await tx.execute(sql`select pg_advisory_xact_lock(727276)`);
    const [{ n }] = await tx.select({ n: count() }).from(users).where(ne(users.passwordHash, SERVICE_PASSWORD));
    if (n > 0) throw new DomainError('conflict', 'An admin already exists; sign in instead.');
    const [user] = await tx
      .insert(users)
      .values({ email: normalEmail(input.email), name: input.name.trim(), passwordHash, role: 'admin' })
      .returning();
    const actor = await actorOf(tx, user);
    await recordAudit(tx, actor, { action: 'user.create', targetType: 'user', targetId: user.id, details: { email: user.email, role: 'admin', first_run: true } });
    return actor;
  });
}

/** The active user with this email and password, or null (unknown, wrong password, deactivated). */
export async function authenticate(db: Db, email: string, password: string): Promise<Actor | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.email, normalEmail(email)), ne(users.passwordHash, SERVICE_PASSWORD)));
  if (!user || !(await verifyPassword(password, user.passwordHash)) || !user.active) return null;
  return actorOf(db, user);
}

/** The actor of a session: null when the user is gone or deactivated, so a session stops working at once. */
export async function findActor(db: Db, userId: string, address: string | null = null): Promise<Actor | null> {
  if (!isUuid(userId)) return null;
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user && user.active ? actorOf(db, user, null, address) : null;
}

// ---------------------------------------------------------------- administration (instance admins)

export interface UserSummary {
  id: string;
  email: string;
  name: string;
  role: UserRole;
  active: boolean;
  createdAt: Date;
}

const summary = (u: UserRow): UserSummary => ({ id: u.id, email: u.email, name: u.name, role: u.role, active: u.active, createdAt: u.createdAt });

export async function listUsers(db: Conn): Promise<UserSummary[]> {
  const rows = await db.select().from(users).where(ne(users.passwordHash, SERVICE_PASSWORD)).orderBy(asc(users.email));
  return rows.map(summary);
}

export async function createUser(
  db: Db,
  actor: Actor,
  input: { email: string; name: string; password: string; role?: UserRole; reason?: string | null },
): Promise<UserSummary> {
  checkPassword(input.password);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ email: normalEmail(input.email), name: input.name.trim(), passwordHash, role: input.role ?? 'member' })
      .onConflictDoNothing()
      .returning();
    if (!user) throw new DomainError('conflict', `A user with the email ${normalEmail(input.email)} exists already.`);
    await recordAudit(tx, actor, {
      action: 'user.create',
      targetType: 'user',
      targetId: user.id,
      reason: input.reason,
      details: { email: user.email, role: user.role },
    });
    return summary(user);
  });
}

export async function updateUser(
  db: Db,
  actor: Actor,
  userId: string,
  input: { active?: boolean; name?: string; password?: string; role?: UserRole; reason?: string | null },
): Promise<UserSummary> {
  if (input.password !== undefined) checkPassword(input.password);
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : undefined;
  return db.transaction(async (tx) => {
    const [before] = isUuid(userId) ? await tx.select().from(users).where(eq(users.id, userId)).for('update') : [];
    if (!before || before.passwordHash === SERVICE_PASSWORD) throw notFound('User');
    if (before.id === actor.userId && (input.active === false || input.role === 'member')) {
      throw new DomainError('wrong_state', 'You cannot deactivate yourself or drop your own admin role; ask another admin.');
    }
    const [user] = await tx
      .update(users)
      .set({
        ...(input.active !== undefined ? { active: input.active } : {}),
        ...(input.name !== undefined ? { name: input.name.trim() } : {}),
        // A role set by hand is the admin's: single sign-on no longer takes it back.
        ...(input.role !== undefined ? { role: input.role, roleFromSso: false } : {}),
        ...(passwordHash ? { passwordHash } : {}),
      })
      .where(eq(users.id, userId))
      .returning();
    const changed: Record<string, unknown> = {};
    if (input.active !== undefined && input.active !== before.active) changed.active = { from: before.active, to: input.active };
    if (input.name !== undefined && input.name.trim() !== before.name) changed.name = { from: before.name, to: user.name };
    if (input.role !== undefined && input.role !== before.role) changed.role = { from: before.role, to: input.role };
    // Never the password itself: only that it was reset.
    if (passwordHash) changed.password = 'reset';
    await recordAudit(tx, actor, { action: 'user.update', targetType: 'user', targetId: user.id, reason: input.reason, details: changed });
    return summary(user);
  });
}

export type { ProjectRole };
