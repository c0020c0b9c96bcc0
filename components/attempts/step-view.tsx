'use client';

import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import Link from 'next/link';
import { paths } from '@/lib/paths';
import type { StepViewParams } from '@/lib/views/step';
import { useNow, useView } from '../live/use-view';
import { ReplayLink } from '../runs/replay-link';
import { RetryStepButton } from '../runs/retry-step-dialog';
import { StatusBadge } from '../ui/status-badge';
import { AttemptHistory } from './attempt-history';
import { FlakyMark } from './flaky-mark';
import { StepDurations } from './step-durations';

/** A step's page: its attempts newest first, following the run live. */
export function StepPageView({ initial, params }: { initial: ViewData<'step'>; params: StepViewParams }) {
  const view = useView('step', params, initial);
  const { run, pipeline, item, attempts } = view;
  const now = useNow(view.now, !run.finished);
  return (
    <MayProvider may={view.may}>
      <div className="space-y-6">
        <div className="flex items-start justify-between gap-4">
          <div>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              <Link href={paths.pipeline(pipeline.id)} className="hover:underline">
                {pipeline.title}
              </Link>{' '}
              /{' '}
              <Link href={paths.run(run.id)} className="hover:underline">
                Run #{run.number}
              </Link>
            </p>
            <h1 className="flex items-center gap-3 text-2xl font-semibold">
              {view.title} <StatusBadge status={item.status} />
              {view.flaky ? <FlakyMark /> : null}
            </h1>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              <span className="font-mono">{item.key}</span> · {attempts.length} {attempts.length === 1 ? 'attempt' : 'attempts'}
              {item.needs.length ? ` · needs ${item.needs.join(', ')}` : ''}
            </p>
          </div>
          <div className="flex items-center gap-3">
            {view.retry ? <RetryStepButton plan={view.retry} /> : null}
            {attempts.length >= 2 ? (
              <Link href={paths.compare(run.id, item.key)} className="text-sm font-medium text-sky-700 hover:underline dark:text-sky-400">
                Compare attempts
              </Link>
            ) : null}
            {run.finished && attempts.length ? <ReplayLink runId={run.id} stepKey={item.key} /> : null}
          </div>
        </div>

        <StepDurations stepKey={item.key} durations={view.durations} />
        <AttemptHistory runId={run.id} item={item} attempts={attempts} now={now} />
      </div>
    </MayProvider>
  );
}
