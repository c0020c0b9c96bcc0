'use client';

import Link from 'next/link';
import { CheckCircle2 } from 'lucide-react';
import { paths } from '@/lib/paths';
import type { OverviewView } from '@/lib/views/overview';
import { useNow, useView } from '../live/use-view';
import { Card, EmptyState } from '../ui/card';
import { StatusBadge } from '../ui/status-badge';
import { formatDuration, RelativeTime } from '../ui/time';

/** What is failing now and what is running: where an operator starts. */
export function OverviewPageView({ initial }: { initial: OverviewView }) {
  const view = useView('overview', {}, initial);
  const now = useNow(view.now, view.running.length > 0);
  return (
    <div className="space-y-8">
      <section>
        <h1 className="text-2xl font-semibold">Failing now</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Runs of the last 24 hours that failed or were cancelled, newest first: each can be retried.
        </p>
        <div className="mt-3 space-y-3">
          {view.failing.length === 0 ? (
            <EmptyState title="Nothing is failing">
              <span className="inline-flex items-center gap-1">
                <CheckCircle2 aria-hidden className="size-4 text-emerald-600" />
                {view.retried.length === 0
                  ? 'No run failed in the last 24 hours.'
                  : `Nothing is failing now; ${view.retried.length} ${view.retried.length === 1 ? 'run' : 'runs'} failed in the last 24 hours, then retried (below).`}
              </span>
            </EmptyState>
          ) : (
            view.failing.map((group) => (
              <Card key={group.pipelineId} className="p-0">
                <h2 className="border-b border-zinc-200 px-4 py-2 font-semibold dark:border-zinc-800">
                  {group.title}{' '}
                  <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">· {countsOf(group.runs)}</span>
                </h2>
                <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                  {group.runs.map((run) => (
                    <li key={run.id} className="flex items-center gap-4 px-4 py-2 text-sm">
                      <StatusBadge status={run.status} />
                      <Link href={paths.run(run.id)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                        Run #{run.number}
                      </Link>
                      <span className="text-zinc-500 dark:text-zinc-400">
                        {run.trigger} by {run.actorName ?? '—'} · <RelativeTime date={run.createdAt} now={now} />
                        {run.gitBranch ? ` · ${run.gitBranch}` : ''}
                      </span>
                      <Link
                        href={`${paths.run(run.id)}?retry=1`}
                        className="ml-auto rounded-md px-2 py-1 font-medium text-sky-700 ring-1 ring-inset ring-sky-300 hover:bg-sky-50 dark:text-sky-300 dark:ring-sky-800 dark:hover:bg-sky-950"
                      >
                        Retry…
                      </Link>
                    </li>
                  ))}
                </ul>
              </Card>
            ))
          )}
        </div>
        {view.retried.length ? (
          <div className="mt-4">
            <h2 className="text-sm font-semibold">Failed, then retried</h2>
            <p className="text-sm text-zinc-500 dark:text-zinc-400">
              Runs of the last 24 hours in which a step failed, retried since (by hand or automatically).
            </p>
            <Card className="mt-2 p-0">
              <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {view.retried.map((run) => (
                  <li key={run.id} className="flex flex-wrap items-center gap-x-4 gap-y-1 px-4 py-2 text-sm">
                    <StatusBadge status={run.status} />
                    <Link href={paths.run(run.id)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                      {run.pipelineTitle} #{run.number}
                    </Link>
                    <span className="text-zinc-500 dark:text-zinc-400">
                      failed, then retried{run.attempt > 1 ? ` · attempt ${run.attempt}` : ''} · {run.trigger} by{' '}
                      {run.actorName ?? '—'} · <RelativeTime date={run.createdAt} now={now} />
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          </div>
        ) : null}
      </section>
      <section>
        <h2 className="text-lg font-semibold">Running</h2>
        <div className="mt-3">
          {view.running.length === 0 ? (
            <EmptyState title="Nothing is running">
              Start a run from a{' '}
              <Link href={paths.pipelines()} className="text-sky-700 underline dark:text-sky-400">
                pipeline
              </Link>
              .
            </EmptyState>
          ) : (
            <Card className="p-0">
              <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {view.running.map((run) => (
                  <li key={run.id} className="flex items-center gap-4 px-4 py-2 text-sm">
                    <StatusBadge status={run.status} />
                    <Link href={paths.run(run.id)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                      {run.pipelineTitle} #{run.number}
                    </Link>
                    <span className="text-zinc-500 dark:text-zinc-400">
                      {run.trigger} by {run.actorName ?? '—'} ·{' '}
                      {run.runningSince ? `running for ${formatDuration(run.runningSince, null, now)}` : 'waiting to start'}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </div>
      </section>
      <section>
        <div className="flex items-baseline justify-between gap-4">
          <h2 className="text-lg font-semibold">Deployments</h2>
          <Link href={paths.environments()} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
            All environments →
          </Link>
        </div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">The latest deployment to each environment.</p>
        <div className="mt-3">
          {view.deployments.length === 0 ? (
            <EmptyState title="Nothing deployed yet">
              A step with <code className="font-mono">environment: staging</code> in its pipeline records a deployment
              each time it runs.
            </EmptyState>
          ) : (
            <Card className="p-0">
              <table className="w-full text-sm">
                <thead className="text-left text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                  <tr className="border-b border-zinc-200 dark:border-zinc-800">
                    <th className="px-4 py-2">Environment</th>
                    <th className="px-4 py-2">Version</th>
                    <th className="px-4 py-2">Status</th>
                    <th className="px-4 py-2">Commit</th>
                    <th className="px-4 py-2">Run</th>
                    <th className="px-4 py-2">By</th>
                    <th className="px-4 py-2">When</th>
                  </tr>
                </thead>
                <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                  {view.deployments.map((d) => (
                    <tr key={d.id} className="align-top">
                      <td className="px-4 py-2">
                        <Link href={paths.environment(d.environmentId)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                          {d.environment}
                        </Link>{' '}
                        <span className="text-xs text-zinc-500 dark:text-zinc-400">{d.project}</span>
                      </td>
                      <td className="px-4 py-2 font-mono">
                        <Link href={paths.deployment(d.id)} className="hover:underline">
                          v{d.version}
                        </Link>
                      </td>
                      <td className="px-4 py-2">
                        <StatusBadge status={d.status} suffix={d.trigger === 'retry' ? 'retry' : undefined} />
                        {d.status === 'failed' && d.errorMessage ? (
                          <p className="mt-1 max-w-xs truncate text-xs text-red-700 dark:text-red-300" title={d.errorMessage}>
                            {d.errorMessage}
                          </p>
                        ) : null}
                      </td>
                      <td className="px-4 py-2 font-mono text-xs" title={d.gitCommit ?? undefined}>
                        {d.gitBranch ? `${d.gitBranch} · ` : ''}
                        {d.gitCommit?.slice(0, 7) ?? '—'}
                      </td>
                      <td className="px-4 py-2">
                        {d.runId ? (
                          <Link href={paths.run(d.runId)} className="text-sky-700 hover:underline dark:text-sky-400">
                            {d.pipelineTitle} #{d.runNumber}
                          </Link>
                        ) : (
                          '—'
                        )}
                      </td>
                      <td className="px-4 py-2">{d.actorName ?? '—'}</td>
                      <td className="px-4 py-2">
                        <RelativeTime date={d.completedAt ?? d.createdAt} now={now} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </Card>
          )}
        </div>
      </section>
    </div>
  );
}

function countsOf(runs: OverviewView['failing'][number]['runs']) {
  const failed = runs.filter((r) => r.status === 'failed').length;
  const cancelled = runs.length - failed;
  return [failed ? `${failed} failed` : '', cancelled ? `${cancelled} cancelled` : ''].filter(Boolean).join(' · ');
}
