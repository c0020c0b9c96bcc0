import Link from 'next/link';
import { redirect } from 'next/navigation';
import { sessionActor } from '@/lib/auth/identity';
import { SetupForm } from '@/components/auth/auth-forms';
import { AuthFrame } from '@/components/auth/auth-frame';
import { needsFirstAdmin } from '@/lib/auth/users';
import { paths } from '@/lib/paths';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Welcome' };

/** First run: nobody has an account yet, so the first person creates the admin. */
export default async function SetupPage() {
  // Done once: someone signed in goes home, anyone else to sign in.
  if (!(await needsFirstAdmin(await getDb()))) redirect((await sessionActor()) ? paths.home() : paths.signIn());
  return (
    <AuthFrame title="Welcome to Reprise" subtitle="Create the first admin account.">
      <SetupForm />
      <p className="mt-6 border-t border-zinc-200 pt-4 text-sm text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
        Others join later: signed in, open{' '}
        <Link href={paths.users()} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
          Settings → Users
        </Link>{' '}
        and create an account for each person (email, name and a first password to pass on), then give them a role on
        the project’s page. With single sign-on set up (README), people sign in with their company account instead.
      </p>
    </AuthFrame>
  );
}
