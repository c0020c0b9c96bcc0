'use client';

import Link from 'next/link';
import { AlertTriangle } from 'lucide-react';
import { paths } from '@/lib/paths';
import type { PipelinesView } from '@/lib/views/pipelines';
import { useNow, useView } from '../live/use-view';
import { Card, EmptyState } from '../ui/card';
import { StatusBadge } from '../ui/status-badge';
import { RelativeTime } from '../ui/time';
import { PipelineHealth } from './pipeline-health';

/** Every pipeline with its health, and the YAML files that did not load, said plainly. */
export function PipelinesPageView({ initial }: { initial: PipelinesView }) {
  const view = useView('pipelines', {}, initial);
  const now = useNow(view.now);
  return (
    <div className="space-y-6">
      <h1 className="text-2xl font-semibold">Pipelines</h1>
      {view.errors.length > 0 ? (
        <Card className="border-red-300 dark:border-red-900">
          <h2 className="flex items-center gap-2 font-semibold text-red-800 dark:text-red-300">
            <AlertTriangle aria-hidden className="size-4" /> Load errors
          </h2>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            These files were not loaded; the others were. Fix them and save: they reload by themselves.
          </p>
          <ul className="mt-3 space-y-3">
            {view.errors.map((e) => (
              <li key={e.file}>
                <p className="font-mono text-sm font-medium">
                  {e.file}
                  {e.line ? `:${e.line}` : ''}
                </p>
                <pre className="mt-1 whitespace-pre-wrap rounded bg-red-50 p-2 font-mono text-xs text-red-900 dark:bg-red-950/60 dark:text-red-200">
                  {e.message}
                </pre>
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
      {view.pipelines.length === 0 && !view.hasProjects ? (
        <EmptyState title="No projects for you yet">
          You are signed in, but no project has given you a role. Ask an admin of the project you work on to add you
          (Projects → the project → Members).
        </EmptyState>
      ) : view.pipelines.length === 0 ? (
        <EmptyState title="No pipelines yet">
          Add a YAML file to the folder named by REPRISE_PIPELINES (default examples/pipelines); it loads as soon as it
          is saved.
        </EmptyState>
      ) : (
        <ul className="grid gap-3">
          {view.pipelines.map((p) => (
            <li key={p.id}>
              <Link
                href={paths.pipeline(p.id)}
                className="flex items-center gap-4 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm hover:border-sky-400 dark:border-zinc-800 dark:bg-zinc-900/60 dark:hover:border-sky-600"
              >
                <div className="min-w-0 flex-1">
                  <p className="font-medium">{p.title}</p>
                  <p className="text-sm text-zinc-500 dark:text-zinc-400">
                    {p.project}/{p.name} · version <span className="font-mono">{p.versionHash?.slice(0, 8) ?? '—'}</span>
                  </p>
                </div>
                <PipelineHealth health={p.health} />
                {p.lastRun ? (
                  <div className="flex w-64 items-center justify-end gap-3 text-sm text-zinc-500 dark:text-zinc-400">
                    <span>Run #{p.lastRun.number}</span>
                    <StatusBadge status={p.lastRun.status} />
                    <RelativeTime date={p.lastRun.createdAt} now={now} />
                  </div>
                ) : (
                  <span className="w-64 text-right text-sm text-zinc-500 dark:text-zinc-400">No runs yet</span>
                )}
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
