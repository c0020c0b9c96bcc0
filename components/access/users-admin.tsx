'use client';

import { useRef, useState } from 'react';
import { KeyRound, UserCheck, UserPlus, UserX } from 'lucide-react';
import { createUserAction, updateUserAction } from '@/app/actions/access';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';
import { Card, EmptyState } from '../ui/card';
import { Field, formText, inputClass, selectClass } from '../ui/form';
import { useNow } from '../live/use-view';
import { RelativeTime } from '../ui/time';
import { fieldProblem, useSubmit } from './use-submit';

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: 'admin' | 'member';
  active: boolean;
  created_at: string | null;
}

/** Instance admins: every account, a form to create one, and per account reset password / deactivate / reactivate. */
export function UsersAdmin({ users, selfId, now }: { users: UserRow[]; selfId: string; now: string }) {
  // The server's time of the page, so the first render matches the server's (no hydration mismatch).
  const current = useNow(now);
  return (
    <div className="space-y-6">
      <CreateUserForm />
      <Card className="p-0">
        <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Accounts ({users.length})</h2>
        {users.length === 0 ? (
          <div className="p-4">
            <EmptyState title="No accounts yet">Create the first one with the form above.</EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium">Email</th>
                  <th scope="col" className="px-4 py-2 font-medium">Name</th>
                  <th scope="col" className="px-4 py-2 font-medium">Instance role</th>
                  <th scope="col" className="px-4 py-2 font-medium">Status</th>
                  <th scope="col" className="px-4 py-2 font-medium">Created</th>
                  <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
                {users.map((u) => (
                  <tr key={u.id} data-user={u.email}>
                    <td className="px-4 py-2 font-mono text-xs">{u.email}</td>
                    <td className="px-4 py-2">
                      {u.name}
                      {u.id === selfId ? <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">(you)</span> : null}
                    </td>
                    <td className="px-4 py-2">{u.role === 'admin' ? 'Instance admin' : 'Member'}</td>
                    <td className="px-4 py-2">
                      {u.active ? (
                        <span className="inline-flex items-center gap-1 text-emerald-700 dark:text-emerald-300">
                          <UserCheck aria-hidden className="size-4" /> active
                        </span>
                      ) : (
                        <span className="inline-flex items-center gap-1 text-zinc-500 dark:text-zinc-400">
                          <UserX aria-hidden className="size-4" /> deactivated
                        </span>
                      )}
                    </td>
                    <td className="px-4 py-2 text-zinc-500 dark:text-zinc-400">
                      <RelativeTime date={u.created_at} now={current} />
                    </td>
                    <td className="px-4 py-2">
                      <div className="flex justify-end gap-2">
                        <ResetPassword user={u} />
                        {u.id === selfId ? null : <ToggleActive user={u} />}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function CreateUserForm() {
  const { pending, submit } = useSubmit();
  const [details, setDetails] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  return (
    <Card>
      <h2 className="flex items-center gap-2 font-semibold">
        <UserPlus aria-hidden className="size-4" /> Create an account
      </h2>
      <p className="text-sm text-zinc-500 dark:text-zinc-400">
        The person signs in with this email and password; give them a role in a project on its page.
      </p>
      <form
        ref={form}
        aria-label="Create an account"
        className="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-4"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          submit(
            () =>
              createUserAction({
                email: formText(data, 'email'),
                name: formText(data, 'name'),
                password: formText(data, 'password'),
                role: data.get('role') === 'admin' ? 'admin' : 'member',
                reason: formText(data, 'reason') || null,
              }),
            (user) => `Created ${user.email}`,
            (result) => {
              setDetails(result.ok ? null : (result.error.details ?? null));
              if (result.ok) form.current?.reset();
            },
          );
        }}
      >
        <Field id="new-user-email" label="Email" error={fieldProblem(details, 'email')}>
          <input id="new-user-email" name="email" type="email" required autoComplete="off" className={inputClass} />
        </Field>
        <Field id="new-user-name" label="Name" error={fieldProblem(details, 'name')}>
          <input id="new-user-name" name="name" required autoComplete="off" className={inputClass} />
        </Field>
        <Field id="new-user-password" label="Password" hint="At least 8 characters." error={fieldProblem(details, 'password')}>
          <input id="new-user-password" name="password" type="password" required minLength={8} autoComplete="new-password" className={inputClass} />
        </Field>
        <Field id="new-user-role" label="Instance role">
          <select id="new-user-role" name="role" defaultValue="member" className={`${selectClass} mt-1 block w-full`}>
            <option value="member">Member (roles per project)</option>
            <option value="admin">Instance admin (everything)</option>
          </select>
        </Field>
        <div className="sm:col-span-2 lg:col-span-3">
          <Field id="new-user-reason" label="Reason (optional)">
            <input id="new-user-reason" name="reason" className={inputClass} placeholder="e.g. joins the platform team" />
          </Field>
        </div>
        <div className="flex items-end">
          <Button type="submit" variant="primary" disabled={pending} className="w-full justify-center">
            {pending ? 'Creating…' : 'Create account'}
          </Button>
        </div>
      </form>
    </Card>
  );
}

function ResetPassword({ user }: { user: UserRow }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [password, setPassword] = useState('');
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const { pending, submit } = useSubmit();
  const id = `reset-${user.id}`;
  return (
    <>
      <Button onClick={() => dialog.current?.showModal()} aria-label={`Reset the password of ${user.email}`}>
        <KeyRound aria-hidden className="size-4" /> Reset password
      </Button>
      <ActionDialog
        dialog={dialog}
        id={id}
        title={`Reset the password of ${user.email}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. forgot it, asked on chat"
        refusal={refusal}
        confirmLabel={pending ? 'Saving…' : 'Set new password'}
        confirmDisabled={pending || password.length === 0}
        onConfirm={() =>
          submit(
            () => updateUserAction({ user_id: user.id, password, reason: reason || null }),
            () => `New password set for ${user.email}`,
            (result) => {
              setRefusal(result.ok ? null : result.error.message);
              if (result.ok) {
                setPassword('');
                setReason('');
                dialog.current?.close();
              }
            },
          )
        }
      >
        <p className="text-sm text-zinc-600 dark:text-zinc-300">Tell them the new password through a channel you trust; their current sessions keep working.</p>
        <Field id={`${id}-password`} label="New password" hint="At least 8 characters.">
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className={inputClass}
          />
        </Field>
      </ActionDialog>
    </>
  );
}

function ToggleActive({ user }: { user: UserRow }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const { pending, submit } = useSubmit();
  const verb = user.active ? 'Deactivate' : 'Reactivate';
  return (
    <>
      <Button variant={user.active ? 'danger' : 'secondary'} onClick={() => dialog.current?.showModal()} aria-label={`${verb} ${user.email}`}>
        {user.active ? <UserX aria-hidden className="size-4" /> : <UserCheck aria-hidden className="size-4" />} {verb}
      </Button>
      <ActionDialog
        dialog={dialog}
        id={`active-${user.id}`}
        title={`${verb} ${user.email}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder={user.active ? 'e.g. left the company' : 'e.g. back from leave'}
        refusal={refusal}
        confirmLabel={pending ? 'Saving…' : verb}
        confirmDisabled={pending}
        onConfirm={() =>
          submit(
            () => updateUserAction({ user_id: user.id, active: !user.active, reason: reason || null }),
            (u) => `${u.email} is ${u.active ? 'active again' : 'deactivated'}`,
            (result) => {
              setRefusal(result.ok ? null : result.error.message);
              if (result.ok) {
                setReason('');
                dialog.current?.close();
              }
            },
          )
        }
      >
        <p className="text-sm text-zinc-600 dark:text-zinc-300">
          {user.active
            ? 'They are signed out at their next request and their API tokens stop working at once. Nothing they did is deleted.'
            : 'They can sign in again, and their unexpired, unrevoked tokens work again.'}
        </p>
      </ActionDialog>
    </>
  );
}
