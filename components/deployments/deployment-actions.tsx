'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition } from 'react';
import { toast } from 'sonner';
import {
  redeployAction,
  redeployPlanAction,
  retryDeploymentAction,
  retryDeploymentPlanAction,
  rollbackAction,
  rollbackPlanAction,
} from '@/app/actions/deployments';
import type { planJson } from '@/lib/deployments/actions';
import { paths } from '@/lib/paths';
import { JsonDiff } from '../attempts/json-diff';
import { useMay } from '../access/may';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';

type Plan = ReturnType<typeof planJson>;
type Action = 'retry' | 'redeploy' | 'rollback';

const LABEL: Record<Action, string> = { retry: 'Retry', redeploy: 'Redeploy', rollback: 'Roll back' };
const short = (commit: string | null) => (commit ? commit.slice(0, 10) : '—');

/**
 * Retry / Redeploy / Rollback of one deployment, each behind a dialog that
 * first shows the server's plan — what will be deployed where, the commit and
 * inputs that change, the steps that run and those reused, whether the
 * environment is busy or held — and acts on nothing until confirmed. A plan
 * the server refuses (role, state, busy) says why and cannot be confirmed.
 */
export function DeploymentActions({ deploymentId, status, live }: { deploymentId: string; status: string; live: boolean }) {
  const may = useMay();
  const router = useRouter();
  const dialog = useRef<HTMLDialogElement>(null);
  const [action, setAction] = useState<Action>('retry');
  const [plan, setPlan] = useState<Plan | null>(null);
  const [to, setTo] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  if (!may.operate) return null;

  const loadPlan = (next: Action, target: string | null) =>
    startTransition(async () => {
      setRefusal(null);
      const input = { deployment_id: deploymentId, ...(next === 'rollback' && target ? { to: target } : {}) };
      const result =
        next === 'retry'
          ? await retryDeploymentPlanAction(input)
          : next === 'redeploy'
            ? await redeployPlanAction(input)
            : await rollbackPlanAction(input);
      if (result.ok) setPlan(result.data);
      else setRefusal(result.error.message);
    });

  const open = (next: Action) => {
    setAction(next);
    setPlan(null);
    setReason('');
    // From an earlier succeeded deployment's row, "Roll back" goes back to that one.
    const target = next === 'rollback' && !live && status === 'succeeded' ? deploymentId : null;
    setTo(target);
    dialog.current?.showModal();
    loadPlan(next, target);
  };

  const confirm = () =>
    startTransition(async () => {
      const result =
        action === 'retry'
          ? await retryDeploymentAction({ deployment_id: deploymentId, reason })
          : action === 'redeploy'
            ? await redeployAction({ deployment_id: deploymentId, reason })
            : await rollbackAction({ deployment_id: deploymentId, reason, ...(to ? { to } : {}) });
      if (!result.ok) {
        setRefusal(result.error.message);
        loadPlan(action, to);
        return;
      }
      dialog.current?.close();
      const created = result.data as { id: string; version: number; environment: string };
      toast.success(`${LABEL[action]}: ${created.environment} v${created.version}`, {
        action: { label: 'Open', onClick: () => router.push(paths.deployment(created.id)) },
      });
      router.refresh();
    });

  const needsReason = action === 'rollback';
  return (
    <div className="flex flex-wrap gap-1">
      {status === 'failed' ? (
        <Button type="button" onClick={() => open('retry')}>
          Retry
        </Button>
      ) : null}
      <Button type="button" onClick={() => open('redeploy')}>
        Redeploy
      </Button>
      {status === 'succeeded' ? (
        <Button type="button" onClick={() => open('rollback')}>
          {live ? 'Roll back' : 'Roll back to this'}
        </Button>
      ) : null}
      <ActionDialog
        dialog={dialog}
        id={`deployment-${action}-${deploymentId}`}
        width="w-[40rem]"
        title={plan ? `${LABEL[action]} ${plan.environment.name}` : LABEL[action]}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder={needsReason ? 'Why roll back?' : 'e.g. registry was down'}
        reasonRequired={needsReason}
        refusal={refusal}
        confirmLabel={pending ? 'Working…' : plan ? `${LABEL[action]} → v${plan.next_version}` : LABEL[action]}
        confirmDisabled={pending || !plan?.allowed || (needsReason && !reason.trim())}
        onConfirm={confirm}
      >
        {plan ? <PlanDetails plan={plan} onTarget={(id) => (setTo(id), loadPlan('rollback', id))} to={to} /> : <p className="text-sm">Reading the plan…</p>}
      </ActionDialog>
    </div>
  );
}

function PlanDetails({ plan, to, onTarget }: { plan: Plan; to: string | null; onTarget: (id: string) => void }) {
  return (
    <div className="space-y-3 text-sm">
      <dl className="grid grid-cols-[9rem_1fr] gap-x-3 gap-y-1">
        <dt className="text-zinc-500 dark:text-zinc-400">Environment</dt>
        <dd className="font-medium">
          {plan.environment.name}
          {plan.environment.required_role ? ` (protected: ${plan.environment.required_role})` : ''}
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">New version</dt>
        <dd>v{plan.next_version}</dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Commit</dt>
        <dd className="font-mono">
          {short(plan.commit.from)} → {short(plan.commit.to)}
        </dd>
        <dt className="text-zinc-500 dark:text-zinc-400">Live now</dt>
        <dd>{plan.live ? `v${plan.live.version}` : 'nothing yet'}</dd>
        {plan.target ? (
          <>
            <dt className="text-zinc-500 dark:text-zinc-400">{plan.action === 'rollback' ? 'Back to' : 'Redeploys'}</dt>
            <dd>
              v{plan.target.version}
              {plan.target.run_number ? ` (run #${plan.target.run_number})` : ''}
            </dd>
          </>
        ) : null}
      </dl>
      {plan.action === 'rollback' && plan.candidates.length > 1 ? (
        <label className="block">
          <span className="text-zinc-500 dark:text-zinc-400">Roll back to</span>{' '}
          <select
            className="rounded border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-950"
            value={to ?? plan.target?.id ?? ''}
            onChange={(e) => onTarget(e.target.value)}
          >
            {plan.candidates.map((c) => (
              <option key={c!.id} value={c!.id}>
                v{c!.version} · {short(c!.git_commit)}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      <section>
        <h3 className="font-semibold">Steps</h3>
        <p>Run: {plan.steps.run.map((s) => s.title).join(', ') || 'none'}</p>
        {plan.steps.reused.length ? (
          <p>
            Reused, not run again:{' '}
            {plan.steps.reused.map((s) => `${s.title}${s.run_number ? ` (from run #${s.run_number})` : ''}`).join(', ')}
          </p>
        ) : null}
      </section>
      {plan.inputs.after ? (
        <JsonDiff label="Deploy step inputs: live → this deployment" before={plan.inputs.before ?? {}} after={plan.inputs.after} />
      ) : (
        <p className="text-zinc-600 dark:text-zinc-400">The deploy step’s inputs are resolved when the steps it needs finish.</p>
      )}
      {plan.held ? (
        <p role="status" className="rounded-md bg-amber-50 px-3 py-2 text-amber-900 dark:bg-amber-950 dark:text-amber-200">
          {plan.environment.name} is held at v{plan.held.version} by {plan.held.by_name ?? 'someone'}
          {plan.held.reason ? `: ${plan.held.reason}` : ''}. This explicit deploy goes past the hold.
        </p>
      ) : null}
      {plan.will_hold ? (
        <p className="text-zinc-600 dark:text-zinc-400">
          After the rollback, {plan.environment.name} is held: new deploys wait until someone releases it.
        </p>
      ) : null}
      {plan.refusal ? (
        <p role="status" className="rounded-md bg-red-50 px-3 py-2 text-red-800 dark:bg-red-950 dark:text-red-200">
          {plan.refusal.message}
        </p>
      ) : null}
    </div>
  );
}
