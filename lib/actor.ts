import type { UserRole } from '@/db/schema';
import type { ProjectRole } from './auth/roles';

/** The API token a request came with: which one (for the audit log), and what it may reach. */
export interface ActorToken {
  id: string;
  /** The one project the token acts in; null for an instance token (REPRISE_BOOTSTRAP_TOKEN). */
  projectId: string | null;
  /** The highest role the token may use in its project. */
  role: ProjectRole | null;
}

/**
 * The identity behind a request: a signed-in user, or the owner of an API
 * token together with that token. What it may do is decided by
 * lib/auth/permissions.ts from `instanceRole`, `memberships` and `token`.
 */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  /** `admin` manages users and holds every project role; `member` has its memberships. */
  instanceRole: UserRole;
  /** The user's role in each project it is a member of, by project id. */
  memberships: ReadonlyMap<string, ProjectRole>;
  token: ActorToken | null;
  /** The client's address as the app saw it (for the audit log), when known. */
  address: string | null;
}
