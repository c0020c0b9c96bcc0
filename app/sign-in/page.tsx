import { redirect } from 'next/navigation';
import { SignInForm, SsoSignInForm } from '@/components/auth/auth-forms';
import { AuthFrame } from '@/components/auth/auth-frame';
import { safeCallbackPath } from '@/lib/auth/callback-path';
import { oidcConfig } from '@/lib/auth/oidc-config';
import { SSO_REFUSAL_MESSAGES } from '@/lib/auth/sso';
import { needsFirstAdmin } from '@/lib/auth/users';
import { paths } from '@/lib/paths';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Sign in' };

/** Why a single sign-on came back without a session: our refusals by name, anything else (a provider error) in general words. */
const ssoErrorMessage = (error: string | undefined) =>
  error
    ? Object.hasOwn(SSO_REFUSAL_MESSAGES, error)
      ? SSO_REFUSAL_MESSAGES[error as keyof typeof SSO_REFUSAL_MESSAGES]
      : SSO_REFUSAL_MESSAGES.failed
    : undefined;

export default async function SignInPage({
  searchParams,
}: {
  searchParams: Promise<{ callbackUrl?: string; next?: string; error?: string }>;
}) {
  if (await needsFirstAdmin(await getDb())) redirect(paths.setup());
  const { callbackUrl, next: legacyNext, error } = await searchParams;
  // `next` is the older name of the parameter; links with it still lead back.
  const next = safeCallbackPath(callbackUrl ?? legacyNext) ?? undefined;
  const sso = oidcConfig();
  return (
    <AuthFrame title="Sign in to Reprise">
      {sso ? (
        <>
          <SsoSignInForm name={sso.name} next={next} error={ssoErrorMessage(error)} />
          <p className="my-5 flex items-center gap-3 text-xs text-zinc-500 before:h-px before:flex-1 before:bg-zinc-200 after:h-px after:flex-1 after:bg-zinc-200 dark:text-zinc-400 dark:before:bg-zinc-800 dark:after:bg-zinc-800">
            or with your email and password
          </p>
        </>
      ) : null}
      <SignInForm next={next} />
    </AuthFrame>
  );
}
