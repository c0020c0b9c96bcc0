'use client';

import { useRef, useState } from 'react';
import { Shield, ShieldCheck, UserMinus, UserPlus } from 'lucide-react';
import { addMemberAction, protectEnvironmentAction, removeMemberAction, setMemberAction } from '@/app/actions/access';
import { PROJECT_ROLES, type ProjectRole } from '@/lib/auth/roles';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';
import { Card, EmptyState } from '../ui/card';
import { Field, formText, inputClass, selectClass } from '../ui/form';
import { fieldProblem, useSubmit } from './use-submit';

export interface MemberRow {
  user_id: string;
  email: string;
  name: string;
  role: ProjectRole;
  active: boolean;
}

export interface EnvironmentProtection {
  name: string;
  requiredRole: ProjectRole | null;
  /** False for an environment only declared by a pipeline: nothing has deployed there yet. */
  deployedYet: boolean;
}

const ROLE_HELP: Record<ProjectRole, string> = {
  viewer: 'reads runs, logs and deployments',
  operator: 'also triggers, retries, replays and cancels; deploys where unprotected',
  deployer: 'also deploys to protected environments',
  admin: 'also manages members, tokens and protection',
};

/** A project's members and its environments' protection; editable for its admins, read-only for everyone else. */
export function ProjectAdmin({
  project,
  admin,
  members,
  environments,
}: {
  project: string;
  admin: boolean;
  members: MemberRow[];
  environments: EnvironmentProtection[];
}) {
  return (
    <div className="grid gap-6 lg:grid-cols-[3fr_2fr]">
      <Card className="p-0">
        <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Members ({members.length})</h2>
        {admin ? <AddMember project={project} /> : null}
        {members.length === 0 ? (
          <div className="p-4">
            <EmptyState title="No members yet">
              {admin ? 'Add someone by their email above.' : 'Only instance admins can see this project until someone is added.'}
            </EmptyState>
          </div>
        ) : (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {members.map((m) => (
              <MemberItem key={m.user_id} project={project} member={m} admin={admin} />
            ))}
          </ul>
        )}
        <dl className="border-t border-zinc-200 px-4 py-3 text-xs text-zinc-500 dark:border-zinc-800 dark:text-zinc-400">
          {PROJECT_ROLES.map((r) => (
            <div key={r} className="flex gap-2">
              <dt className="w-16 font-medium">{r}</dt>
              <dd>{ROLE_HELP[r]}</dd>
            </div>
          ))}
        </dl>
      </Card>
      <Card className="p-0">
        <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Environment protection</h2>
        <p className="px-4 pt-3 text-sm text-zinc-500 dark:text-zinc-400">The lowest role that may deploy there. Unprotected: operators may.</p>
        {environments.length === 0 ? (
          <div className="p-4">
            <EmptyState title="No environments">A pipeline step with `environment:` makes one.</EmptyState>
          </div>
        ) : (
          <ul className="divide-y divide-zinc-200 dark:divide-zinc-800">
            {environments.map((e) => (
              <EnvironmentItem key={e.name} project={project} environment={e} admin={admin} />
            ))}
          </ul>
        )}
      </Card>
    </div>
  );
}

function AddMember({ project }: { project: string }) {
  const { pending, submit } = useSubmit();
  const [details, setDetails] = useState<unknown>(null);
  const form = useRef<HTMLFormElement>(null);
  return (
    <form
      ref={form}
      aria-label="Add a member"
      className="flex flex-wrap items-end gap-3 border-b border-zinc-200 px-4 py-3 dark:border-zinc-800"
      onSubmit={(e) => {
        e.preventDefault();
        const data = new FormData(e.currentTarget);
        submit(
          () =>
            addMemberAction({
              project,
              email: formText(data, 'email'),
              role: formText(data, 'role') as ProjectRole,
              reason: formText(data, 'reason') || null,
            }),
          (m) => `${m.email} is now ${m.role}`,
          (result) => {
            setDetails(result.ok ? null : (result.error.details ?? null));
            if (result.ok) form.current?.reset();
          },
        );
      }}
    >
      <div className="min-w-56 flex-1">
        <Field id="member-email" label="Email" error={fieldProblem(details, 'email')}>
          <input id="member-email" name="email" type="email" required autoComplete="off" className={inputClass} placeholder="someone@example.com" />
        </Field>
      </div>
      <Field id="member-role" label="Role">
        <select id="member-role" name="role" defaultValue="viewer" className={`${selectClass} mt-1 block`}>
          {PROJECT_ROLES.map((r) => (
            <option key={r} value={r}>
              {r}
            </option>
          ))}
        </select>
      </Field>
      <div className="min-w-40 flex-1">
        <Field id="member-reason" label="Reason (optional)">
          <input id="member-reason" name="reason" className={inputClass} />
        </Field>
      </div>
      <Button type="submit" variant="primary" disabled={pending}>
        <UserPlus aria-hidden className="size-4" /> {pending ? 'Adding…' : 'Add member'}
      </Button>
    </form>
  );
}

function MemberItem({ project, member, admin }: { project: string; member: MemberRow; admin: boolean }) {
  const [role, setRole] = useState<ProjectRole>(member.role);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const remove = useRef<HTMLDialogElement>(null);
  const change = useRef<HTMLDialogElement>(null);
  const [changeReason, setChangeReason] = useState('');
  const [changeRefusal, setChangeRefusal] = useState<string | null>(null);
  const { pending, submit } = useSubmit();
  const selectId = `role-${member.user_id}`;
  return (
    <li className="flex flex-wrap items-center gap-3 px-4 py-2" data-member={member.email}>
      <div className="min-w-0 flex-1">
        <p className="truncate font-medium">
          {member.name}
          {member.active ? null : <span className="ml-2 text-xs font-normal text-zinc-500 dark:text-zinc-400">(deactivated)</span>}
        </p>
        <p className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400">{member.email}</p>
      </div>
      {admin ? (
        <>
          <label htmlFor={selectId} className="sr-only">
            Role of {member.email}
          </label>
          <select id={selectId} value={role} onChange={(e) => setRole(e.target.value as ProjectRole)} className={selectClass}>
            {PROJECT_ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <Button disabled={pending || role === member.role} aria-label={`Save the role of ${member.email}`} onClick={() => change.current?.showModal()}>
            Save
          </Button>
          <ActionDialog
            dialog={change}
            id={`change-${member.user_id}`}
            title={`${member.email}: ${member.role} → ${role}`}
            reason={changeReason}
            onReason={setChangeReason}
            reasonPlaceholder="e.g. on call for releases this quarter"
            refusal={changeRefusal}
            confirmLabel={pending ? 'Saving…' : 'Change role'}
            confirmDisabled={pending}
            onConfirm={() =>
              submit(
                () => setMemberAction({ project, user_id: member.user_id, role, reason: changeReason || null }),
                (m) => `${m.email} is now ${m.role}`,
                (result) => {
                  setChangeRefusal(result.ok ? null : result.error.message);
                  if (result.ok) {
                    setChangeReason('');
                    change.current?.close();
                  }
                },
              )
            }
          >
            <p className="text-sm text-zinc-600 dark:text-zinc-300">As {role}, they {ROLE_HELP[role]}.</p>
          </ActionDialog>
          <Button variant="danger" onClick={() => remove.current?.showModal()} aria-label={`Remove ${member.email}`}>
            <UserMinus aria-hidden className="size-4" />
          </Button>
          <ActionDialog
            dialog={remove}
            id={`remove-${member.user_id}`}
            title={`Remove ${member.email} from ${project}`}
            reason={reason}
            onReason={setReason}
            reasonPlaceholder="e.g. moved to another team"
            refusal={refusal}
            confirmLabel={pending ? 'Removing…' : 'Remove'}
            confirmDisabled={pending}
            onConfirm={() =>
              submit(
                () => removeMemberAction({ project, user_id: member.user_id, reason: reason || undefined }),
                () => `${member.email} was removed from ${project}`,
                (result) => {
                  setRefusal(result.ok ? null : result.error.message);
                  if (result.ok) remove.current?.close();
                },
              )
            }
          >
            <p className="text-sm text-zinc-600 dark:text-zinc-300">
              They lose their {member.role} role here at their next request, and their tokens for this project stop working.
            </p>
          </ActionDialog>
        </>
      ) : (
        <span className="rounded-full bg-zinc-100 px-2 py-0.5 text-xs font-medium text-zinc-700 dark:bg-zinc-800 dark:text-zinc-200">{member.role}</span>
      )}
    </li>
  );
}

function EnvironmentItem({ project, environment, admin }: { project: string; environment: EnvironmentProtection; admin: boolean }) {
  const current = environment.requiredRole ?? 'none';
  const [choice, setChoice] = useState<string>(current);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const confirm = useRef<HTMLDialogElement>(null);
  const { pending, submit } = useSubmit();
  const selectId = `protect-${environment.name}`;
  const Icon = environment.requiredRole ? ShieldCheck : Shield;
  return (
    <li className="flex flex-wrap items-center gap-3 px-4 py-2" data-environment={environment.name}>
      <div className="min-w-0 flex-1">
        <p className="flex items-center gap-1.5 font-medium">
          <Icon aria-hidden className={`size-4 ${environment.requiredRole ? 'text-emerald-600 dark:text-emerald-400' : 'text-zinc-400'}`} />
          {environment.name}
        </p>
        <p className="text-xs text-zinc-500 dark:text-zinc-400">
          {environment.requiredRole ? `${environment.requiredRole} or above may deploy` : 'unprotected: operators may deploy'}
          {environment.deployedYet ? '' : ' · no deployment yet'}
        </p>
      </div>
      {admin ? (
        <>
          <label htmlFor={selectId} className="sr-only">
            Role required to deploy to {environment.name}
          </label>
          <select id={selectId} value={choice} onChange={(e) => setChoice(e.target.value)} className={selectClass}>
            <option value="none">none</option>
            {PROJECT_ROLES.filter((r) => r !== 'viewer').map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
          <Button disabled={pending || choice === current} aria-label={`Save the protection of ${environment.name}`} onClick={() => confirm.current?.showModal()}>
            Save
          </Button>
          <ActionDialog
            dialog={confirm}
            id={`protect-dialog-${environment.name}`}
            title={`Protection of ${environment.name}: ${current} → ${choice}`}
            reason={reason}
            onReason={setReason}
            reasonPlaceholder="e.g. production needs a deployer"
            refusal={refusal}
            confirmLabel={pending ? 'Saving…' : 'Change protection'}
            confirmDisabled={pending}
            onConfirm={() =>
              submit(
                () =>
                  protectEnvironmentAction({
                    project,
                    name: environment.name,
                    protection: { required_role: choice === 'none' ? null : (choice as ProjectRole) },
                    reason: reason || null,
                  }),
                (e) => `${e.name}: ${e.protection.required_role ? `${e.protection.required_role} or above may deploy` : 'unprotected'}`,
                (result) => {
                  setRefusal(result.ok ? null : result.error.message);
                  if (result.ok) {
                    setReason('');
                    confirm.current?.close();
                  }
                },
              )
            }
          >
            <p className="text-sm text-zinc-600 dark:text-zinc-300">
              {choice === 'none'
                ? 'Operators and above may deploy here.'
                : `Only ${choice}s${choice === 'admin' ? '' : ' and above'} may deploy here; runs that would deploy here are refused for lower roles.`}
            </p>
          </ActionDialog>
        </>
      ) : null}
    </li>
  );
}
