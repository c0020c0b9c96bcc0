import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { users } from '@/db/schema';
import { listAudit, type AuditEntry } from '../audit';
import { can } from '../auth/permissions';
import { addMemberByEmail, listMembers, removeMember, setMember, type Member } from '../auth/members';
import { PROJECT_ROLES } from '../auth/roles';
import { createApiToken, listTokens, revokeToken, type TokenSummary } from '../auth/tokens';
import { createUser, listUsers, MIN_PASSWORD_LENGTH, updateUser, type UserSummary } from '../auth/users';
import { listEnvironments, setEnvironmentProtection, type EnvironmentRow } from '../deployments/environments';
import { notFound } from '../errors';
import { declaredEnvironments, getProjectSummary, listReadableProjects, type ProjectSummary } from '../projects/queries';
import { environmentDeployments, environmentJson as environmentWithDeploymentsJson } from '../deployments/read';
import { defineOperation } from './define';
import { cursor, id, limit, reason, text, timestamp } from './fields';
import { projectByKey } from './resources';

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const role = z.enum(PROJECT_ROLES);
const password = text(200).min(MIN_PASSWORD_LENGTH, `must be at least ${MIN_PASSWORD_LENGTH} characters`);
const email = z.email().max(320);

const userJson = (u: UserSummary) => ({ id: u.id, email: u.email, name: u.name, role: u.role, active: u.active, created_at: iso(u.createdAt) });
const memberJson = (m: Member) => ({ user_id: m.userId, email: m.email, name: m.name, role: m.role, active: m.active });
const tokenJson = (t: TokenSummary) => ({
  id: t.id,
  name: t.name,
  project: t.project,
  role: t.role,
  owner: t.owner,
  created_at: iso(t.createdAt),
  expires_at: iso(t.expiresAt),
  last_used_at: iso(t.lastUsedAt),
  revoked_at: iso(t.revokedAt),
});
const projectJson = (p: ProjectSummary) => ({
  id: p.id,
  key: p.key,
  title: p.title,
  your_role: p.role,
  pipelines: p.pipelines,
  members: p.members,
  environments: p.environments,
  created_at: iso(p.createdAt),
});
const environmentJson = (e: EnvironmentRow) => ({ id: e.id, name: e.name, protection: { required_role: e.protection.requiredRole ?? null } });
const auditJson = (e: AuditEntry) => ({
  id: e.id,
  at: e.createdAt.toISOString(),
  actor: e.actorId ? { id: e.actorId, email: e.actorEmail } : null,
  token_id: e.tokenId,
  project: e.project,
  action: e.action,
  target_type: e.targetType,
  target_id: e.targetId,
  reason: e.reason,
  details: e.details,
  address: e.address,
});

// ---------------------------------------------------------------- users (instance admins)

export const listUsersOp = defineOperation({
  id: 'users.list',
  tag: 'users',
  summary: 'List users',
  method: 'GET',
  path: '/api/v1/users',
  permission: 'instance.admin',
  run: async ({ db }) => ({ items: (await listUsers(db)).map(userJson) }),
});

export const createUserOp = defineOperation({
  id: 'users.create',
  tag: 'users',
  summary: 'Create a user',
  method: 'POST',
  path: '/api/v1/users',
  body: z.strictObject({ email, name: text(200).min(1), password, role: z.enum(['admin', 'member']).optional(), reason }),
  permission: 'instance.admin',
  status: 201,
  run: async ({ db, actor }, input) => userJson(await createUser(db, actor, input)),
});

export const updateUserOp = defineOperation({
  id: 'users.update',
  tag: 'users',
  summary: 'Deactivate, rename, reset the password of, or change the instance role of a user',
  description: "A deactivated user's sessions and tokens stop working at the next request.",
  method: 'PATCH',
  path: '/api/v1/users/{user_id}',
  params: z.strictObject({ user_id: id }),
  body: z
    .strictObject({ active: z.boolean().optional(), name: text(200).min(1).optional(), password: password.optional(), role: z.enum(['admin', 'member']).optional(), reason })
    .refine((b) => b.active !== undefined || b.name !== undefined || b.password !== undefined || b.role !== undefined, 'Nothing to change: send active, name, password or role.'),
  permission: 'instance.admin',
  run: async ({ db, actor }, { user_id, ...input }) => userJson(await updateUser(db, actor, user_id, input)),
});

// ---------------------------------------------------------------- projects and members (project admins)

const projectPath = z.strictObject({ project: text(200) });
const memberPath = z.strictObject({ project: text(200), user_id: id });

export const listProjectsOp = defineOperation({
  id: 'projects.list',
  tag: 'projects',
  summary: 'List the projects you may read',
  description: 'Each with your role there and how many pipelines, members and environments it has.',
  method: 'GET',
  path: '/api/v1/projects',
  // Scoped in the query to what the caller may read.
  permission: 'signed_in',
  run: async ({ db, actor }) => ({ items: (await listReadableProjects(db, actor)).map(projectJson) }),
});

export const getProjectOp = defineOperation({
  id: 'projects.get',
  tag: 'projects',
  summary: 'A project, with your role in it',
  description: '`declared_environments`: the environments its pipelines deploy to, including those nothing has deployed to yet.',
  method: 'GET',
  path: '/api/v1/projects/{project}',
  params: projectPath,
  permission: 'project.read',
  project: projectByKey,
  run: async ({ db, actor, projectId }) => ({
    ...projectJson(await getProjectSummary(db, actor, projectId!)),
    declared_environments: await declaredEnvironments(db, projectId!),
  }),
});

export const addMemberOp = defineOperation({
  id: 'members.add',
  tag: 'projects',
  summary: 'Add a user to a project by email',
  description: 'The user must have an account (instance admins create them). Someone already a member answers 409: change their role with PUT instead.',
  method: 'POST',
  path: '/api/v1/projects/{project}/members',
  params: projectPath,
  body: z.strictObject({ email, role, reason }),
  permission: 'project.admin',
  project: projectByKey,
  status: 201,
  run: async ({ db, actor, projectId }, input) => memberJson(await addMemberByEmail(db, actor, projectId!, input.email, input.role, input.reason)),
});

export const listMembersOp = defineOperation({
  id: 'members.list',
  tag: 'projects',
  summary: "List a project's members",
  method: 'GET',
  path: '/api/v1/projects/{project}/members',
  params: projectPath,
  permission: 'project.read',
  project: projectByKey,
  run: async ({ db }, { project }) => ({ items: (await listMembers(db, await projectByKey(db, { project }))).map(memberJson) }),
});

export const setMemberOp = defineOperation({
  id: 'members.set',
  tag: 'projects',
  summary: "Give a user a role in a project",
  method: 'PUT',
  path: '/api/v1/projects/{project}/members/{user_id}',
  params: memberPath,
  body: z.strictObject({ role, reason }),
  permission: 'project.admin',
  project: projectByKey,
  run: async ({ db, actor }, input) =>
    memberJson(await setMember(db, actor, await projectByKey(db, input), input.user_id, input.role, input.reason)),
});

export const removeMemberOp = defineOperation({
  id: 'members.remove',
  tag: 'projects',
  summary: 'Remove a user from a project',
  method: 'DELETE',
  path: '/api/v1/projects/{project}/members/{user_id}',
  params: memberPath,
  query: z.object({ reason: text(2000).optional() }),
  permission: 'project.admin',
  project: projectByKey,
  run: async ({ db, actor }, input) => removeMember(db, actor, await projectByKey(db, input), input.user_id, input.reason),
});

// ---------------------------------------------------------------- environments

export const listEnvironmentsOp = defineOperation({
  id: 'environments.list',
  tag: 'projects',
  summary: "List a project's environments and their protection",
  method: 'GET',
  path: '/api/v1/projects/{project}/environments',
  params: projectPath,
  permission: 'project.read',
  project: projectByKey,
  description: "Each with its protection, its hold (set by a rollback; null when not held), its live deployment (the latest succeeded) and its active one (pending or running).",
  run: async ({ db, origin, projectId }) => {
    const environments = await listEnvironments(db, projectId!);
    const states = await environmentDeployments(db, environments.map((e) => e.id));
    return {
      items: environments.map((e) => environmentWithDeploymentsJson(e, states.get(e.id)!, origin)),
    };
  },
});

export const protectEnvironmentOp = defineOperation({
  id: 'environments.protect',
  tag: 'projects',
  summary: "Set the lowest role that may deploy to an environment",
  description: '`required_role: null` removes the protection (operators may deploy).',
  method: 'PUT',
  path: '/api/v1/projects/{project}/environments/{name}',
  params: z.strictObject({ project: text(200), name: text(200) }),
  body: z.strictObject({ protection: z.strictObject({ required_role: role.nullable() }), reason }),
  permission: 'project.admin',
  project: projectByKey,
  run: async ({ db, actor }, input) =>
    environmentJson(
      await setEnvironmentProtection(db, actor, await projectByKey(db, input), input.name, input.protection.required_role, input.reason),
    ),
});

// ---------------------------------------------------------------- tokens

export const createTokenOp = defineOperation({
  id: 'tokens.create',
  tag: 'tokens',
  summary: 'Create an API token',
  description: 'For one project, with a role no higher than your own there. The answer holds `token` once; it cannot be read again.',
  method: 'POST',
  path: '/api/v1/tokens',
  body: z.strictObject({ name: text(200).min(1), project: text(200), role, expires_at: timestamp.nullish(), reason }),
  // The role in the named project is checked by createApiToken (a token cannot be above its creator).
  permission: 'signed_in',
  status: 201,
  run: async ({ db, actor }, input) => {
    const projectId = await projectByKey(db, { project: input.project });
    const created = await createApiToken(db, actor, {
      name: input.name,
      projectId,
      role: input.role,
      expiresAt: input.expires_at ? new Date(input.expires_at) : null,
      reason: input.reason,
    });
    return { ...tokenJson(created), token: created.token };
  },
});

export const listTokensOp = defineOperation({
  id: 'tokens.list',
  tag: 'tokens',
  summary: 'List API tokens',
  description: 'Your own tokens and those of the projects you administer, with their last use; never the token itself.',
  method: 'GET',
  path: '/api/v1/tokens',
  permission: 'signed_in',
  run: async ({ db, actor }) => ({ items: (await listTokens(db, actor)).map(tokenJson) }),
});

export const revokeTokenOp = defineOperation({
  id: 'tokens.revoke',
  tag: 'tokens',
  summary: 'Revoke an API token',
  method: 'DELETE',
  path: '/api/v1/tokens/{token_id}',
  params: z.strictObject({ token_id: id }),
  query: z.object({ reason: text(2000).optional() }),
  // Its owner, an admin of its project, or an instance admin (revokeToken decides; others get 404).
  permission: 'signed_in',
  run: async ({ db, actor }, input) => tokenJson(await revokeToken(db, actor, input.token_id, input.reason)),
});

// ---------------------------------------------------------------- audit

export const listAuditOp = defineOperation({
  id: 'audit.list',
  tag: 'audit',
  summary: 'Browse the audit log',
  description:
    'Newest first. Entries of the projects you may read; entries of no project (users, sign-ins) for instance admins. `action=run` matches every run action.',
  method: 'GET',
  path: '/api/v1/audit',
  query: z.object({
    project: text(200).optional(),
    actor: z.uuid().or(email).optional(),
    action: z.string().max(100).regex(/^[a-z_.]+$/, 'is not an action name').optional(),
    cursor: cursor.optional(),
    limit: limit(200).optional(),
  }),
  // Scoped in the query to what the caller may read.
  permission: 'signed_in',
  run: async ({ db, actor }, q) => {
    const projectId = q.project ? await projectByKey(db, { project: q.project }).catch(() => null) : undefined;
    if (projectId === null || (projectId && !can(actor, 'project.read', { projectId }))) throw notFound('Project');
    let actorId: string | undefined;
    if (q.actor) {
      const [user] = await db.select({ id: users.id }).from(users).where(q.actor.includes('@') ? eq(users.email, q.actor.toLowerCase()) : eq(users.id, q.actor));
      actorId = user?.id ?? '00000000-0000-0000-0000-000000000000';
    }
    const page = await listAudit(db, actor, { projectId, actorId, action: q.action, cursor: q.cursor, limit: q.limit });
    return { items: page.items.map(auditJson), next_cursor: page.nextCursor };
  },
});
