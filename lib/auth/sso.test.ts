import { and, desc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEntries, projectMembers, projects, users } from '@/db/schema';
import type { Actor } from '../actor';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { setMember } from './members';
import {
  groupsOf,
  OidcConfigError,
  parseOidcConfig,
  parseRoleMap,
  rolesFromGroups,
  type OidcConfig,
} from './oidc-config';
import { signInWithSso } from './sso';
import { actorForToken, issueToken } from './tokens';
import { authenticate, findActor, needsFirstAdmin, updateUser } from './users';

const BASE_ENV = {
  REPRISE_OIDC_ISSUER: 'https://id.example.test/realms/acme',
  REPRISE_OIDC_CLIENT_ID: 'reprise',
  REPRISE_OIDC_CLIENT_SECRET: 's3cret',
};

describe('SSO configuration', () => {
  it('is off without an issuer, and refuses half a configuration', () => {
    expect(parseOidcConfig({})).toBeNull();
    expect(parseOidcConfig({ REPRISE_OIDC_ISSUER: '  ' })).toBeNull();
    expect(() => parseOidcConfig({ REPRISE_OIDC_CLIENT_ID: 'x' })).toThrow(
      /REPRISE_OIDC_CLIENT_ID set but REPRISE_OIDC_ISSUER is not/,
    );
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_CLIENT_SECRET: '' })).toThrow(
      /REPRISE_OIDC_CLIENT_SECRET is required/,
    );
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_CLIENT_ID: undefined })).toThrow(
      /REPRISE_OIDC_CLIENT_ID is required/,
    );
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_ISSUER: 'id.example.test' })).toThrow(/is not a URL/);
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_ISSUER: 'ftp://id.example.test' })).toThrow(/https/);
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_SCOPE: 'email profile' })).toThrow(/must include openid/);
  });

  it('has defaults for everything but the issuer and the client', () => {
    const config = parseOidcConfig(BASE_ENV)!;
    expect(config).toMatchObject({
      issuer: BASE_ENV.REPRISE_OIDC_ISSUER,
      clientId: 'reprise',
      clientSecret: 's3cret',
      name: 'single sign-on',
      groupsClaim: 'groups',
      scope: 'openid email profile',
    });
    expect(config.roleMap.projectGrants).toEqual([]);
    expect(
      parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_NAME: 'Acme ID', REPRISE_OIDC_GROUPS_CLAIM: 'realm_access.roles' }),
    ).toMatchObject({ name: 'Acme ID', groupsClaim: 'realm_access.roles' });
  });

  it('parses the role map: role@project, * for every project, instance-admin, several targets, group names with = and ,', () => {
    const map = parseRoleMap(
      ' platform-admins=admin@*; payments-oncall=deployer@payments;developers=operator@*,viewer@web ;admins=instance-admin;cn=ops,ou=groups=operator@ops;',
    );
    expect([...map.instanceAdminGroups]).toEqual(['admins']);
    expect(map.projectGrants).toEqual([
      { group: 'platform-admins', role: 'admin', project: null },
      { group: 'payments-oncall', role: 'deployer', project: 'payments' },
      { group: 'developers', role: 'operator', project: null },
      { group: 'developers', role: 'viewer', project: 'web' },
      { group: 'cn=ops,ou=groups', role: 'operator', project: 'ops' },
    ]);
  });

  it.each([
    ['developers', /is not group=role@project/],
    ['=operator@*', /is not group=role@project/],
    ['developers=', /is not group=role@project/],
    ['developers=operator@a,', /is not group=role@project/],
    ['developers=operator', /neither role@project nor instance-admin/],
    ['developers=operator@a@b', /neither role@project nor instance-admin/],
    ['developers=owner@*', /"owner" \(for developers\) is not a role; use one of viewer, operator, deployer, admin/],
    ['developers=operator@no spaces', /is not a project key/],
  ])('refuses a malformed role map %j with a message naming the variable', (text, message) => {
    expect(() => parseRoleMap(text)).toThrow(OidcConfigError);
    expect(() => parseOidcConfig({ ...BASE_ENV, REPRISE_OIDC_ROLE_MAP: text })).toThrow(message);
    expect(() => parseRoleMap(text)).toThrow(/^REPRISE_OIDC_ROLE_MAP: /);
  });

  it('reads groups from an array, a single string or a nested claim, and nothing else', () => {
    expect(groupsOf({ groups: ['a', 'b', 3, ''] }, 'groups')).toEqual(['a', 'b']);
    expect(groupsOf({ groups: 'a' }, 'groups')).toEqual(['a']);
    expect(groupsOf({ realm_access: { roles: ['ops'] } }, 'realm_access.roles')).toEqual(['ops']);
    expect(groupsOf({ groups: { a: 1 } }, 'groups')).toEqual([]);
    expect(groupsOf({}, 'groups')).toEqual([]);
  });

  it('maps groups to the highest role per project; * reaches every project', () => {
    const map = parseRoleMap(
      'everyone=viewer@*;payments-oncall=deployer@payments;developers=operator@*;admins=instance-admin',
    );
    const all = [
      { id: 'p1', key: 'payments' },
      { id: 'p2', key: 'web' },
    ];
    const roles = (groups: string[]) => {
      const result = rolesFromGroups(map, groups, all);
      return { admin: result.instanceAdmin, roles: Object.fromEntries(result.roles) };
    };
    expect(roles([])).toEqual({ admin: false, roles: {} });
    expect(roles(['everyone'])).toEqual({ admin: false, roles: { p1: 'viewer', p2: 'viewer' } });
    expect(roles(['payments-oncall', 'everyone', 'developers'])).toEqual({
      admin: false,
      roles: { p1: 'deployer', p2: 'operator' },
    });
    expect(roles(['admins', 'unknown'])).toEqual({ admin: true, roles: {} });
  });
});

const pipeline = (project: string) => `
name: p-${project}
project: ${project}
steps:
  - key: only
    run: ["true"]
`;

describe('signing in through the provider', { timeout: 120_000 }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Actor;
  const ids = {} as Record<'payments' | 'web', string>;
  const config: Pick<OidcConfig, 'issuer' | 'groupsClaim' | 'roleMap'> = {
    issuer: 'https://id.example.test',
    groupsClaim: 'groups',
    roleMap: parseRoleMap(
      'everyone=viewer@*;payments-oncall=deployer@payments;developers=operator@*;admins=instance-admin',
    ),
  };
  let subjects = 0;
  const person = (groups: string[], extra: Record<string, unknown> = {}) => {
    const n = ++subjects;
    return {
      sub: `subject-${n}`,
      email: `Person${n}@Example.test`,
      email_verified: true,
      name: `Person ${n}`,
      groups,
      ...extra,
    };
  };
  const rolesOf = async (userId: string) => {
    const rows = await database.db.select().from(projectMembers).where(eq(projectMembers.userId, userId));
    return Object.fromEntries(
      rows.map((r) => [r.projectId === ids.payments ? 'payments' : 'web', `${r.role}${r.fromSso ? ' (sso)' : ''}`]),
    );
  };
  const lastAudit = async (targetId: string, action: string) =>
    (
      await database.db
        .select()
        .from(auditEntries)
        .where(and(eq(auditEntries.targetId, targetId), eq(auditEntries.action, action)))
        .orderBy(desc(auditEntries.createdAt))
        .limit(1)
    )[0];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, { 'payments.yaml': pipeline('payments'), 'web.yaml': pipeline('web') });
    for (const key of ['payments', 'web'] as const) {
      const [p] = await database.db.select().from(projects).where(eq(projects.key, key));
      ids[key] = p.id;
    }
  }, 120_000);
  afterAll(() => database.drop());

  it('creates the user the first time, with the roles its groups map to, and audits it', async () => {
    const claims = person(['developers', 'payments-oncall']);
    const result = await signInWithSso(database.db, config, claims, '203.0.113.9');
    expect(result).toMatchObject({ ok: true, created: true });
    if (!result.ok) return;
    expect(result.actor.email).toBe(claims.email.toLowerCase());
    expect(result.actor.name).toBe(claims.name);
    expect(result.actor.instanceRole).toBe('member');
    expect(Object.fromEntries(result.actor.memberships)).toEqual({ [ids.payments]: 'deployer', [ids.web]: 'operator' });
    expect(await lastAudit(result.actor.userId, 'user.create')).toMatchObject({
      actorId: result.actor.userId,
      address: '203.0.113.9',
    });
    expect(await lastAudit(result.actor.userId, 'user.sso_sign_in')).toMatchObject({
      details: { created: true, groups: ['developers', 'payments-oncall'] },
    });
    expect(await lastAudit(result.actor.userId, 'member.set')).toMatchObject({ reason: 'single sign-on groups' });

    // The same subject again is the same user, even when the email changed.
    const again = await signInWithSso(database.db, config, { ...claims, email: 'renamed@example.test' });
    expect(again).toMatchObject({ ok: true, created: false, actor: { userId: result.actor.userId } });
  });

  it('an SSO-only user cannot sign in with a password, and setup stays closed', async () => {
    const claims = person([]);
    const result = await signInWithSso(database.db, config, claims);
    expect(result.ok).toBe(true);
    expect(await authenticate(database.db, claims.email, '!sso')).toBeNull();
    expect(await authenticate(database.db, claims.email, '')).toBeNull();
    expect(await needsFirstAdmin(database.db)).toBe(false);
  });

  it('a user with no mapped group signs in with no project roles', async () => {
    const result = await signInWithSso(database.db, config, person(['unmapped']));
    expect(result).toMatchObject({ ok: true });
    if (result.ok) expect(result.actor.memberships.size).toBe(0);
  });

  it('group changes take effect at the next sign-in: SSO roles follow the groups, an admin grant is never lowered', async () => {
    const claims = person(['developers']);
    const first = await signInWithSso(database.db, config, claims);
    if (!first.ok) throw new Error('refused');
    const userId = first.actor.userId;
    expect(await rolesOf(userId)).toEqual({ payments: 'operator (sso)', web: 'operator (sso)' });

    // An admin makes them admin of web by hand; SSO's operator must not lower it.
    await setMember(database.db, admin, ids.web, userId, 'admin');
    await signInWithSso(database.db, config, { ...claims, groups: ['everyone'] });
    expect(await rolesOf(userId)).toEqual({ payments: 'viewer (sso)', web: 'admin' });

    // Leaving every group removes what SSO gave and keeps what the admin gave.
    await signInWithSso(database.db, config, { ...claims, groups: [] });
    expect(await rolesOf(userId)).toEqual({ web: 'admin' });
    expect(await lastAudit(userId, 'member.remove')).toMatchObject({
      projectId: ids.payments,
      reason: 'single sign-on groups',
      details: { from: 'viewer', source: 'sso' },
    });

    // A lower admin grant is raised by a group and then belongs to SSO, so leaving the group takes it back.
    await setMember(database.db, admin, ids.payments, userId, 'viewer');
    await signInWithSso(database.db, config, { ...claims, groups: ['payments-oncall'] });
    expect(await rolesOf(userId)).toEqual({ payments: 'deployer (sso)', web: 'admin' });
    await signInWithSso(database.db, config, { ...claims, groups: [] });
    expect(await rolesOf(userId)).toEqual({ web: 'admin' });
  });

  it('a mapped group makes an instance admin; leaving it takes back only what SSO gave', async () => {
    const claims = person(['admins']);
    const first = await signInWithSso(database.db, config, claims);
    if (!first.ok) throw new Error('refused');
    expect(first.actor.instanceRole).toBe('admin');
    const second = await signInWithSso(database.db, config, { ...claims, groups: [] });
    expect(second).toMatchObject({ ok: true, actor: { instanceRole: 'member' } });

    // Made admin by hand: SSO leaves it.
    await updateUser(database.db, admin, first.actor.userId, { role: 'admin' });
    const third = await signInWithSso(database.db, config, { ...claims, groups: [] });
    expect(third).toMatchObject({ ok: true, actor: { instanceRole: 'admin' } });
  });

  it('links an existing password user by verified email only', async () => {
    const existing = await createTestUser(database, 'member');
    const claims = {
      sub: 'linked-subject',
      email: existing.email.toUpperCase(),
      name: 'Whoever',
      groups: ['everyone'],
    };
    expect(await signInWithSso(database.db, config, { ...claims, email_verified: false })).toEqual({
      ok: false,
      reason: 'email_not_verified',
    });
    expect(await lastAudit(existing.userId, 'auth.sign_in_failed')).toMatchObject({
      actorId: null,
      details: { method: 'sso', reason: 'email_not_verified' },
    });

    const linked = await signInWithSso(database.db, config, { ...claims, email_verified: true });
    expect(linked).toMatchObject({ ok: true, created: false, actor: { userId: existing.userId, name: existing.name } });
    const [row] = await database.db.select().from(users).where(eq(users.id, existing.userId));
    expect(row).toMatchObject({ ssoIssuer: config.issuer, ssoSubject: 'linked-subject' });
    // The password still works for a linked user: linking adds a way in.
    expect(await authenticate(database.db, existing.email, 'correct horse battery')).not.toBeNull();

    // Another subject claiming the same email cannot take the account over.
    expect(await signInWithSso(database.db, config, { ...claims, sub: 'someone-else', email_verified: true })).toEqual({
      ok: false,
      reason: 'email_linked_elsewhere',
    });
    // Nor can anyone without an email or a subject get in.
    expect(await signInWithSso(database.db, config, { sub: 'no-email', groups: [] })).toEqual({
      ok: false,
      reason: 'no_email',
    });
    expect(await signInWithSso(database.db, config, { email: 'x@example.test' })).toEqual({
      ok: false,
      reason: 'no_subject',
    });
  });

  it('refuses a deactivated user, audits the refusal, and their sessions and tokens stop at once', async () => {
    const claims = person(['developers']);
    const first = await signInWithSso(database.db, config, claims);
    if (!first.ok) throw new Error('refused');
    const userId = first.actor.userId;
    const { token } = await issueToken(database.db, { userId, name: 'cli' });
    expect(await actorForToken(database.db, token)).not.toBeNull();
    expect(await findActor(database.db, userId)).not.toBeNull();

    await updateUser(database.db, admin, userId, { active: false, reason: 'left the company' });
    expect(await findActor(database.db, userId)).toBeNull();
    expect(await actorForToken(database.db, token)).toBeNull();
    expect(await signInWithSso(database.db, config, claims, '198.51.100.4')).toEqual({
      ok: false,
      reason: 'deactivated',
    });
    expect(await lastAudit(userId, 'auth.sign_in_failed')).toMatchObject({
      address: '198.51.100.4',
      details: { method: 'sso', reason: 'deactivated' },
    });
    // The refusal changed nothing: the roles SSO gave are as they were.
    expect(await rolesOf(userId)).toEqual({ payments: 'operator (sso)', web: 'operator (sso)' });
  });

  it('two first sign-ins of one person at once make one user', async () => {
    const claims = person(['everyone']);
    const results = await Promise.all([
      signInWithSso(database.db, config, claims),
      signInWithSso(database.db, config, claims),
    ]);
    const userIds = results.map((r) => (r.ok ? r.actor.userId : null));
    expect(userIds[0]).not.toBeNull();
    expect(userIds[0]).toBe(userIds[1]);
    expect(results.filter((r) => r.ok && r.created)).toHaveLength(1);
  });
});
