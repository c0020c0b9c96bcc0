'use client';

import { useMay } from '../access/may';
import Link from 'next/link';
import { useRef, useState, useTransition } from 'react';
import { Play, Square } from 'lucide-react';
import { toast } from 'sonner';
import { cancelRunAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
import type { RetryPlan } from '@/lib/runs/retry-plan';
import { ActionDialog } from '../ui/action-dialog';
import { Button, buttonClass } from '../ui/button';
import { RetryDialog } from './retry-dialog';

/** Retry (its dialog shows the plan first) and Cancel for a run. */
export function RunActions({ plan, openRetry = false }: { plan: RetryPlan; openRetry?: boolean }) {
  if (!useMay().operate) return null;
  return (
    <div className="flex gap-2">
      <RetryDialog plan={plan} openOnLoad={openRetry} />
      <CancelRunButton plan={plan} />
    </div>
  );
}

/** "Run pipeline…" opens the new-run form: params, branch, commit, and where the run will deploy, before it starts. */
export function TriggerRunButton({ pipelineId }: { pipelineId: string }) {
  if (!useMay().operate) return null;
  return (
    <Link href={paths.newRun(pipelineId)} className={buttonClass('primary')}>
      <Play aria-hidden className="size-4" /> Run pipeline…
    </Link>
  );
}

/**
 * Cancel asks first: the running steps are stopped and the rest skipped, so
 * the operator confirms and may say why (kept in the audit log).
 */
function CancelRunButton({ plan }: { plan: RetryPlan }) {
  const refresh = useRefreshViews();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const canCancel = plan.runStatus === 'queued' || plan.runStatus === 'running';
  const confirm = () =>
    startTransition(async () => {
      const r = await cancelRunAction({ run_id: plan.runId, reason: reason || null });
      if (r.ok) {
        dialog.current?.close();
        setReason('');
        toast(`Cancelling run #${plan.runNumber}`);
      } else {
        setRefusal(r.error.message);
      }
      refresh(queryKeys.run(plan.runId), queryKeys.step(plan.runId));
    });
  return (
    <>
      <Button
        variant="danger"
        disabled={!canCancel || pending}
        title={canCancel ? 'Stop the running steps and skip the rest' : `The run is ${plan.runStatus}`}
        onClick={() => {
          setRefusal(null);
          dialog.current?.showModal();
        }}
      >
        <Square aria-hidden className="size-4" /> Cancel run
      </Button>
      <ActionDialog
        dialog={dialog}
        id="cancel-run"
        title={`Cancel run #${plan.runNumber}?`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. wrong commit; started by mistake"
        refusal={refusal}
        confirmLabel={pending ? 'Cancelling…' : 'Cancel the run'}
        confirmDisabled={pending || !canCancel}
        onConfirm={confirm}
      >
        <p className="text-sm">
          The running steps are stopped and the steps that have not started are skipped. Succeeded steps keep their
          outputs; the run can be retried later.
        </p>
        {!canCancel ? (
          <p role="status" className="text-sm text-amber-800 dark:text-amber-300">
            The run is {plan.runStatus} now: there is nothing to cancel.
          </p>
        ) : null}
      </ActionDialog>
    </>
  );
}
