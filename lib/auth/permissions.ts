import { and, eq, inArray, sql, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { environments } from '@/db/schema';
import type { Actor } from '../actor';
import { DomainError, notFound } from '../errors';
import { lowerRole, roleAtLeast, type ProjectRole } from './roles';

/**
 * What an operation needs. Project permissions are granted by a role in the
 * operation's project (see roles.ts); `deploy` by the role the target
 * environment's protection names (operator when unprotected).
 */
export type Permission =
  /** Any identity: reading what is one's own (own tokens). */
  | 'signed_in'
  /** Instance admins (not through a project token): users. */
  | 'instance.admin'
  | 'project.read'
  | 'run.trigger'
  | 'run.retry'
  | 'run.replay'
  | 'run.cancel'
  | 'project.admin';

const PROJECT_PERMISSION_ROLE: Record<Exclude<Permission, 'signed_in' | 'instance.admin'>, ProjectRole> = {
  'project.read': 'viewer',
  'run.trigger': 'operator',
  'run.retry': 'operator',
  'run.replay': 'operator',
  'run.cancel': 'operator',
  'project.admin': 'admin',
};

/** The lowest role that may do `permission` in a project. */
export const requiredRoleOf = (permission: Permission): ProjectRole | null =>
  permission === 'signed_in' || permission === 'instance.admin' ? null : PROJECT_PERMISSION_ROLE[permission];

/** Whether the actor is an instance admin acting as such (a project token narrows even an admin). */
export const isInstanceAdmin = (actor: Actor) => actor.instanceRole === 'admin' && (!actor.token || actor.token.projectId === null);

/**
 * The actor's role in a project: an instance admin is admin everywhere, a
 * member has its membership; a token acts only in its project and never above
 * its own role.
 */
export function roleIn(actor: Actor, projectId: string): ProjectRole | null {
  const own = actor.instanceRole === 'admin' ? 'admin' : (actor.memberships.get(projectId) ?? null);
  if (!own || !actor.token) return own;
  if (actor.token.projectId !== null && actor.token.projectId !== projectId) return null;
  return actor.token.role ? lowerRole(own, actor.token.role) : own;
}

/** The one place that decides whether an actor may do something (in a project). */
export function can(actor: Actor, permission: Permission, scope: { projectId?: string | null } = {}): boolean {
  if (permission === 'signed_in') return true;
  if (permission === 'instance.admin') return isInstanceAdmin(actor);
  // What belongs to no project (system events) is for instance admins only.
  if (!scope.projectId) return isInstanceAdmin(actor);
  return roleAtLeast(roleIn(actor, scope.projectId), PROJECT_PERMISSION_ROLE[permission]);
}

const verb = (permission: Permission) => permission.replace(/^(run|project|instance)\./, '').replace('.', ' ');

/**
 * Refuses what the actor may not do: an object of a project the actor may not
 * even read is "not found" (its existence is not leaked), otherwise 403.
 */
export function assertCan(actor: Actor, permission: Permission, scope: { projectId?: string | null; what?: string } = {}) {
  if (can(actor, permission, scope)) return;
  if (scope.projectId && !can(actor, 'project.read', scope)) throw notFound(scope.what ?? 'Project');
  throw new DomainError('forbidden', `You may not ${verb(permission)} here${scope.projectId ? ' (your role in this project does not allow it)' : ''}.`);
}

/**
 * Why the actor may not deploy to the environment (`doing` it), or null when
 * it may: its role must reach the environment's protection (operator when
 * unprotected). The one deploy rule: assertCanDeploy, deployment plans and
 * holds all ask it.
 */
export function deployRefusal(actor: Actor, projectId: string, environment: string, required: ProjectRole, doing = 'Deploying to'): DomainError | null {
  const role = roleIn(actor, projectId);
  if (roleAtLeast(role, required)) return null;
  return new DomainError('forbidden', `${doing} ${environment} needs the ${required} role in this project; you are ${role ?? 'not a member'}.`, {
    environment,
    required_role: required,
  });
}

/**
 * Steps that deploy run only for actors whose role reaches the protection of
 * their environment (operator when unprotected). Called with every
 * environment an operation will run a step in.
 */
export async function assertCanDeploy(conn: Conn, actor: Actor, projectId: string, environmentNames: Iterable<string | null>) {
  const required = await requiredRoles(conn, projectId, environmentNames);
  for (const name of [...required.keys()].sort()) {
    const refusal = deployRefusal(actor, projectId, name, required.get(name)!);
    if (refusal) throw refusal;
  }
}

/** The lowest role that may deploy to each named environment (operator when unprotected). */
export async function requiredRoles(conn: Conn, projectId: string, names: Iterable<string | null>) {
  const unique = [...new Set([...names].filter((n): n is string => !!n))];
  const roles = new Map<string, ProjectRole>(unique.map((n) => [n, 'operator']));
  if (!unique.length) return roles;
  const rows = await conn
    .select({ name: environments.name, protection: environments.protection })
    .from(environments)
    .where(and(eq(environments.projectId, projectId), inArray(environments.name, unique)));
  for (const row of rows) if (row.protection.requiredRole) roles.set(row.name, row.protection.requiredRole);
  return roles;
}

/**
 * The projects an actor may read, for lists that span projects: `all` for an
 * instance admin, otherwise the ids its memberships (and token) reach.
 */
export type ProjectScope = { all: true } | { all: false; projectIds: string[] };

export function readableProjects(actor: Actor): ProjectScope {
  if (isInstanceAdmin(actor)) return { all: true };
  if (actor.token?.projectId) {
    return { all: false, projectIds: roleIn(actor, actor.token.projectId) ? [actor.token.projectId] : [] };
  }
  return { all: false, projectIds: [...actor.memberships.keys()] };
}

/** The SQL condition that keeps a list to a scope's projects (undefined: no condition). */
export function inProjectScope(column: SQLWrapper, scope: ProjectScope): SQL | undefined {
  if (scope.all) return undefined;
  if (scope.projectIds.length === 0) return sql`false`;
  return inArray(column as never, scope.projectIds);
}

/** A scope for system work (the demo seed, the worker): every project. Named so it is never used by accident. */
export const SYSTEM_SCOPE: ProjectScope = { all: true };
