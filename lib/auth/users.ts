import { and, count, eq, ne, sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '../actor';
import { DomainError } from '../errors';
import { hashPassword, verifyPassword } from './passwords';

/** Service users (the demo's, the bootstrap token's) have this hash: no password can match it. */
export const SERVICE_PASSWORD = '!service';

export const toActor = (u: typeof users.$inferSelect): Actor => ({
  userId: u.id,
  email: u.email,
  name: u.name,
  role: u.role,
});

/** True until the first person has an account: then the first-run page offers to create the admin. */
export async function needsFirstAdmin(db: Db) {
  const [{ n }] = await db.select({ n: count() }).from(users).where(ne(users.passwordHash, SERVICE_PASSWORD));
  return n === 0;
}

export async function createFirstAdmin(db: Db, input: { email: string; name: string; password: string }): Promise<Actor> {
  if (input.password.length < 8) {
    throw new DomainError('invalid_inputs', 'Choose a password of at least 8 characters.', [
      { path: '/password', message: 'must be at least 8 characters' },
    ]);
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    // Serialise concurrent first-run submissions: only one may create the admin.
    await tx.execute(sql`select pg_advisory_xact_lock(727276)`);
    const [{ n }] = await tx.select({ n: count() }).from(users).where(ne(users.passwordHash, SERVICE_PASSWORD));
    if (n > 0) throw new DomainError('conflict', 'An admin already exists; sign in instead.');
    const [user] = await tx
      .insert(users)
      .values({ email: input.email.trim().toLowerCase(), name: input.name.trim(), passwordHash, role: 'admin' })
      .returning();
    return toActor(user);
  });
}

export async function authenticate(db: Db, email: string, password: string): Promise<Actor | null> {
  const [user] = await db
    .select()
    .from(users)
    .where(and(eq(users.email, email.trim().toLowerCase()), ne(users.passwordHash, SERVICE_PASSWORD)));
  if (!user || !(await verifyPassword(password, user.passwordHash))) return null;
  return toActor(user);
}

export async function findActor(db: Db, userId: string): Promise<Actor | null> {
  const [user] = await db.select().from(users).where(eq(users.id, userId));
  return user ? toActor(user) : null;
}
