'use client';

import { useActionState } from 'react';
import { useFormStatus } from 'react-dom';
import { setupAction, signInAction, ssoSignInAction, type AuthFormState } from '@/app/actions/auth';
import { Button } from '../ui/button';

const input =
  'mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm shadow-sm focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 dark:border-zinc-700 dark:bg-zinc-900';

function Field({ id, label, type = 'text', defaultValue, autoComplete }: { id: string; label: string; type?: string; defaultValue?: string; autoComplete?: string }) {
  return (
    <div>
      <label htmlFor={id} className="block text-sm font-medium">
        {label}
      </label>
      <input id={id} name={id} type={type} required defaultValue={defaultValue} autoComplete={autoComplete} className={input} />
    </div>
  );
}

function FormError({ state }: { state: AuthFormState }) {
  return state.error ? (
    <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
      {state.error}
    </p>
  ) : null;
}

export function SignInForm({ next }: { next?: string }) {
  const [state, action, pending] = useActionState(signInAction, {});
  return (
    <form action={action} className="space-y-4">
      <input type="hidden" name="next" value={next ?? ''} />
      <Field id="email" label="Email" type="email" autoComplete="username" defaultValue={state.fields?.email} />
      <Field id="password" label="Password" type="password" autoComplete="current-password" />
      <FormError state={state} />
      <Button variant="primary" type="submit" disabled={pending} className="w-full justify-center">
        {pending ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}

/** "Sign in with <provider>": a form, so that starting a sign-in is a POST the server checks like any action. */
export function SsoSignInForm({ name, next, error }: { name: string; next?: string; error?: string }) {
  return (
    <form action={ssoSignInAction} className="space-y-4">
      <input type="hidden" name="next" value={next ?? ''} />
      {error ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {error}
        </p>
      ) : null}
      <SsoButton name={name} />
    </form>
  );
}

function SsoButton({ name }: { name: string }) {
  const { pending } = useFormStatus();
  return (
    <Button type="submit" disabled={pending} className="w-full justify-center">
      {pending ? 'Redirecting…' : `Sign in with ${name}`}
    </Button>
  );
}

export function SetupForm() {
  const [state, action, pending] = useActionState(setupAction, {});
  return (
    <form action={action} className="space-y-4">
      <Field id="name" label="Name" autoComplete="name" defaultValue={state.fields?.name} />
      <Field id="email" label="Email" type="email" autoComplete="username" defaultValue={state.fields?.email} />
      <Field id="password" label="Password" type="password" autoComplete="new-password" />
      <p className="text-xs text-zinc-500 dark:text-zinc-400">At least 8 characters.</p>
      <FormError state={state} />
      <Button variant="primary" type="submit" disabled={pending} className="w-full justify-center">
        {pending ? 'Creating…' : 'Create admin account'}
      </Button>
    </form>
  );
}
