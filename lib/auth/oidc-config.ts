import { isProjectRole, PROJECT_ROLES, roleAtLeast, type ProjectRole } from './roles';

/**
 * Single sign-on through an OpenID Connect provider, configured by
 * environment variables (README, "Single sign-on"). Off when
 * REPRISE_OIDC_ISSUER is unset. A malformed value stops the server at start
 * with a message naming the variable, rather than signing people in with
 * roles nobody meant.
 */
export interface OidcConfig {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The provider's name on the sign-in button: "Sign in with <name>". */
  name: string;
  /** The claim that lists the user's groups; a dotted name reaches into objects (`realm_access.roles`). */
  groupsClaim: string;
  /** The scopes asked for; always includes `openid`. */
  scope: string;
  roleMap: RoleMap;
}

/** One line of the role map: members of `group` get `role` in `project` (null: every project). */
export interface ProjectGrant {
  group: string;
  role: ProjectRole;
  project: string | null;
}

export interface RoleMap {
  /** Groups whose members are instance admins. */
  instanceAdminGroups: ReadonlySet<string>;
  projectGrants: readonly ProjectGrant[];
}

export class OidcConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OidcConfigError';
  }
}

type Env = Record<string, string | undefined>;

const PROJECT_KEY = /^[a-z0-9][a-z0-9_-]*$/i;
const INSTANCE_ADMIN = 'instance-admin';

/**
 * `group=target[,target…];…` where a target is `role@project` (`*`: every
 * project) or `instance-admin`. A group name may itself contain `=` or `,`
 * (LDAP names do): the last `=` of an entry separates it from its targets.
 */
export function parseRoleMap(text: string): RoleMap {
  const instanceAdminGroups = new Set<string>();
  const projectGrants: ProjectGrant[] = [];
  const entries = text
    .split(';')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries) {
    const at = entry.lastIndexOf('=');
    const group = at > 0 ? entry.slice(0, at).trim() : '';
    const targets =
      at > 0
        ? entry
            .slice(at + 1)
            .split(',')
            .map((t) => t.trim())
        : [];
    if (!group || !targets.length || targets.some((t) => !t)) {
      throw new OidcConfigError(
        `REPRISE_OIDC_ROLE_MAP: "${entry}" is not group=role@project (e.g. developers=operator@payments).`,
      );
    }
    for (const target of targets) {
      if (target === INSTANCE_ADMIN) {
        instanceAdminGroups.add(group);
        continue;
      }
      const [role, project, extra] = target.split('@');
      if (extra !== undefined || project === undefined) {
        throw new OidcConfigError(
          `REPRISE_OIDC_ROLE_MAP: "${target}" (for ${group}) is neither role@project nor ${INSTANCE_ADMIN}.`,
        );
      }
      if (!isProjectRole(role)) {
        throw new OidcConfigError(
          `REPRISE_OIDC_ROLE_MAP: "${role}" (for ${group}) is not a role; use one of ${PROJECT_ROLES.join(', ')}.`,
        );
      }
      if (project !== '*' && !PROJECT_KEY.test(project)) {
        throw new OidcConfigError(`REPRISE_OIDC_ROLE_MAP: "${project}" (for ${group}) is not a project key or *.`);
      }
      projectGrants.push({ group, role, project: project === '*' ? null : project });
    }
  }
  return { instanceAdminGroups, projectGrants };
}

/** The configuration in `env`, null when single sign-on is off; throws OidcConfigError when it is malformed. */
export function parseOidcConfig(env: Env): OidcConfig | null {
  const value = (name: string) => env[name]?.trim() || undefined;
  const issuer = value('REPRISE_OIDC_ISSUER');
  if (!issuer) {
    const stray = ['REPRISE_OIDC_CLIENT_ID', 'REPRISE_OIDC_CLIENT_SECRET', 'REPRISE_OIDC_ROLE_MAP'].filter((name) =>
      value(name),
    );
    if (stray.length)
      throw new OidcConfigError(
        `${stray.join(', ')} set but REPRISE_OIDC_ISSUER is not: set the issuer to turn single sign-on on, or unset them.`,
      );
    return null;
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new OidcConfigError(`REPRISE_OIDC_ISSUER: "${issuer}" is not a URL.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new OidcConfigError(
      `REPRISE_OIDC_ISSUER: "${issuer}" must be an https (or, for a local provider, http) URL.`,
    );
  if (url.search || url.hash)
    throw new OidcConfigError(`REPRISE_OIDC_ISSUER: "${issuer}" must have no query or fragment.`);
  const clientId = value('REPRISE_OIDC_CLIENT_ID');
  const clientSecret = value('REPRISE_OIDC_CLIENT_SECRET');
  if (!clientId) throw new OidcConfigError('REPRISE_OIDC_CLIENT_ID is required when REPRISE_OIDC_ISSUER is set.');
  if (!clientSecret)
    throw new OidcConfigError('REPRISE_OIDC_CLIENT_SECRET is required when REPRISE_OIDC_ISSUER is set.');
  const scope = value('REPRISE_OIDC_SCOPE') ?? 'openid email profile';
  if (!scope.split(/\s+/).includes('openid'))
    throw new OidcConfigError(`REPRISE_OIDC_SCOPE: "${scope}" must include openid.`);
  const groupsClaim = value('REPRISE_OIDC_GROUPS_CLAIM') ?? 'groups';
  if (!/^[\w:/.-]+$/.test(groupsClaim))
    throw new OidcConfigError(`REPRISE_OIDC_GROUPS_CLAIM: "${groupsClaim}" is not a claim name.`);
  return {
    issuer,
    clientId,
    clientSecret,
    name: value('REPRISE_OIDC_NAME') ?? 'single sign-on',
    groupsClaim,
    scope,
    roleMap: parseRoleMap(env.REPRISE_OIDC_ROLE_MAP ?? ''),
  };
}

let cached: { config: OidcConfig | null } | null = null;

/** This process's configuration (read once from the environment). */
export function oidcConfig(): OidcConfig | null {
  cached ??= { config: parseOidcConfig(process.env) };
  return cached.config;
}

/**
 * The groups a provider's claims name: an array of strings, or one string.
 * Anything else (missing, numbers, objects) is no group at all.
 */
export function groupsOf(claims: Record<string, unknown>, claimName: string): string[] {
  let value: unknown = claims[claimName];
  if (value === undefined && claimName.includes('.')) {
    value = claimName
      .split('.')
      .reduce<unknown>(
        (at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined),
        claims,
      );
  }
  if (typeof value === 'string') return value ? [value] : [];
  return Array.isArray(value) ? value.filter((g): g is string => typeof g === 'string' && g !== '') : [];
}

/** What a user's groups grant: instance admin or not, and the highest role per project (by project id). */
export function rolesFromGroups(
  map: RoleMap,
  groups: readonly string[],
  projects: readonly { id: string; key: string }[],
) {
  const member = new Set(groups);
  const roles = new Map<string, ProjectRole>();
  for (const grant of map.projectGrants) {
    if (!member.has(grant.group)) continue;
    for (const project of projects) {
      if (grant.project !== null && grant.project !== project.key) continue;
      const had = roles.get(project.id);
      if (!had || !roleAtLeast(had, grant.role)) roles.set(project.id, grant.role);
    }
  }
  return { instanceAdmin: [...member].some((g) => map.instanceAdminGroups.has(g)), roles };
}
