import NextAuth, { CredentialsSignin } from 'next-auth';
import type { Provider } from 'next-auth/providers';
import Credentials from 'next-auth/providers/credentials';
import { headers } from 'next/headers';
import type { NextRequest } from 'next/server';
import { paths, publicOrigin, servedOverHttps } from '../paths';
import { clientAddress } from '../server/client-address';
import { getDb } from '../server/runtime';
import { oidcConfig, type OidcConfig } from './oidc-config';
import { authSecret } from './secret';
import { signInWithPassword } from './sign-in';
import { signInWithSso } from './sso';

/**
 * Too many attempts: next-auth hands this error (its `code` also lands in the
 * redirect URL of its own sign-in route) back to the server action, which
 * tells the person how long to wait.
 */
export class SignInRateLimited extends CredentialsSignin {
  code = 'rate_limited';
  constructor(readonly retryAfterSeconds: number) {
    super(`Too many sign-in attempts; retry after ${retryAfterSeconds} s`);
  }
}

/** The request's headers where next-auth does not hand us the request (server actions, server components); none outside a request. */
async function currentHeaders(): Promise<Headers | undefined> {
  try {
    return await headers();
  } catch {
    return undefined;
  }
}

/**
 * Cookies JavaScript cannot read (HttpOnly), not sent on cross-site
 * subrequests (SameSite=Lax), and Secure when the dashboard is served over
 * https (REPRISE_PUBLIC_URL, or a trusted proxy's X-Forwarded-Proto — never
 * the caller's own say-so). The names stay fixed so a session set behind the
 * proxy is read the same everywhere.
 */
function cookieOptions(secure: boolean) {
  const options = { httpOnly: true, sameSite: 'lax' as const, path: '/', secure };
  return {
    sessionToken: { name: 'authjs.session-token', options },
    callbackUrl: { name: 'authjs.callback-url', options },
    csrfToken: { name: 'authjs.csrf-token', options },
  };
}


/** The id of the single sign-on provider in next-auth's URLs (`/api/auth/callback/oidc`). */
export const SSO_PROVIDER_ID = 'oidc';

/**
 * The OpenID Connect provider, discovered from its issuer at the first
 * sign-in. Claims are read from the ID token and the userinfo endpoint both,
 * since providers differ in where they put `email` and the groups.
 */
function ssoProvider(config: OidcConfig): Provider {
  return {
    id: SSO_PROVIDER_ID,
    name: config.name,
    type: 'oidc',
    issuer: config.issuer,
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    checks: ['pkce', 'state', 'nonce'],
    idToken: false,
    authorization: { params: { scope: config.scope } },
  };
}

/** The claims of an ID token that next-auth has already verified (signature, issuer, audience, nonce). */
function idTokenClaims(idToken: unknown): Record<string, unknown> {
  if (typeof idToken !== 'string') return {};
  try {
    return JSON.parse(Buffer.from(idToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return {};
  }
}

async function requestAddress() {
  const current = await currentHeaders();
  return current ? clientAddress(current) : null;
}

const nextAuth = NextAuth(async (request) => {
  const sso = oidcConfig();
  return {
    secret: authSecret(),
    trustHost: true,
    cookies: cookieOptions(servedOverHttps(request?.headers ?? (await currentHeaders()))),
    session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
    // Errors of a provider sign-in (a refusal, a provider that failed) come back to the sign-in page.
    pages: { signIn: paths.signIn(), error: paths.signIn() },
    // A wrong password is an ordinary event, not a server error with a stack.
    logger: {
      error(error: Error & { type?: string }) {
        if (error.type === 'CredentialsSignin' || error.name === 'CredentialsSignin') return;
        console.error('[auth]', error);
      },
    },
    providers: [
      Credentials({
        credentials: { email: { label: 'Email' }, password: { label: 'Password', type: 'password' } },
        async authorize(credentials, request) {
          const email = typeof credentials?.email === 'string' ? credentials.email : '';
          const password = typeof credentials?.password === 'string' ? credentials.password : '';
          // PostgreSQL text cannot hold NUL: such an email matches no account.
          if (!email || !password || email.includes('\u0000') || email.length > 320) return null;
          const result = await signInWithPassword(await getDb(), { email, password, address: clientAddress(request.headers) });
          if (result.ok) return { id: result.actor.userId, email: result.actor.email, name: result.actor.name };
          if (result.reason === 'rate_limited') throw new SignInRateLimited(result.retryAfterSeconds);
          return null;
        },
      }),
      ...(sso ? [ssoProvider(sso)] : []),
    ],
    callbacks: {
      /**
       * A provider sign-in becomes a Reprise user here (lib/auth/sso.ts); the
       * session then carries that user's id, like a password sign-in.
       */
      async signIn({ user, account, profile }) {
        if (account?.provider !== SSO_PROVIDER_ID) return true;
        if (!sso) return false;
        const claims = { ...idTokenClaims(account.id_token), ...(profile ?? {}) };
        const result = await signInWithSso(await getDb(), sso, claims, await requestAddress());
        if (!result.ok) return paths.signInError(result.reason);
        user.id = result.actor.userId;
        user.email = result.actor.email;
        user.name = result.actor.name;
        return true;
      },
      jwt({ token, user }) {
        if (user?.id) token.sub = user.id;
        return token;
      },
      session({ session, token }) {
        if (token.sub) session.user.id = token.sub;
        return session;
      },
    },
  };
});

export const { auth, signIn, signOut } = nextAuth;

/**
 * next-auth's own endpoints (sign-in, callback, sign-out), seeing the origin
 * the browser used. A sign-in started from a server action builds the
 * provider's redirect URI from the Host header; without AUTH_URL the callback
 * would see the server's own idea of its URL instead (`localhost:<port>` under
 * `next start`), the two redirect URIs would differ, and the provider refuses
 * the code. With AUTH_URL both use it, and the request is left as it is.
 */
export const handlers = {
  GET: async (request: NextRequest) => nextAuth.handlers.GET(await atBrowserOrigin(request)),
  POST: async (request: NextRequest) => nextAuth.handlers.POST(await atBrowserOrigin(request)),
};

async function atBrowserOrigin(request: NextRequest): Promise<NextRequest> {
  if (process.env.AUTH_URL || process.env.NEXTAUTH_URL || !request.headers.get('host')) return request;
  // The Host the browser sent, or what a trusted proxy forwarded (lib/paths.ts publicOrigin).
  const origin = publicOrigin(request);
  const { pathname, search } = new URL(request.url);
  const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await request.arrayBuffer();
  // A plain Request: a NextRequest would turn 127.0.0.1 back into localhost.
  // next-auth reads `nextUrl` only when AUTH_URL is set, which returned above.
  return new Request(`${origin}${pathname}${search}`, {
    method: request.method,
    headers: request.headers,
    body,
  }) as NextRequest;
}
