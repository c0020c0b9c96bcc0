'use client';

import { useRef, useState } from 'react';
import { AlertTriangle, KeyRound, Trash2 } from 'lucide-react';
import { createTokenAction, revokeTokenAction } from '@/app/actions/access';
import { PROJECT_ROLES, roleAtLeast, type ProjectRole } from '@/lib/auth/roles';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';
import { Card, EmptyState } from '../ui/card';
import { CopyButton } from '../ui/copy-button';
import { Field, formText, inputClass, selectClass } from '../ui/form';
import { absolute, RelativeTime } from '../ui/time';
import { fieldProblem, useSubmit } from './use-submit';

export interface TokenRow {
  id: string;
  name: string;
  project: string | null;
  role: ProjectRole | null;
  owner: { id: string; email: string };
  created_at: string | null;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface TokenProject {
  key: string;
  title: string;
  role: ProjectRole | null;
}

const EXPIRY_DAYS = [
  ['', 'Never'],
  ['7', 'In 7 days'],
  ['30', 'In 30 days'],
  ['90', 'In 90 days'],
  ['365', 'In a year'],
] as const;

/** Create a project token (shown once), list tokens with their last use, revoke one after confirming. */
export function TokensAdmin({ tokens, projects, selfId, now }: { tokens: TokenRow[]; projects: TokenProject[]; selfId: string; now: string }) {
  const [created, setCreated] = useState<{ name: string; token: string } | null>(null);
  return (
    <div className="space-y-6">
      {created ? <ShownOnce created={created} onDone={() => setCreated(null)} /> : <CreateToken projects={projects} onCreated={setCreated} />}
      <Card className="p-0">
        <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Tokens ({tokens.length})</h2>
        {tokens.length === 0 ? (
          <div className="p-4">
            <EmptyState title="No tokens yet">Create one above for a script, the CLI or CI; send it as Authorization: Bearer &lt;token&gt;.</EmptyState>
          </div>
        ) : (
          <div className="overflow-x-auto">
            <table className="w-full text-left text-sm">
              <thead className="text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                <tr>
                  <th scope="col" className="px-4 py-2 font-medium">Name</th>
                  <th scope="col" className="px-4 py-2 font-medium">Project · role</th>
                  <th scope="col" className="px-4 py-2 font-medium">Owner</th>
                  <th scope="col" className="px-4 py-2 font-medium">Created</th>
                  <th scope="col" className="px-4 py-2 font-medium">Last used</th>
                  <th scope="col" className="px-4 py-2 font-medium">Expires</th>
                  <th scope="col" className="px-4 py-2 font-medium">Status</th>
                  <th scope="col" className="px-4 py-2 font-medium"><span className="sr-only">Actions</span></th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-200 dark:divide-zinc-800">
                {tokens.map((t) => (
                  <TokenItem key={t.id} token={t} selfId={selfId} now={new Date(now)} />
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}

function CreateToken({ projects, onCreated }: { projects: TokenProject[]; onCreated: (c: { name: string; token: string }) => void }) {
  const usable = projects.filter((p) => p.role);
  const [project, setProject] = useState(usable[0]?.key ?? '');
  const own = usable.find((p) => p.key === project)?.role ?? null;
  const roles = PROJECT_ROLES.filter((r) => roleAtLeast(own, r));
  const [role, setRole] = useState<ProjectRole>('viewer');
  const [details, setDetails] = useState<unknown>(null);
  const { pending, submit } = useSubmit();
  if (usable.length === 0) {
    return (
      <EmptyState title="No project to make a token for">
        A token acts in one project with a role no higher than yours there; ask an admin to add you to a project first.
      </EmptyState>
    );
  }
  return (
    <Card>
      <h2 className="flex items-center gap-2 font-semibold">
        <KeyRound aria-hidden className="size-4" /> Create a token
      </h2>
      <p className="text-sm text-zinc-500 dark:text-zinc-400">
        For one project, with a role no higher than your own there. It acts as you; the audit log names the token.
      </p>
      <form
        aria-label="Create a token"
        className="mt-3 grid gap-3 sm:grid-cols-2 lg:grid-cols-5"
        onSubmit={(e) => {
          e.preventDefault();
          const data = new FormData(e.currentTarget);
          const days = Number(data.get('expires') || 0);
          const name = formText(data, 'name');
          submit(
            () =>
              createTokenAction({
                name,
                project,
                role: roles.includes(role) ? role : 'viewer',
                expires_at: days ? new Date(Date.now() + days * 86_400_000).toISOString() : null,
                reason: formText(data, 'reason') || null,
              }),
            (t) => `Token ${t.name} created`,
            (result) => {
              setDetails(result.ok ? null : (result.error.details ?? null));
              if (result.ok) onCreated({ name: result.data.name, token: result.data.token });
            },
          );
        }}
      >
        <Field id="token-name" label="Name" hint="What uses it, e.g. “CI deploys”." error={fieldProblem(details, 'name')}>
          <input id="token-name" name="name" required maxLength={200} autoComplete="off" className={inputClass} />
        </Field>
        <Field id="token-project" label="Project">
          <select id="token-project" value={project} onChange={(e) => setProject(e.target.value)} className={`${selectClass} mt-1 block w-full`}>
            {usable.map((p) => (
              <option key={p.key} value={p.key}>
                {p.key} (you: {p.role})
              </option>
            ))}
          </select>
        </Field>
        <Field id="token-role" label="Role" hint={own ? `Up to ${own}.` : undefined}>
          <select
            id="token-role"
            value={roles.includes(role) ? role : 'viewer'}
            onChange={(e) => setRole(e.target.value as ProjectRole)}
            className={`${selectClass} mt-1 block w-full`}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </Field>
        <Field id="token-expires" label="Expires" error={fieldProblem(details, 'expires_at')}>
          <select id="token-expires" name="expires" defaultValue="90" className={`${selectClass} mt-1 block w-full`}>
            {EXPIRY_DAYS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <div className="flex items-end">
          <Button type="submit" variant="primary" disabled={pending} className="w-full justify-center">
            {pending ? 'Creating…' : 'Create token'}
          </Button>
        </div>
        <div className="sm:col-span-2 lg:col-span-5">
          <Field id="token-reason" label="Reason (optional)">
            <input id="token-reason" name="reason" className={inputClass} placeholder="e.g. nightly deploy job" />
          </Field>
        </div>
      </form>
    </Card>
  );
}

function ShownOnce({ created, onDone }: { created: { name: string; token: string }; onDone: () => void }) {
  return (
    <Card className="border-amber-300 dark:border-amber-800">
      <h2 className="flex items-center gap-2 font-semibold">
        <AlertTriangle aria-hidden className="size-4 text-amber-600 dark:text-amber-400" /> Copy your new token now
      </h2>
      <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-300">
        This is the only time <span className="font-medium">{created.name}</span> is shown — you won’t see it again. Reprise keeps only
        its hash; if you lose it, revoke it and create another.
      </p>
      <div className="mt-3 flex items-center gap-2 rounded-md bg-zinc-100 px-3 py-2 dark:bg-zinc-950">
        <code data-testid="new-token" className="min-w-0 flex-1 break-all font-mono text-sm">
          {created.token}
        </code>
        <CopyButton value={created.token} label="token" />
      </div>
      <div className="mt-3 flex justify-end">
        <Button variant="primary" onClick={onDone}>
          I have copied it
        </Button>
      </div>
    </Card>
  );
}

function TokenItem({ token, selfId, now }: { token: TokenRow; selfId: string; now: Date }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const { pending, submit } = useSubmit();
  const expired = !!token.expires_at && new Date(token.expires_at).getTime() <= now.getTime();
  const status = token.revoked_at ? 'revoked' : expired ? 'expired' : 'active';
  return (
    <tr data-token={token.name}>
      <td className="px-4 py-2 font-medium">{token.name}</td>
      <td className="px-4 py-2">
        {token.project ? <span className="font-mono text-xs">{token.project}</span> : <span className="text-zinc-500 dark:text-zinc-400">instance</span>}
        {token.role ? <span className="text-zinc-500 dark:text-zinc-400"> · {token.role}</span> : null}
      </td>
      <td className="px-4 py-2 text-xs">{token.owner.id === selfId ? 'you' : token.owner.email}</td>
      <td className="px-4 py-2 text-zinc-500 dark:text-zinc-400">
        <RelativeTime date={token.created_at} now={now} />
      </td>
      <td className="px-4 py-2 text-zinc-500 dark:text-zinc-400">{token.last_used_at ? <RelativeTime date={token.last_used_at} now={now} /> : 'never'}</td>
      <td className="px-4 py-2 text-zinc-500 dark:text-zinc-400">
        {token.expires_at ? <time dateTime={token.expires_at}>{absolute(token.expires_at).slice(0, 10)}</time> : 'never'}
      </td>
      <td className="px-4 py-2">
        <span
          className={
            status === 'active'
              ? 'text-emerald-700 dark:text-emerald-300'
              : 'text-zinc-500 dark:text-zinc-400'
          }
        >
          {status}
        </span>
      </td>
      <td className="px-4 py-2 text-right">
        {token.revoked_at ? null : (
          <>
            <Button variant="danger" onClick={() => dialog.current?.showModal()} aria-label={`Revoke ${token.name}`}>
              <Trash2 aria-hidden className="size-4" /> Revoke
            </Button>
            <ActionDialog
              dialog={dialog}
              id={`revoke-${token.id}`}
              title={`Revoke ${token.name}?`}
              reason={reason}
              onReason={setReason}
              reasonPlaceholder="e.g. leaked in a build log"
              refusal={refusal}
              confirmLabel={pending ? 'Revoking…' : 'Revoke token'}
              confirmDisabled={pending}
              onConfirm={() =>
                submit(
                  () => revokeTokenAction({ token_id: token.id, reason: reason || undefined }),
                  (t) => `${t.name} is revoked`,
                  (result) => {
                    setRefusal(result.ok ? null : result.error.message);
                    if (result.ok) dialog.current?.close();
                  },
                )
              }
            >
              <p className="text-left text-sm text-zinc-600 dark:text-zinc-300">
                Anything using it is refused (401) from its next request. This cannot be undone.
              </p>
            </ActionDialog>
          </>
        )}
      </td>
    </tr>
  );
}
