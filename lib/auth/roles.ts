import type { ProjectRole } from '@/db/schema';

export type { ProjectRole };

/**
 * Roles in a project, lowest first; each may do what the ones before it may:
 * - viewer: read;
 * - operator: trigger, retry, replay, cancel; deploy to unprotected environments;
 * - deployer: also deploy, retry, redeploy and roll back in protected environments;
 * - admin: manage the project (members, tokens, environment protection).
 */
export const PROJECT_ROLES = ['viewer', 'operator', 'deployer', 'admin'] as const satisfies readonly ProjectRole[];

export const isProjectRole = (value: unknown): value is ProjectRole =>
  typeof value === 'string' && (PROJECT_ROLES as readonly string[]).includes(value);

/** Whether `role` includes everything `required` may do. */
export const roleAtLeast = (role: ProjectRole | null | undefined, required: ProjectRole) =>
  !!role && PROJECT_ROLES.indexOf(role) >= PROJECT_ROLES.indexOf(required);

/** The lower of two roles: a token never acts above its owner. */
export const lowerRole = (a: ProjectRole, b: ProjectRole): ProjectRole =>
  PROJECT_ROLES.indexOf(a) <= PROJECT_ROLES.indexOf(b) ? a : b;
