'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition } from 'react';
import { AlertTriangle, RotateCcw } from 'lucide-react';
import { toast } from 'sonner';
import { retryRunAction } from '@/app/actions/runs';
import { paths } from '@/lib/paths';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';
import type { DefinitionChoice } from '@/lib/runs/latest-definition';
import type { RetryPlan } from '@/lib/runs/retry-plan';
import { ActionDialog } from '../ui/action-dialog';
import { Button } from '../ui/button';
import { DefinitionChanges, StructureDifferenceList } from './definition-changes';

/**
 * Retry shows its plan before anything happens: which steps re-run, which are
 * kept with their outputs reused, the error that made them fail, and whether
 * the definition changed since. The retry is sent with the run attempt the
 * plan was made for, so a run that changed meanwhile is refused (409) and the
 * dialog shows the new state instead of acting on the old one. When the
 * pipeline changed, the operator chooses the run's definition or the latest
 * one (its changes shown per step; not offered when the steps changed).
 */
export function RetryDialog({ plan, openOnLoad = false }: { plan: RetryPlan; openOnLoad?: boolean }) {
  const router = useRouter();
  const refresh = useRefreshViews();
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [refusal, setRefusal] = useState<string | null>(null);
  const [pending, startTransition] = useTransition();
  const [choice, setChoice] = useState<DefinitionChoice>('run');
  const { latest } = plan;
  const offerLatest = latest.changed;
  const definition: DefinitionChoice = offerLatest && latest.allowed ? choice : 'run';
  // The run attempt the operator was shown when the dialog opened. A plan that
  // moved on since (another operator acted, live) must be read again before it
  // can be confirmed, even if the new one is allowed too.
  const [shownAttempt, setShownAttempt] = useState<number | null>(null);
  const stale = shownAttempt !== null && shownAttempt !== plan.runAttempt;
  const open = () => {
    setShownAttempt(plan.runAttempt);
    dialog.current?.showModal();
  };

  // "Retry…" from the overview lands here with the dialog open.
  const openedOnLoad = useRef(false);
  useEffect(() => {
    if (!openOnLoad || openedOnLoad.current) return;
    openedOnLoad.current = true;
    if (plan.allowed) open();
    // The dialog opened once: a reload or a shared link must not open it again.
    // (Next.js follows history.replaceState, without a round trip to the server.)
    const url = new URL(window.location.href);
    url.searchParams.delete('retry');
    window.history.replaceState(null, '', url.pathname + url.search + url.hash);
  }, [openOnLoad, plan.allowed]);

  // A new plan (the run changed, live) clears an old refusal message.
  useEffect(() => setRefusal(null), [plan.runAttempt, plan.runStatus]);

  const confirm = () =>
    startTransition(async () => {
      const result = await retryRunAction({
        run_id: plan.runId,
        reason,
        expected_attempt: plan.runAttempt,
        definition,
        expected_version: definition === 'latest' ? latest.to?.id : undefined,
      });
      if (result.ok) {
        dialog.current?.close();
        setReason('');
        toast.success(`Retrying run #${plan.runNumber} — attempt ${result.data.attempt}`, {
          description: `${plan.retry.map((s) => s.key).join(', ')} will run again${
            definition === 'latest' ? ` with pipeline v${latest.to?.number}` : ''
          }.`,
          action: { label: 'Open run', onClick: () => router.push(paths.run(plan.runId)) },
        });
      } else {
        setRefusal(result.error.message);
      }
      refresh(queryKeys.run(plan.runId), queryKeys.step(plan.runId));
    });

  return (
    <>
      <Button
        variant="primary"
        disabled={!plan.allowed}
        title={
          plan.allowed ? 'Re-run the failed steps; succeeded steps are kept' : (plan.notAllowedBecause ?? undefined)
        }
        onClick={open}
        aria-keyshortcuts="r"
      >
        <RotateCcw aria-hidden className="size-4" /> Retry failed steps
      </Button>
      <ActionDialog
        dialog={dialog}
        id="retry"
        width={offerLatest ? 'w-[46rem]' : 'w-[36rem]'}
        title={`Retry run #${plan.runNumber}`}
        reason={reason}
        onReason={setReason}
        reasonPlaceholder="e.g. registry was down"
        refusal={refusal}
        confirmLabel={
          pending
            ? 'Retrying…'
            : `Retry ${plan.retry.length} ${plan.retry.length === 1 ? 'step' : 'steps'}${
                definition === 'latest' ? ` with v${latest.to?.number}` : ''
              }`
        }
        confirmDisabled={pending || !plan.allowed || stale}
        onConfirm={confirm}
      >
        {offerLatest ? (
          <fieldset className="space-y-2 rounded-md bg-amber-50 p-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            <legend className="sr-only">Definition the retry uses</legend>
            <p className="flex items-start gap-2">
              <AlertTriangle aria-hidden className="mt-0.5 size-4 shrink-0" />
              <span>
                The pipeline changed since this run (v{latest.from.number}{' '}
                <span className="font-mono">{latest.from.hash.slice(0, 8)}</span> → v{latest.to?.number}{' '}
                <span className="font-mono">{latest.to?.hash.slice(0, 8)}</span>). Which definition should the retry use?
              </span>
            </p>
            <label className="flex items-start gap-2 pl-6">
              <input
                type="radio"
                name="retry-definition"
                value="run"
                checked={definition === 'run'}
                onChange={() => setChoice('run')}
                className="mt-1"
              />
              <span>
                <span className="font-medium">This run’s definition</span> (v{latest.from.number}) — the same commands and
                inputs as before
              </span>
            </label>
            <label className="flex items-start gap-2 pl-6">
              <input
                type="radio"
                name="retry-definition"
                value="latest"
                checked={definition === 'latest'}
                disabled={!latest.allowed}
                aria-describedby={latest.allowed ? undefined : 'retry-latest-refusal'}
                onChange={() => setChoice('latest')}
                className="mt-1"
              />
              <span className={latest.allowed ? '' : 'opacity-70'}>
                <span className="font-medium">The latest definition</span> (v{latest.to?.number}) — the steps that run again
                use the new commands, env and inputs; the run moves to v{latest.to?.number}
                {latest.allowed ? null : (
                  <span id="retry-latest-refusal" className="mt-1 block">
                    Not possible: {latest.notAllowedBecause}
                    {latest.structure ? <StructureDifferenceList structure={latest.structure} /> : null}
                  </span>
                )}
              </span>
            </label>
          </fieldset>
        ) : null}
        {definition === 'latest' ? (
          <section>
            <h3 className="text-sm font-semibold">
              What changed, v{latest.from.number} → v{latest.to?.number}
            </h3>
            <div className="mt-1 max-h-80 overflow-auto">
              <DefinitionChanges latest={latest} />
            </div>
          </section>
        ) : null}
        <section>
          <h3 className="text-sm font-semibold">Will run again</h3>
          <ul className="mt-1 space-y-1 text-sm">
            {plan.retry.map((s) => (
              <li key={s.key}>
                <span className="font-medium">{s.title}</span>{' '}
                <span className="text-zinc-500 dark:text-zinc-400">
                  ({s.status} on attempt {s.attempt}, {definition === 'latest' ? `with v${latest.to?.number}` : 'same inputs'})
                </span>
                {s.error ? (
                  <pre className="mt-0.5 whitespace-pre-wrap rounded bg-red-50 px-2 py-1 font-mono text-xs text-red-900 dark:bg-red-950/60 dark:text-red-200">
                    {s.error}
                  </pre>
                ) : null}
              </li>
            ))}
            {plan.rerun.map((s) => (
              <li key={s.key}>
                <span className="font-medium">{s.title}</span>{' '}
                <span className="text-zinc-500 dark:text-zinc-400">(skipped before; runs after its needs)</span>
              </li>
            ))}
          </ul>
        </section>
        <section>
          <h3 className="text-sm font-semibold">Kept — outputs reused, not run again</h3>
          <p className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            {plan.kept.length ? plan.kept.map((s) => s.title).join(', ') : 'none'}
          </p>
        </section>
        {stale || !plan.allowed ? (
          <div
            role="status"
            className="flex flex-wrap items-center gap-2 rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-200"
          >
            <span>
              The run changed while this was open
              {plan.allowed ? ' (now attempt ' + plan.runAttempt + '); the plan above is the new one.' : '.'}{' '}
              {plan.allowed ? null : plan.notAllowedBecause}
            </span>
            {plan.allowed ? (
              <Button type="button" onClick={() => setShownAttempt(plan.runAttempt)}>
                Use the new plan
              </Button>
            ) : null}
          </div>
        ) : null}
      </ActionDialog>
    </>
  );
}
