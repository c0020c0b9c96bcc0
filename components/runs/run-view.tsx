'use client';

import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import Link from 'next/link';
import { Suspense } from 'react';
import { AlertTriangle, GitBranch, GitCommit, History } from 'lucide-react';
import { AttemptHistory } from '@/components/attempts/attempt-history';
import { FlakyMark } from '@/components/attempts/flaky-mark';
import { useNow, useView } from '@/components/live/use-view';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { StatusBadge } from '@/components/ui/status-badge';
import { formatDuration, RelativeTime } from '@/components/ui/time';
import { ATTEMPT_KIND_LABEL } from '@/lib/attempts/kinds';
import { paths } from '@/lib/paths';
import type { RunViewParams } from '@/lib/views/run';
import { ReplayLink } from './replay-link';
import { RunActions } from './run-actions';
import { ApproveDeployButton } from '../deployments/approve-deploy';
import { StepDeployment } from '../deployments/step-deployment';
import { RetryStepButton } from './retry-step-dialog';
import { RunGraph } from './run-graph';
import { RunTimeline } from './run-timeline';

/**
 * The run page: header, graph ("Attempt k of N"), steps, and the open step's
 * attempt history beside the graph. Its data lives in the query cache and
 * follows the run live.
 */
export function RunPageView({
  initial,
  params,
  openRetry,
}: {
  initial: ViewData<'run'>;
  params: RunViewParams;
  openRetry: boolean;
}) {
  const view = useView('run', params, initial);
  const { run, pipeline, panel, shownAttempt, shown } = view;
  const now = useNow(view.now, !run.finished);
  const earlier = `${paths.run(run.id)}?attempt=${shownAttempt - 1}`;
  const later =
    shownAttempt + 1 === run.attempt ? paths.run(run.id) : `${paths.run(run.id)}?attempt=${shownAttempt + 1}`;

  return (
    <MayProvider may={view.may}>
      <div className="space-y-6">
        <div className="flex items-start justify-between gap-4">
          <div>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              <Link href={paths.pipeline(pipeline.id)} className="hover:underline">
                {pipeline.title}
              </Link>
            </p>
            <h1 className="flex items-center gap-3 text-2xl font-semibold">
              Run #{run.number} <StatusBadge status={shown.status} />
            </h1>
            <p className="mt-1 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-zinc-500 dark:text-zinc-400">
              <span>{run.attempt > 1 ? `Attempt ${shown.attempt} of ${run.attempt}` : 'Attempt 1'}</span>
              <span>
                {run.trigger} by {run.triggeredByName ?? 'unknown'}
              </span>
              {run.gitBranch ? (
                <span className="inline-flex items-center gap-1">
                  <GitBranch aria-hidden className="size-3.5" /> {run.gitBranch}
                </span>
              ) : null}
              {run.gitCommit ? (
                <span className="inline-flex items-center gap-1 font-mono" title={run.gitCommit}>
                  <GitCommit aria-hidden className="size-3.5" /> {run.gitCommit.slice(0, 7)}
                  <CopyButton value={run.gitCommit} label="commit" />
                </span>
              ) : null}
              <span className="inline-flex items-center gap-1 font-mono text-xs" title={run.id}>
                {run.id.slice(0, 8)}
                <CopyButton value={run.id} label="run id" />
              </span>
              <span>
                created <RelativeTime date={run.createdAt} now={now} />
              </span>
              <span title="This attempt's own time, from its first step start to its last step end; time in steps adds up the steps (parallel ones each count).">
                {shown.startedAt
                  ? `took ${formatDuration(shown.startedAt, shown.finishedAt, now)} · ${formatDuration(new Date(0), new Date(shown.stepsMs))} in steps`
                  : 'not started'}
              </span>
            </p>
            {run.gitMessage ? <p className="mt-1 text-sm">{run.gitMessage}</p> : null}
            {Object.keys(run.params).length ? (
              <dl aria-label="Parameters" className="mt-1 flex flex-wrap gap-x-3 gap-y-1 text-sm">
                {Object.entries(run.params).map(([name, value]) => (
                  <div key={name} className="flex gap-1">
                    <dt className="text-zinc-500 dark:text-zinc-400">{name}</dt>
                    <dd className="font-mono text-xs leading-5">{JSON.stringify(value)}</dd>
                  </div>
                ))}
              </dl>
            ) : null}
          </div>
          <RunActions plan={view.plan} openRetry={openRetry} />
        </div>

        {!shown.current ? (
          <p className="flex items-center gap-2 rounded-md border border-sky-300 bg-sky-50 px-3 py-2 text-sm text-sky-900 dark:border-sky-800 dark:bg-sky-950 dark:text-sky-200">
            <History aria-hidden className="size-4 shrink-0" />
            You are looking at attempt {shown.attempt} of {run.attempt} as it ended.
            <Link href={paths.run(run.id)} className="font-medium underline">
              See the latest attempt
            </Link>
          </p>
        ) : null}

        {view.definitionChanged ? (
          <p className="flex items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
            <AlertTriangle aria-hidden className="size-4 shrink-0" />
            The pipeline definition changed since this run:{' '}
            <span className="font-mono">{view.definitionChanged.from.slice(0, 8)}</span> →{' '}
            <span className="font-mono">{view.definitionChanged.to.slice(0, 8)}</span>. Replay uses the run’s own version;
            Retry offers the latest when the steps and their needs are the same.
          </p>
        ) : null}

        <div className={panel ? 'grid grid-cols-[minmax(0,1fr)_22rem] gap-4 xl:grid-cols-[minmax(0,1fr)_26rem]' : ''}>
          <div className="min-w-0 space-y-6">
            <section aria-label="Graph" className="space-y-2">
              <div className="flex items-center gap-3 text-sm">
                <h2 className="font-semibold">Graph</h2>
                <nav aria-label="Run attempts" className="ml-auto flex items-center gap-2">
                  {shownAttempt > 1 ? (
                    <Link href={earlier} className="text-sky-700 hover:underline dark:text-sky-400">
                      ← earlier
                    </Link>
                  ) : null}
                  <span className="rounded-md bg-zinc-100 px-2 py-0.5 font-medium dark:bg-zinc-800">
                    Attempt {shownAttempt} of {run.attempt}
                  </span>
                  {shownAttempt < run.attempt ? (
                    <Link href={later} className="text-sky-700 hover:underline dark:text-sky-400">
                      later →
                    </Link>
                  ) : null}
                </nav>
              </div>
              {/* Boundaries let React hydrate the header (Retry, Cancel) first and the big parts after. */}
              <Suspense>
                <RunGraph runId={run.id} nodes={view.nodes} layout={view.layout} selected={panel?.item.key} now={now} />
              </Suspense>
            </section>

            <section aria-label="Timeline" className="space-y-2">
              <h2 className="text-sm font-semibold">Timeline · attempt {shownAttempt}</h2>
              <RunTimeline runId={run.id} rows={view.timeline} shownAttempt={shownAttempt} now={now} />
            </section>

            <Suspense>
              <Card className="p-0">
                <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Steps</h2>
                <ol className="divide-y divide-zinc-100 dark:divide-zinc-800">
                  {view.steps.map((step) => (
                    <li key={step.id} className="flex flex-wrap items-start gap-x-4 gap-y-2 px-4 py-3">
                      <div className="w-28 shrink-0 pt-0.5">
                        <StatusBadge status={step.status} />
                      </div>
                      <div className="min-w-56 flex-1">
                        <a
                          href={paths.runStep(run.id, step.key)}
                          data-step-link
                          data-failed-step={step.status === 'failed' ? '' : undefined}
                          className="rounded font-medium text-sky-700 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-400"
                        >
                          {step.title}
                        </a>
                        <span className="ml-2 font-mono text-xs text-zinc-500 dark:text-zinc-400">{step.key}</span>
                        {step.flaky ? (
                          <span className="ml-2">
                            <FlakyMark />
                          </span>
                        ) : null}
                        <p className="text-xs text-zinc-500 dark:text-zinc-400">
                          {step.needs.length ? `needs ${step.needs.join(', ')} · ` : ''}
                          {step.attemptCount} {step.attemptCount === 1 ? 'attempt' : 'attempts'}
                          {step.latest
                            ? ` · latest: ${ATTEMPT_KIND_LABEL[step.latest.kind]}, ${formatDuration(step.latest.startedAt, step.latest.finishedAt, now)}`
                            : ''}
                          {step.environment ? ` · deploys to ${step.environment}` : ''}
                        </p>
                        {step.waiting ? (
                          <p className="mt-1 text-sm text-amber-800 dark:text-amber-300">Waiting: {step.waiting}.</p>
                        ) : null}
                        {step.deployment ? <StepDeployment deployment={step.deployment} /> : null}
                        {step.latest?.error && step.status === 'failed' ? (
                          <pre className="mt-1 whitespace-pre-wrap rounded bg-red-50 px-2 py-1 font-mono text-xs text-red-900 dark:bg-red-950/60 dark:text-red-200">
                            {step.latest.error}
                          </pre>
                        ) : null}
                      </div>
                      <div className="ml-auto flex shrink-0 items-center gap-3">
                        {step.waiting ? <ApproveDeployButton runId={run.id} itemId={step.id} title={step.title} /> : null}
                        {step.retry ? <RetryStepButton plan={step.retry} /> : null}
                        {run.finished && shown.current && step.latest ? <ReplayLink runId={run.id} stepKey={step.key} /> : null}
                      </div>
                    </li>
                  ))}
                </ol>
              </Card>
            </Suspense>
          </div>
          {panel ? (
            <aside
              aria-label={`Attempt history of ${panel.title}`}
              className="sticky top-4 max-h-[calc(100vh-2rem)] space-y-3 self-start overflow-y-auto"
            >
              <div className="flex items-center gap-2">
                <h2 className="min-w-0 truncate font-semibold">{panel.title}</h2>
                <StatusBadge status={panel.item.status} />
                {panel.flaky ? <FlakyMark /> : null}
                <Link
                  href={paths.run(run.id)}
                  className="ml-auto text-sm text-zinc-500 hover:underline dark:text-zinc-400"
                  aria-label="Close the attempt history"
                >
                  Close
                </Link>
              </div>
              <p className="flex flex-wrap gap-3 text-sm">
                <Link
                  href={paths.step(run.id, panel.item.key)}
                  className="font-medium text-sky-700 hover:underline dark:text-sky-400"
                >
                  Open full page
                </Link>
                {panel.attempts.length >= 2 ? (
                  <Link
                    href={paths.compare(run.id, panel.item.key)}
                    className="font-medium text-sky-700 hover:underline dark:text-sky-400"
                  >
                    Compare attempts
                  </Link>
                ) : null}
                {run.finished && panel.attempts.length ? <ReplayLink runId={run.id} stepKey={panel.item.key} /> : null}
              </p>
              <AttemptHistory runId={run.id} item={panel.item} attempts={panel.attempts} now={now} />
            </aside>
          ) : null}
        </div>
      </div>
    </MayProvider>
  );
}
