import { headers } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Actor } from '../actor';
import { paths } from '../paths';
import { clientAddress } from '../server/client-address';
import { getDb } from '../server/runtime';
import { REQUEST_PATH_HEADER, safeCallbackPath } from './callback-path';
import { auth } from './next-auth';
import { actorForToken } from './tokens';
import { findActor } from './users';

/** The signed-in user of this request (session cookie), or null; a deactivated user is nobody. */
export async function sessionActor(): Promise<Actor | null> {
  const session = await auth();
  const userId = session?.user?.id;
  if (!userId) return null;
  return findActor(await getDb(), userId, clientAddress(await headers()));
}

/** For pages: the signed-in user, or a redirect to sign-in that leads back to the page asked for. */
export async function requirePageActor(next?: string): Promise<Actor> {
  const actor = await sessionActor();
  if (!actor) redirect(paths.signIn(safeCallbackPath(next ?? (await headers()).get(REQUEST_PATH_HEADER)) ?? undefined));
  return actor;
}

/** For API routes: a Bearer token, else the session cookie. */
export async function requestActor(request: Request): Promise<Actor | null> {
  const header = request.headers.get('authorization');
  if (header) {
    const match = header.match(/^Bearer\s+(\S+)$/i);
    return match ? actorForToken(await getDb(), match[1], clientAddress(request.headers)) : null;
  }
  // No cookie, no session: skip decoding one.
  if (!request.headers.get('cookie')) return null;
  return sessionActor();
}
