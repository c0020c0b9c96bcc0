'use client';

import Link from 'next/link';
import { Loader2 } from 'lucide-react';
import { paths } from '@/lib/paths';
import type { EnvironmentsMatrixView } from '@/lib/views/environments';
import { useNow, useView } from '../live/use-view';
import { Card, EmptyState } from '../ui/card';
import { StatusBadge } from '../ui/status-badge';
import { RelativeTime } from '../ui/time';
import { HoldMark, linkClass, LiveMark, ProtectionNote, shortCommit } from './deployment-bits';

type Project = EnvironmentsMatrixView['projects'][number];
type Cell = Project['pipelines'][number]['cells'][string];

/**
 * Every environment the reader may see, per project: pipelines down, environments
 * across, what each pipeline has live there, what is deploying, what is held.
 */
export function EnvironmentsPageView({ initial }: { initial: EnvironmentsMatrixView }) {
  const view = useView('environments', {}, initial);
  const deploying = view.projects.some((p) => p.pipelines.some((row) => Object.values(row.cells).some((c) => c.active)));
  const now = useNow(view.now, deploying);
  return (
    <div className="space-y-6">
      <div>
        <h1 className="text-2xl font-semibold">Environments</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">What each pipeline has live in each environment, and what is deploying now.</p>
      </div>
      {view.projects.length === 0 ? (
        <EmptyState title="Nothing deployed yet">
          A step with <code className="font-mono">environment: staging</code> in a{' '}
          <Link href={paths.pipelines()} className={linkClass}>
            pipeline
          </Link>{' '}
          records a deployment each time it runs; its environment appears here.
        </EmptyState>
      ) : (
        view.projects.map((project) => <ProjectMatrix key={project.id} project={project} now={now} />)
      )}
    </div>
  );
}

function ProjectMatrix({ project, now }: { project: Project; now: Date }) {
  return (
    <Card className="overflow-x-auto p-0">
      <h2 className="border-b border-zinc-200 px-4 py-2 font-semibold dark:border-zinc-800">
        {project.name} <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">{project.key}</span>
      </h2>
      <table className="w-full text-sm" aria-label={`Environments of ${project.name}`}>
        <thead>
          <tr className="border-b border-zinc-200 text-left align-top dark:border-zinc-800">
            <th scope="col" className="px-4 py-2 text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
              Pipeline
            </th>
            {project.environments.map((env) => (
              <th key={env.id} scope="col" className="min-w-52 px-4 py-2 font-normal" data-environment={env.name}>
                <Link href={paths.environment(env.id)} className={`font-semibold ${linkClass}`}>
                  {env.name}
                </Link>
                <div className="mt-1 flex flex-col items-start gap-1">
                  <span className="text-xs text-zinc-500 dark:text-zinc-400">{env.liveVersion ? `live v${env.liveVersion}` : 'nothing live'}</span>
                  <ProtectionNote requiredRole={env.requiredRole} />
                  <HoldMark hold={env.hold} />
                </div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
          {project.pipelines.length === 0 ? (
            <tr>
              <td colSpan={project.environments.length + 1} className="px-4 py-6 text-center text-zinc-500 dark:text-zinc-400">
                No pipeline has deployed here yet.
              </td>
            </tr>
          ) : (
            project.pipelines.map((row) => (
              <tr key={row.id ?? 'none'} className="align-top">
                <th scope="row" className="px-4 py-3 text-left font-medium">
                  {row.id ? (
                    <Link href={paths.pipeline(row.id)} className={linkClass}>
                      {row.title}
                    </Link>
                  ) : (
                    row.title
                  )}
                </th>
                {project.environments.map((env) => (
                  <td key={env.id} className="px-4 py-3" data-cell={`${row.title}/${env.name}`}>
                    <MatrixCell cell={row.cells[env.id]} environmentId={env.id} environment={env.name} now={now} />
                  </td>
                ))}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </Card>
  );
}

function MatrixCell({ cell, environmentId, environment, now }: { cell: Cell | undefined; environmentId: string; environment: string; now: Date }) {
  if (!cell) return <span className="text-zinc-400 dark:text-zinc-500">not deployed</span>;
  const { live, active, failedAfter } = cell;
  return (
    <div className="space-y-1">
      {live ? (
        <>
          <div className="flex flex-wrap items-center gap-2">
            <Link href={paths.environment(environmentId)} className={`font-mono font-semibold ${linkClass}`} aria-label={`${environment} history, v${live.version} live`}>
              v{live.version}
            </Link>
            <StatusBadge status={live.status} />
            {cell.isLive ? <LiveMark /> : null}
          </div>
          <p className="text-xs text-zinc-500 dark:text-zinc-400">
            {shortCommit(live.gitCommit) ? <span className="font-mono" title={live.gitCommit ?? undefined}>{shortCommit(live.gitCommit)} · </span> : null}
            <RelativeTime date={live.completedAt ?? live.createdAt} now={now} /> · {live.actorName ?? 'unknown'}
          </p>
        </>
      ) : (
        <Link href={paths.environment(environmentId)} className={`text-xs ${linkClass}`}>
          nothing live yet
        </Link>
      )}
      {active ? (
        <p className="inline-flex items-center gap-1 text-xs font-medium text-sky-800 dark:text-sky-200">
          <Loader2 aria-hidden className="size-3.5 animate-spin" />
          <Link href={paths.deployment(active.id)} className="hover:underline">
            v{active.version} {active.status === 'pending' ? 'waiting…' : 'deploying…'}
          </Link>
        </p>
      ) : null}
      {failedAfter && (!live || failedAfter.version > live.version) ? (
        <p className="text-xs">
          <Link href={paths.deployment(failedAfter.id)} className="text-red-700 hover:underline dark:text-red-300">
            v{failedAfter.version} {failedAfter.status}
          </Link>
        </p>
      ) : null}
    </div>
  );
}
