'use client';

import { useMay } from '../access/may';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { Play, Square } from 'lucide-react';
import { toast } from 'sonner';
import { cancelRunAction, triggerRunAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
import type { RetryPlan } from '@/lib/runs/retry-plan';
import type { ActionResult } from '@/lib/server/action';
import { Button } from '../ui/button';
import { RetryDialog } from './retry-dialog';

function ActionError({ result }: { result: ActionResult<unknown> | null }) {
  if (!result || result.ok) return null;
  return (
    <p
      role="alert"
      className="mt-2 rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200"
    >
      {result.error.message}
    </p>
  );
}

/** Retry (its dialog shows the plan first) and Cancel for a run. */
export function RunActions({ plan, openRetry = false }: { plan: RetryPlan; openRetry?: boolean }) {
  const refresh = useRefreshViews();
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  const canCancel = plan.runStatus === 'queued' || plan.runStatus === 'running';
  if (!useMay().operate) return null;
  return (
    <div className="flex flex-col items-end">
      <div className="flex gap-2">
        <RetryDialog plan={plan} openOnLoad={openRetry} />
        <Button
          variant="danger"
          disabled={!canCancel || pending}
          title={canCancel ? 'Stop the running steps and skip the rest' : `The run is ${plan.runStatus}`}
          onClick={() =>
            startTransition(async () => {
              const r = await cancelRunAction({ run_id: plan.runId });
              setResult(r);
              if (r.ok) toast(`Cancelling run #${plan.runNumber}`);
              refresh(queryKeys.run(plan.runId), queryKeys.step(plan.runId));
            })
          }
        >
          <Square aria-hidden className="size-4" /> Cancel run
        </Button>
      </div>
      <ActionError result={result} />
    </div>
  );
}

export function TriggerRunButton({ pipelineId }: { pipelineId: string }) {
  const may = useMay();
  const router = useRouter();
  const [result, setResult] = useState<ActionResult<unknown> | null>(null);
  const [pending, startTransition] = useTransition();
  if (!may.operate) return null;
  return (
    <div className="flex flex-col items-end">
      <Button
        variant="primary"
        disabled={pending}
        onClick={() =>
          startTransition(async () => {
            const r = await triggerRunAction({ pipeline_id: pipelineId });
            setResult(r);
            if (r.ok) router.push(paths.run(r.data.id));
          })
        }
      >
        <Play aria-hidden className="size-4" /> Run pipeline
      </Button>
      <ActionError result={result} />
    </div>
  );
}
