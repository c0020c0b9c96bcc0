'use client';

import { useRef, useState, useTransition } from 'react';
import { RotateCcw } from 'lucide-react';
import { bulkRetryAction, retryPlanAction } from '@/app/actions/runs';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';

type Plan = Extract<Awaited<ReturnType<typeof retryPlanAction>>, { ok: true }>['data'];
type BulkRetryAnswer = Extract<Awaited<ReturnType<typeof bulkRetryAction>>, { ok: true }>['data'];
type Loaded = { runId: string; plan: Plan | null; error: string | null };

/**
 * "Retry selected" shows, before anything happens, what each selected run
 * would re-run — the same plan a single run's retry shows (its retry-plan) —
 * and which runs cannot be retried and why. Only the runs whose plan allows a
 * retry are sent; each is retried or refused on its own.
 */
export function BulkRetryButton({
  runIds,
  numberOf,
  onDone,
}: {
  runIds: string[];
  numberOf: (id: string) => number | undefined;
  onDone: (results: BulkRetryAnswer['results']) => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [plans, setPlans] = useState<Loaded[] | null>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [loading, startLoading] = useTransition();
  const [pending, startTransition] = useTransition();
  const allowed = (plans ?? []).filter((p) => p.plan?.allowed);

  const open = () => {
    setPlans(null);
    setRefusal(null);
    dialog.current?.showModal();
    // One plan at a time: at most a page of runs is selectable, and a plan is one run's read.
    startLoading(async () => {
      const loaded: Loaded[] = [];
      for (const runId of runIds) {
        const result = await retryPlanAction({ run_id: runId });
        loaded.push(result.ok ? { runId, plan: result.data, error: null } : { runId, plan: null, error: result.error.message });
      }
      setPlans(loaded);
    });
  };

  const confirm = () =>
    startTransition(async () => {
      const result = await bulkRetryAction({ run_ids: allowed.map((p) => p.runId), reason: reason || null });
      if (!result.ok) {
        setRefusal(result.error.message);
        return;
      }
      dialog.current?.close();
      setReason('');
      onDone(result.data.results);
    });

  return (
    <>
      <Button variant="primary" onClick={open} disabled={runIds.length === 0}>
        <RotateCcw aria-hidden className="size-4" /> Retry selected
      </Button>
      <ActionDialog
        dialog={dialog}
        id="bulk-retry"
        width="w-[40rem]"
        title={`Retry ${runIds.length} ${runIds.length === 1 ? 'run' : 'runs'}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. registry was down"
        refusal={refusal}
        confirmLabel={pending ? 'Retrying…' : `Retry ${allowed.length} ${allowed.length === 1 ? 'run' : 'runs'}`}
        confirmDisabled={pending || loading || allowed.length === 0}
        onConfirm={confirm}
      >
        {plans === null ? (
          <p role="status" className="text-sm text-zinc-500 dark:text-zinc-400">
            Reading what each run would re-run…
          </p>
        ) : (
          <ul aria-label="Retry plans" className="max-h-[50vh] space-y-3 overflow-y-auto text-sm">
            {plans.map(({ runId, plan, error }) => (
              <li key={runId} className="rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
                <p className="font-medium">Run #{plan?.run_number ?? numberOf(runId) ?? '?'}</p>
                {!plan || !plan.allowed ? (
                  <p className="text-amber-800 dark:text-amber-300">Not retried: {error ?? plan?.not_allowed_because}</p>
                ) : (
                  <>
                    <p>
                      <span className="text-zinc-500 dark:text-zinc-400">Will run again: </span>
                      {plan.retry.map((s) => `${s.title} (${s.status} on attempt ${s.attempt})`).join(', ')}
                      {plan.rerun.length ? `; then ${plan.rerun.map((s) => s.title).join(', ')}` : ''}
                    </p>
                    <p className="text-zinc-500 dark:text-zinc-400">
                      Kept: {plan.kept.length ? plan.kept.map((s) => s.title).join(', ') : 'none'}
                    </p>
                    {plan.definition.changed ? (
                      <p className="text-amber-800 dark:text-amber-300">
                        The pipeline changed since; the retry uses the run’s own version.
                      </p>
                    ) : null}
                  </>
                )}
              </li>
            ))}
          </ul>
        )}
      </ActionDialog>
    </>
  );
}
