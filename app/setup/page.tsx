import { redirect } from 'next/navigation';
import { SetupForm } from '@/components/auth/auth-forms';
import { AuthFrame } from '@/components/auth/auth-frame';
import { needsFirstAdmin } from '@/lib/auth/users';
import { paths } from '@/lib/paths';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Welcome' };

/** First run: nobody has an account yet, so the first person creates the admin. */
export default async function SetupPage() {
  if (!(await needsFirstAdmin(await getDb()))) redirect(paths.signIn());
  return (
    <AuthFrame title="Welcome to Reprise" subtitle="Create the first admin account. You can invite others later.">
      <SetupForm />
    </AuthFrame>
  );
}
