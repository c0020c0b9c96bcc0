'use client';

import { useMay } from '../access/may';
import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition } from 'react';
import { RotateCcw } from 'lucide-react';
import { toast } from 'sonner';
import { retryItemAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';

/** What retrying one step will do, shown before it is done. */
export interface StepRetryPlan {
  runId: string;
  itemId: string;
  key: string;
  title: string;
  /** The attempt whose inputs the retry reuses. */
  attempt: number;
  error: string | null;
  /** Skipped steps below it, which run again once it succeeds. */
  thenRuns: string[];
}

/**
 * Retry one failed step: the dialog says which attempt's inputs are reused,
 * the error being retried and what runs after it; a refusal (someone else
 * retried it meanwhile) is shown in the dialog.
 */
export function RetryStepButton({ plan }: { plan: StepRetryPlan }) {
  const may = useMay();
  const router = useRouter();
  const refresh = useRefreshViews();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();

  const confirm = () =>
    startTransition(async () => {
      const r = await retryItemAction({ run_id: plan.runId, item_id: plan.itemId, reason });
      if (r.ok) {
        dialog.current?.close();
        setReason('');
        toast.success(`Retrying ${plan.title} — attempt ${r.data.number}`, {
          action: {
            label: 'Open attempt',
            onClick: () => router.push(paths.attempt(plan.runId, plan.key, r.data.number)),
          },
        });
      } else {
        setRefusal(r.error.message);
      }
      refresh(queryKeys.run(plan.runId), queryKeys.step(plan.runId));
    });

  if (!may.operate) return null;
  return (
    <>
      <Button
        onClick={() => {
          setRefusal(null);
          dialog.current?.showModal();
        }}
        title="Run this step again with the same inputs"
      >
        <RotateCcw aria-hidden className="size-3.5" /> Retry step
      </Button>
      <ActionDialog
        dialog={dialog}
        id={`retry-step-${plan.key}`}
        title={`Retry ${plan.title}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. the registry is back"
        refusal={refusal}
        confirmLabel={pending ? 'Retrying…' : 'Retry step'}
        confirmDisabled={pending}
        onConfirm={confirm}
      >
        <p className="text-sm">
          A new attempt with the same inputs as attempt {plan.attempt}. Other steps keep their outputs.
        </p>
        {plan.error ? (
          <pre className="whitespace-pre-wrap rounded bg-red-50 px-2 py-1 font-mono text-xs text-red-900 dark:bg-red-950/60 dark:text-red-200">
            {plan.error}
          </pre>
        ) : null}
        <section>
          <h3 className="text-sm font-semibold">Then runs</h3>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            {plan.thenRuns.length ? plan.thenRuns.join(', ') : 'nothing else: no skipped step depends on it'}
          </p>
        </section>
      </ActionDialog>
    </>
  );
}
