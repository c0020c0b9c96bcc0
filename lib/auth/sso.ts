import { and, eq, sql } from 'drizzle-orm';
import type { Db, Tx } from '@/db/client';
import { projectMembers, projects, users } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { groupsOf, rolesFromGroups, type OidcConfig } from './oidc-config';
import { roleAtLeast } from './roles';
import { actorOf, SERVICE_PASSWORD, type UserRow } from './users';

/** The password hash of a user made by single sign-on: no password matches it, so they sign in only through the provider. */
export const SSO_ONLY_PASSWORD = '!sso';

export type SsoRefusal = 'deactivated' | 'no_subject' | 'no_email' | 'email_not_verified' | 'email_linked_elsewhere';

export type SsoSignIn = { ok: true; actor: Actor; created: boolean } | { ok: false; reason: SsoRefusal };

/** What the person sees on the sign-in page for each refusal; never which accounts exist beyond their own. */
export const SSO_REFUSAL_MESSAGES: Record<SsoRefusal | 'failed', string> = {
  deactivated: 'Your account is deactivated; ask an admin.',
  no_subject: 'The identity provider did not say who you are; ask an admin.',
  no_email: 'The identity provider did not share your email address; ask an admin.',
  email_not_verified:
    'An account with your email exists, but the identity provider has not verified that email; ask an admin.',
  email_linked_elsewhere: 'Your email belongs to an account linked to another identity; ask an admin.',
  failed: 'Single sign-on did not complete; try again, or ask an admin.',
};

const SSO_REASON = 'single sign-on groups';

/**
 * One sign-in through the OpenID Connect provider, given the claims it vouched
 * for. Finds the user by the provider's `sub` — or, the first time, by a
 * verified email, and links it — or creates one (with no password: SSO users
 * sign in only through the provider). Refuses a deactivated user. Then the
 * groups decide the roles (`applyGroupRoles`). Everything, refusals included,
 * is audited in the same transaction.
 */
export async function signInWithSso(
  db: Db,
  config: Pick<OidcConfig, 'issuer' | 'groupsClaim' | 'roleMap'>,
  claims: Record<string, unknown>,
  address: string | null = null,
): Promise<SsoSignIn> {
  const subject = typeof claims.sub === 'string' ? claims.sub : '';
  const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
  const emailVerified = claims.email_verified === true;
  const name = typeof claims.name === 'string' && claims.name.trim() ? claims.name.trim().slice(0, 200) : email;
  const groups = groupsOf(claims, config.groupsClaim);

  return db.transaction(async (tx) => {
    const refuse = async (reason: SsoRefusal, user?: UserRow): Promise<SsoSignIn> => {
      await recordAudit(tx, null, {
        action: 'auth.sign_in_failed',
        targetType: 'user',
        targetId: user?.id ?? (email || subject).slice(0, 320),
        address,
        details: { method: 'sso', reason, issuer: config.issuer, subject },
      });
      return { ok: false, reason };
    };
    // PostgreSQL text cannot hold NUL; a provider that sends one is not believed.
    if (!subject || subject.length > 255 || subject.includes('\u0000')) return refuse('no_subject');
    if (email.includes('\u0000') || email.length > 320) return refuse('no_email');

    // Two first sign-ins of one person at once must not create two users.
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`sso:${config.issuer}:${subject}`}))`);
    let [user] = await tx
      .select()
      .from(users)
      .where(and(eq(users.ssoIssuer, config.issuer), eq(users.ssoSubject, subject)));
    let created = false;
    if (!user) {
      if (!email) return refuse('no_email');
      const [byEmail] = await tx.select().from(users).where(eq(users.email, email)).for('update');
      if (byEmail) {
        // Linking hands the account to whoever the provider says owns this
        // email: only when the provider checked that they do.
        if (byEmail.passwordHash === SERVICE_PASSWORD || byEmail.ssoSubject !== null)
          return refuse('email_linked_elsewhere', byEmail);
        if (!emailVerified) return refuse('email_not_verified', byEmail);
        if (!byEmail.active) return refuse('deactivated', byEmail);
        [user] = await tx
          .update(users)
          .set({ ssoIssuer: config.issuer, ssoSubject: subject })
          .where(eq(users.id, byEmail.id))
          .returning();
        await recordAudit(tx, await actorOf(tx, user, null, address), {
          action: 'user.sso_link',
          targetType: 'user',
          targetId: user.id,
          details: { email, issuer: config.issuer, subject },
        });
      } else {
        [user] = await tx
          .insert(users)
          .values({
            email,
            name,
            passwordHash: SSO_ONLY_PASSWORD,
            role: 'member',
            ssoIssuer: config.issuer,
            ssoSubject: subject,
          })
          .returning();
        created = true;
        await recordAudit(tx, await actorOf(tx, user, null, address), {
          action: 'user.create',
          targetType: 'user',
          targetId: user.id,
          details: { email, role: 'member', sso: { issuer: config.issuer, subject } },
        });
      }
    }
    if (!user.active) return refuse('deactivated', user);

    user = await applyGroupRoles(tx, user, config, groups, address);
    const actor = await actorOf(tx, user, null, address);
    await recordAudit(tx, actor, {
      action: 'user.sso_sign_in',
      targetType: 'user',
      targetId: user.id,
      details: { issuer: config.issuer, subject, groups: groups.slice(0, 100), created },
    });
    return { ok: true, actor, created };
  });
}

/**
 * Brings the user's roles in line with their groups, at every SSO sign-in
 * (so a group change takes effect at the next one):
 * - a project the groups give a role in: a membership SSO made gets exactly
 *   that role; an admin's grant is kept when it is at least as high, and
 *   otherwise raised and handed to SSO (leaving the group then takes the
 *   raised role back, rather than leaving it behind);
 * - a project the groups give nothing in: a membership SSO made is removed,
 *   an admin's grant stays;
 * - instance admin: given by a mapped group; taken back only when SSO gave it.
 * Every change is audited as the user's own, with the reason "single sign-on groups".
 */
async function applyGroupRoles(
  tx: Tx,
  user: UserRow,
  config: Pick<OidcConfig, 'roleMap'>,
  groups: string[],
  address: string | null,
): Promise<UserRow> {
  const allProjects = await tx.select({ id: projects.id, key: projects.key }).from(projects);
  const wanted = rolesFromGroups(config.roleMap, groups, allProjects);
  const current = await tx.select().from(projectMembers).where(eq(projectMembers.userId, user.id)).for('update');
  const byProject = new Map(current.map((m) => [m.projectId, m]));
  const self = await actorOf(tx, user, null, address);

  for (const project of allProjects) {
    const had = byProject.get(project.id);
    const role = wanted.roles.get(project.id);
    if (role && (!had || (had.fromSso ? had.role !== role : !roleAtLeast(had.role, role)))) {
      await tx
        .insert(projectMembers)
        .values({ projectId: project.id, userId: user.id, role, fromSso: true })
        .onConflictDoUpdate({
          target: [projectMembers.projectId, projectMembers.userId],
          set: { role, fromSso: true },
        });
      await recordAudit(tx, self, {
        action: 'member.set',
        targetType: 'user',
        targetId: user.id,
        projectId: project.id,
        reason: SSO_REASON,
        details: { email: user.email, from: had?.role ?? null, to: role, source: 'sso' },
      });
    } else if (!role && had?.fromSso) {
      await tx
        .delete(projectMembers)
        .where(and(eq(projectMembers.projectId, project.id), eq(projectMembers.userId, user.id)));
      await recordAudit(tx, self, {
        action: 'member.remove',
        targetType: 'user',
        targetId: user.id,
        projectId: project.id,
        reason: SSO_REASON,
        details: { from: had.role, source: 'sso' },
      });
    }
  }

  const becomesAdmin = wanted.instanceAdmin && user.role !== 'admin';
  const losesAdmin = !wanted.instanceAdmin && user.role === 'admin' && user.roleFromSso;
  if (!becomesAdmin && !losesAdmin) return user;
  const to = becomesAdmin ? 'admin' : 'member';
  const [updated] = await tx
    .update(users)
    .set({ role: to, roleFromSso: becomesAdmin })
    .where(eq(users.id, user.id))
    .returning();
  await recordAudit(tx, self, {
    action: 'user.update',
    targetType: 'user',
    targetId: user.id,
    reason: SSO_REASON,
    details: { role: { from: user.role, to }, source: 'sso' },
  });
  return updated;
}
