'use server';

import { AuthError } from 'next-auth';
import { redirect } from 'next/navigation';
import { z } from 'zod';
import { SignInRateLimited, signIn, signOut, SSO_PROVIDER_ID } from '@/lib/auth/next-auth';
import { safeCallbackPath } from '@/lib/auth/callback-path';
import { oidcConfig } from '@/lib/auth/oidc-config';
import { createFirstAdmin, needsFirstAdmin } from '@/lib/auth/users';
import { DomainError } from '@/lib/errors';
import { publicFormAction } from '@/lib/operations/action';
import { tooManySignInsMessage } from '@/lib/rate-limit';
import { paths } from '@/lib/paths';
import { getDb } from '@/lib/server/runtime';

export interface AuthFormState {
  error?: string;
  fields?: Record<string, string>;
}

const field = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value : '';
};

/** Only paths of this dashboard may be redirected to after sign-in (no open redirect). */
const safeNext = (next: unknown) => safeCallbackPath(next) ?? paths.home();

export const signInAction = publicFormAction({ id: 'auth.sign_in', summary: 'Sign in with email and password', permission: 'public' }, async (_prev: AuthFormState, form: FormData): Promise<AuthFormState> => {
  const email = field(form, 'email');
  try {
    await signIn('credentials', {
      email,
      password: field(form, 'password'),
      redirectTo: safeNext(form.get('next')),
    });
  } catch (error) {
    if (error instanceof SignInRateLimited) return { error: tooManySignInsMessage(error.retryAfterSeconds), fields: { email } };
    if (error instanceof AuthError) return { error: 'That email and password do not match an account.', fields: { email } };
    throw error; // the redirect after a successful sign-in
  }
  return {};
});

/** Starts a single sign-on: next-auth redirects to the provider, which comes back to /api/auth/callback/oidc. */
export const ssoSignInAction = publicFormAction({ id: 'auth.sso_sign_in', summary: 'Sign in through the OpenID Connect provider', permission: 'public' }, async (form: FormData) => {
  if (!oidcConfig()) redirect(paths.signIn());
  await signIn(SSO_PROVIDER_ID, { redirectTo: safeNext(form.get('next')) });
});

const setupSchema = z.object({
  name: z.string().trim().min(1, 'Enter your name').max(200),
  email: z.email('Enter a valid email address'),
  password: z.string().min(8, 'Use at least 8 characters').max(200),
});

/** First run: creates the first admin (only while nobody has an account) and signs them in. */
export const setupAction = publicFormAction({ id: 'auth.setup', summary: 'Create the first admin (only while nobody has an account)', permission: 'public' }, async (_prev: AuthFormState, form: FormData): Promise<AuthFormState> => {
  const values = { name: field(form, 'name'), email: field(form, 'email'), password: field(form, 'password') };
  const parsed = setupSchema.safeParse(values);
  if (!parsed.success) return { error: parsed.error.issues[0].message, fields: { name: values.name, email: values.email } };
  const db = await getDb();
  if (!(await needsFirstAdmin(db))) redirect(paths.signIn());
  try {
    await createFirstAdmin(db, parsed.data);
  } catch (error) {
    if (error instanceof DomainError) return { error: error.message, fields: { name: values.name, email: values.email } };
    throw error;
  }
  await signIn('credentials', { email: parsed.data.email, password: parsed.data.password, redirectTo: paths.home() });
  return {};
});

export const signOutAction = publicFormAction({ id: 'auth.sign_out', summary: 'Sign out', permission: 'public' }, async () => {
  await signOut({ redirectTo: paths.signIn() });
});
