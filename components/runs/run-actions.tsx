'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Play, RotateCcw, Square } from 'lucide-react';
import { cancelRunAction, retryItemAction, retryRunAction, triggerRunAction } from '@/app/actions/runs';
import type { ActionResult } from '@/lib/server/action';
import { Button } from '../ui/button';

function ActionError({ result }: { result: ActionResult<unknown> | null }) {
  if (!result || result.ok) return null;
  return (
    <p role="alert" className="mt-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
      {result.error.message}
    </p>
  );
}

/** Retry (with an optional reason, confirmed inline) and Cancel for a run. */
export function RunActions({ runId, status, attempt }: { runId: string; status: string; attempt: number }) {
  const router = useRouter();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState('');
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  const canRetry = status === 'failed' || status === 'cancelled';
  const canCancel = status === 'queued' || status === 'running';

  const act = (action: () => Promise<ActionResult<unknown>>) =>
    startTransition(async () => {
      const r = await action();
      setResult(r);
      if (r.ok) {
        setConfirming(false);
        setReason('');
      }
      router.refresh();
    });

  return (
    <div className="flex flex-col items-end">
      <div className="flex gap-2">
        <Button
          variant="primary"
          disabled={!canRetry || pending}
          title={canRetry ? 'Re-run the failed steps; succeeded steps are kept' : `Nothing to retry: the run is ${status}`}
          onClick={() => setConfirming(true)}
        >
          <RotateCcw aria-hidden className="size-4" /> Retry failed steps
        </Button>
        <Button
          variant="danger"
          disabled={!canCancel || pending}
          title={canCancel ? 'Stop the running steps and skip the rest' : `The run is ${status}`}
          onClick={() => act(() => cancelRunAction(runId))}
        >
          <Square aria-hidden className="size-4" /> Cancel run
        </Button>
      </div>
      {confirming ? (
        <form
          className="mt-3 w-96 rounded-lg border border-zinc-200 bg-white p-3 shadow-md dark:border-zinc-700 dark:bg-zinc-900"
          onSubmit={(e) => {
            e.preventDefault();
            act(() => retryRunAction(runId, { reason, expectedAttempt: attempt }));
          }}
        >
          <label htmlFor="retry-reason" className="block text-sm font-medium">
            Reason (optional)
          </label>
          <textarea
            id="retry-reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={2}
            className="mt-1 w-full rounded-md border border-zinc-300 bg-white p-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
            placeholder="e.g. registry was down"
          />
          <div className="mt-2 flex justify-end gap-2">
            <Button type="button" onClick={() => setConfirming(false)}>
              Back
            </Button>
            <Button type="submit" variant="primary" disabled={pending}>
              Confirm retry
            </Button>
          </div>
        </form>
      ) : null}
      <ActionError result={result} />
    </div>
  );
}

export function RetryStepButton({ runId, itemId }: { runId: string; itemId: string }) {
  const router = useRouter();
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div>
      <Button
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            setResult(await retryItemAction(runId, itemId));
            router.refresh();
          })
        }
      >
        <RotateCcw aria-hidden className="size-3.5" /> Retry step
      </Button>
      <ActionError result={result} />
    </div>
  );
}

export function TriggerRunButton({ pipelineId }: { pipelineId: string }) {
  const router = useRouter();
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  return (
    <div className="flex flex-col items-end">
      <Button
        variant="primary"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const r = await triggerRunAction(pipelineId);
            setResult(r);
            if (r.ok) router.push(r.data.url);
          })
        }
      >
        <Play aria-hidden className="size-4" /> Run pipeline
      </Button>
      <ActionError result={result} />
    </div>
  );
}

export function ReplayLink({ href }: { href: string }) {
  return (
    <Link href={href} className="text-sm font-medium text-sky-700 hover:underline dark:text-sky-400">
      Replay with edited inputs
    </Link>
  );
}
