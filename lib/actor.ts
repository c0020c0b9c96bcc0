import type { UserRole } from '@/db/schema';

/** The identity behind a request: a signed-in user or the owner of an API token. */
export interface Actor {
  userId: string;
  email: string;
  name: string;
  role: UserRole;
}
