'use client';

import { useRouter } from 'next/navigation';
import { useRef, useState, useTransition } from 'react';
import { RotateCcw } from 'lucide-react';
import { toast } from 'sonner';
import { retryItemAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
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
  const router = useRouter();
  const refresh = useRefreshViews();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const titleId = `retry-step-${plan.key}`;

  const confirm = () =>
    startTransition(async () => {
      const r = await retryItemAction(plan.runId, plan.itemId, { reason });
      if (r.ok) {
        dialog.current?.close();
        setReason('');
        toast.success(`Retrying ${plan.title} — attempt ${r.data.number}`, {
          action: { label: 'Open attempt', onClick: () => router.push(paths.attempt(plan.runId, plan.key, r.data.number)) },
        });
      } else {
        setRefusal(r.error.message);
      }
      refresh(queryKeys.run(plan.runId), queryKeys.step(plan.runId));
    });

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
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="m-auto w-[32rem] max-w-[95vw] rounded-xl border border-zinc-200 bg-white p-0 text-zinc-900 shadow-xl backdrop:bg-black/40 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-100"
      >
        <form
          method="dialog"
          className="space-y-4 p-5"
          onSubmit={(e) => {
            e.preventDefault();
            confirm();
          }}
        >
          <h2 id={titleId} className="text-lg font-semibold">
            Retry {plan.title}
          </h2>
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
          <div>
            <label htmlFor={`${titleId}-reason`} className="block text-sm font-medium">
              Reason (optional)
            </label>
            <textarea
              id={`${titleId}-reason`}
              value={reason}
              onChange={(e) => setReason(e.target.value)}
              rows={2}
              className="mt-1 w-full rounded-md border border-zinc-300 bg-white p-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
              placeholder="e.g. the registry is back"
            />
          </div>
          {refusal ? (
            <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
              {refusal}
            </p>
          ) : null}
          <div className="flex justify-end gap-2">
            <Button type="button" onClick={() => dialog.current?.close()}>
              Close
            </Button>
            <Button type="submit" variant="primary" disabled={pending}>
              {pending ? 'Retrying…' : 'Retry step'}
            </Button>
          </div>
        </form>
      </dialog>
    </>
  );
}
