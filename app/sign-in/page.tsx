import { redirect } from 'next/navigation';
import { SignInForm } from '@/components/auth/auth-forms';
import { AuthFrame } from '@/components/auth/auth-frame';
import { needsFirstAdmin } from '@/lib/auth/users';
import { paths } from '@/lib/paths';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in' };

export default async function SignInPage({ searchParams }: { searchParams: Promise<{ next?: string }> }) {
  if (await needsFirstAdmin(await getDb())) redirect(paths.setup());
  const { next } = await searchParams;
  return (
    <AuthFrame title="Sign in to Reprise">
      <SignInForm next={next} />
    </AuthFrame>
  );
}
