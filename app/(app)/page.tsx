import Link from 'next/link';
import { CheckCircle2 } from 'lucide-react';
import { LiveRefresh } from '@/components/runs/live-refresh';
import { Card, EmptyState } from '@/components/ui/card';
import { StatusBadge } from '@/components/ui/status-badge';
import { formatDuration, RelativeTime } from '@/components/ui/time';
import { paths } from '@/lib/paths';
import { listActiveRuns, listFailedRunsSince } from '@/lib/runs/queries';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Overview' };

/** What is failing now and what is running: where an operator starts. */
export default async function OverviewPage() {
  const db = await getDb();
  const now = new Date();
  const [failed, active] = await Promise.all([
    listFailedRunsSince(db, new Date(now.getTime() - 24 * 3600 * 1000)),
    listActiveRuns(db),
  ]);
  const byPipeline = new Map<string, typeof failed>();
  for (const row of failed) byPipeline.set(row.pipelineTitle, [...(byPipeline.get(row.pipelineTitle) ?? []), row]);

  return (
    <div className="space-y-8">
      <LiveRefresh active />
      <section>
        <h1 className="text-2xl font-semibold">Failing now</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">Failed runs of the last 24 hours, newest first.</p>
        <div className="mt-3 space-y-3">
          {byPipeline.size === 0 ? (
            <EmptyState title="Nothing is failing">
              <span className="inline-flex items-center gap-1">
                <CheckCircle2 aria-hidden className="size-4 text-emerald-600" /> No run failed in the last 24 hours.
              </span>
            </EmptyState>
          ) : (
            [...byPipeline].map(([title, rows]) => (
              <Card key={title} className="p-0">
                <h2 className="border-b border-zinc-200 px-4 py-2 font-semibold dark:border-zinc-800">
                  {title} <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">· {rows.length} failed</span>
                </h2>
                <ul className="divide-y divide-zinc-100 dark:divide-zinc-800">
                  {rows.map(({ run, actorName }) => (
                    <li key={run.id} className="flex items-center gap-4 px-4 py-2 text-sm">
                      <StatusBadge status={run.status} />
                      <Link href={paths.run(run.id)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                        Run #{run.number}
                      </Link>
                      <span className="text-zinc-500 dark:text-zinc-400">
                        {run.trigger} by {actorName ?? '—'} · <RelativeTime date={run.createdAt} now={now} />
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
      </section>
      <section>
        <h2 className="text-lg font-semibold">Running</h2>
        <div className="mt-3">
          {active.length === 0 ? (
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
                {active.map(({ run, pipelineTitle, actorName }) => (
                  <li key={run.id} className="flex items-center gap-4 px-4 py-2 text-sm">
                    <StatusBadge status={run.status} />
                    <Link href={paths.run(run.id)} className="font-medium text-sky-700 hover:underline dark:text-sky-400">
                      {pipelineTitle} #{run.number}
                    </Link>
                    <span className="text-zinc-500 dark:text-zinc-400">
                      {run.trigger} by {actorName ?? '—'} · running for {formatDuration(run.startedAt ?? run.createdAt, null, now)}
                    </span>
                  </li>
                ))}
              </ul>
            </Card>
          )}
        </div>
      </section>
      <section>
        <h2 className="text-lg font-semibold">Deployments</h2>
        <p className="mt-1 text-sm text-zinc-500 dark:text-zinc-400">
          The latest deployment per environment will show here once deployment tracking lands.
        </p>
      </section>
    </div>
  );
}
