'use client';

import Link from 'next/link';
import { paths } from '@/lib/paths';
import { isActiveDeployment } from '@/lib/views/deployment-options';
import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import { DeploymentActions } from '../deployments/deployment-actions';
import { useNow, useView } from '../live/use-view';
import { Card } from '../ui/card';
import { CopyButton } from '../ui/copy-button';
import { JsonView } from '../ui/json-view';
import { StatusBadge } from '../ui/status-badge';
import { absolute, formatDuration, RelativeTime } from '../ui/time';
import { DeploymentLinks, linkClass, LiveMark } from './deployment-bits';
import { EnvironmentHeader } from './environment-history';

/**
 * One deployment: what it deployed where and why, the run and step that made
 * it, the deploy step's inputs (secrets masked) and outputs; follows live.
 */
export function DeploymentPageView({ initial, deploymentId }: { initial: ViewData<'deployment'>; deploymentId: string }) {
  const view = useView('deployment', { deploymentId }, initial);
  const { deployment: d, environment, attempt } = view;
  const now = useNow(view.now, isActiveDeployment(d.status));
  const at = (when: string | null) =>
    when ? (
      <>
        <RelativeTime date={when} now={now} /> <span className="text-xs text-zinc-500 dark:text-zinc-400">({absolute(when)})</span>
      </>
    ) : (
      '—'
    );
  const hasLinks = d.retryOf || d.redeployOf || d.rollbackFrom || d.rollbackTo;
  return (
    <MayProvider may={view.may}>
      <div className="space-y-5">
        <EnvironmentHeader
          environment={environment}
          now={now}
          title={
            <span className="flex items-center gap-3">
              {environment.name} <span className="font-mono">v{d.version}</span> <StatusBadge status={d.status} />
              {d.live ? <LiveMark /> : null}
            </span>
          }
        />
        <div className="flex flex-wrap items-center gap-3">
          <DeploymentActions deploymentId={d.id} status={d.status} live={d.live} />
          <Link href={paths.environment(environment.id)} className={`text-sm ${linkClass}`}>
            ← {environment.name} history
          </Link>
          {environment.live && !d.live ? (
            <Link href={paths.environmentCompare(environment.id, d.id, environment.live.id)} className={`text-sm ${linkClass}`}>
              Compare with live v{environment.live.version}
            </Link>
          ) : null}
        </div>
        {d.errorMessage ? (
          <Card className="border-red-300 dark:border-red-800">
            <h2 className="text-sm font-semibold text-red-800 dark:text-red-200">Error</h2>
            <pre className="mt-1 whitespace-pre-wrap break-words font-mono text-xs text-red-900 dark:text-red-100">{d.errorMessage}</pre>
          </Card>
        ) : null}
        <Card>
          <dl className="grid grid-cols-1 gap-x-6 gap-y-3 text-sm sm:grid-cols-[10rem_1fr]">
            <dt className="text-zinc-500 dark:text-zinc-400">Trigger</dt>
            <dd className="flex flex-wrap items-center gap-2">
              {d.trigger}
              {hasLinks ? <DeploymentLinks retryOf={d.retryOf} redeployOf={d.redeployOf} rollbackFrom={d.rollbackFrom} rollbackTo={d.rollbackTo} /> : null}
            </dd>
            <dt className="text-zinc-500 dark:text-zinc-400">By</dt>
            <dd>{d.actorName ?? 'unknown'}</dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Reason</dt>
            <dd className="break-words">{d.reason ?? <span className="text-zinc-400">—</span>}</dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Commit</dt>
            <dd>
              {d.gitCommit ? (
                <span className="inline-flex items-center gap-1 font-mono text-xs">
                  {d.gitCommit} <CopyButton value={d.gitCommit} label="commit" />
                </span>
              ) : (
                '—'
              )}
              {d.gitBranch ? <span className="ml-2 text-xs text-zinc-500 dark:text-zinc-400">on {d.gitBranch}</span> : null}
              {d.gitMessage ? <p className="mt-1 whitespace-pre-wrap break-words">{d.gitMessage}</p> : null}
            </dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Made by</dt>
            <dd>
              {d.runId ? (
                <>
                  <Link href={paths.run(d.runId)} className={linkClass}>
                    {d.pipelineTitle ?? 'Run'} #{d.runNumber}
                  </Link>
                  {d.stepKey ? (
                    <>
                      {' · step '}
                      <Link href={paths.runStep(d.runId, d.stepKey)} className={`font-mono ${linkClass}`}>
                        {d.stepKey}
                      </Link>
                      {attempt ? <span className="text-zinc-500 dark:text-zinc-400"> (attempt {attempt.number})</span> : null}
                    </>
                  ) : null}
                </>
              ) : (
                '—'
              )}
            </dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Created</dt>
            <dd>{at(d.createdAt)}</dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Started</dt>
            <dd>{at(d.startedAt)}</dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Completed</dt>
            <dd>{at(d.completedAt)}</dd>
            <dt className="text-zinc-500 dark:text-zinc-400">Duration</dt>
            <dd>{d.startedAt ? formatDuration(d.startedAt, d.completedAt, now) : '—'}</dd>
          </dl>
        </Card>
        <Card className="space-y-3">
          <h2 className="font-semibold">Deploy step</h2>
          {attempt ? (
            <>
              <JsonView label="Inputs" value={attempt.inputs} />
              <JsonView label="Outputs" value={attempt.outputs} />
              {attempt.error ? <JsonView label="Error" value={attempt.error} /> : null}
            </>
          ) : (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">No attempt is recorded for this deployment.</p>
          )}
        </Card>
      </div>
    </MayProvider>
  );
}
