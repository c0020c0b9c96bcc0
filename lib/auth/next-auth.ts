import NextAuth from 'next-auth';
import Credentials from 'next-auth/providers/credentials';
import { recordAudit } from '../audit';
import { clientAddress } from '../server/client-address';
import { getDb } from '../server/runtime';
import { authSecret } from './secret';
import { authenticate } from './users';

export const { handlers, auth, signIn, signOut } = NextAuth(() => ({
  secret: authSecret(),
  trustHost: true,
  session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
  pages: { signIn: '/sign-in' },
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
        const db = await getDb();
        const actor = await authenticate(db, email, password);
        if (!actor) {
          // Who tried which account from where; never the password.
          await recordAudit(db, null, {
            action: 'auth.sign_in_failed',
            targetType: 'user',
            targetId: email.slice(0, 320).toLowerCase(),
            address: clientAddress(request.headers),
          });
        }
        return actor ? { id: actor.userId, email: actor.email, name: actor.name } : null;
      },
    }),
  ],
  callbacks: {
    jwt({ token, user }) {
      if (user?.id) token.sub = user.id;
      return token;
    },
    session({ session, token }) {
      if (token.sub) session.user.id = token.sub;
      return session;
    },
  },
}));
