'use client';

import Link from 'next/link';
import { GitCompare, Loader2, PauseCircle } from 'lucide-react';
import { paths } from '@/lib/paths';
// Values from a module without server imports: this file is in the browser's bundle.
import { DEPLOYMENT_STATUSES, DEPLOYMENT_TRIGGERS, isActiveDeployment } from '@/lib/views/deployment-options';
import type { EnvironmentHistoryParams, EnvironmentHistoryView } from '@/lib/views/environment';
import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import { DeploymentActions } from '../deployments/deployment-actions';
import { ReleaseHoldButton } from '../deployments/release-hold';
import { useNow, useView } from '../live/use-view';
import { Card, EmptyState } from '../ui/card';
import { StatusBadge } from '../ui/status-badge';
import { formatDuration, RelativeTime } from '../ui/time';
import { DeploymentLinks, holdText, linkClass, LiveMark, ProtectionNote, shortCommit } from './deployment-bits';

const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const COMPARE_FORM = 'compare-deployments';

type Environment = EnvironmentHistoryView['environment'];

/** The top of every page about an environment: where it is, its protection, its hold, what is live and what deploys. */
export function EnvironmentHeader({ environment, now, title }: { environment: Environment; now: Date; title?: React.ReactNode }) {
  return (
    <div className="space-y-3">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          <Link href={paths.environments()} className="hover:underline">
            Environments
          </Link>{' '}
          / {environment.projectTitle}
          {title ? (
            <>
              {' '}
              /{' '}
              <Link href={paths.environment(environment.id)} className="hover:underline">
                {environment.name}
              </Link>
            </>
          ) : null}
        </p>
        <h1 className="flex flex-wrap items-center gap-3 text-2xl font-semibold">
          {title ?? environment.name}
          <ProtectionNote requiredRole={environment.requiredRole} />
        </h1>
      </div>
      {environment.hold ? (
        <div
          role="status"
          className="flex flex-wrap items-center gap-3 rounded-md bg-amber-50 px-4 py-2 text-sm text-amber-900 ring-1 ring-inset ring-amber-300 dark:bg-amber-950 dark:text-amber-100 dark:ring-amber-700"
        >
          <PauseCircle aria-hidden className="size-4 shrink-0" />
          <span className="min-w-0 flex-1 break-words">
            <span className="font-semibold">{holdText(environment.hold, true)}</span> · <RelativeTime date={environment.hold.at} now={now} />. New deploys
            here wait until someone releases it.
          </span>
          <ReleaseHoldButton environmentId={environment.id} environment={environment.name} />
        </div>
      ) : null}
      <p className="flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-zinc-600 dark:text-zinc-300">
        {environment.live ? (
          <span className="inline-flex items-center gap-2">
            <LiveMark />
            <Link href={paths.deployment(environment.live.id)} className={`font-mono font-semibold ${linkClass}`}>
              v{environment.live.version}
            </Link>
            {environment.live.gitCommit ? <span className="font-mono text-xs">{shortCommit(environment.live.gitCommit)}</span> : null}
            <span className="text-zinc-500 dark:text-zinc-400">
              deployed <RelativeTime date={environment.live.completedAt ?? environment.live.createdAt} now={now} />
            </span>
          </span>
        ) : (
          <span className="text-zinc-500 dark:text-zinc-400">Nothing live yet.</span>
        )}
        {environment.active ? (
          <span className="inline-flex items-center gap-1 font-medium text-sky-800 dark:text-sky-200">
            <Loader2 aria-hidden className="size-3.5 animate-spin" />
            <Link href={paths.deployment(environment.active.id)} className="hover:underline">
              v{environment.active.version} {environment.active.status === 'pending' ? 'waiting…' : 'deploying…'}
            </Link>
          </span>
        ) : null}
      </p>
    </div>
  );
}

/**
 * An environment's history: newest first, a keyset page at a time, filtered
 * from the URL; any two rows can be compared; follows live.
 */
export function EnvironmentHistoryPageView({
  initial,
  params,
  search,
}: {
  initial: ViewData<'environment'>;
  params: EnvironmentHistoryParams;
  search: { status?: string; trigger?: string; cursor?: string };
}) {
  const view = useView('environment', params, initial);
  const { environment } = view;
  const now = useNow(view.now, view.deployments.some((d) => isActiveDeployment(d.status)));
  const query = (extra: Record<string, string | undefined>) => paths.environment(environment.id, { ...search, cursor: undefined, ...extra });
  const rows = view.deployments;
  // The compare pickers start on the live deployment against the one listed after it.
  const liveIndex = rows.findIndex((d) => d.live);
  const defaultB = rows[liveIndex >= 0 ? liveIndex : 0]?.id;
  const defaultA = rows[(liveIndex >= 0 ? liveIndex : 0) + 1]?.id;
  const comparable = rows.length >= 2;

  return (
    <MayProvider may={view.may}>
      <div className="space-y-5">
        <EnvironmentHeader environment={environment} now={now} />

        <form className="flex flex-wrap items-end gap-3 text-sm" action={paths.environment(environment.id)} aria-label="Filter deployments">
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Status</span>
            <select name="status" defaultValue={search.status ?? ''} className={select}>
              <option value="">any</option>
              {DEPLOYMENT_STATUSES.map((s) => (
                <option key={s}>{s}</option>
              ))}
            </select>
          </label>
          <label className="flex flex-col gap-1">
            <span className="text-xs text-zinc-500 dark:text-zinc-400">Trigger</span>
            <select name="trigger" defaultValue={search.trigger ?? ''} className={select}>
              <option value="">any</option>
              {DEPLOYMENT_TRIGGERS.map((t) => (
                <option key={t}>{t}</option>
              ))}
            </select>
          </label>
          <button type="submit" className="rounded-md bg-zinc-900 px-3 py-1.5 text-white dark:bg-zinc-100 dark:text-zinc-900">
            Filter
          </button>
          {view.filtered ? (
            <Link href={paths.environment(environment.id)} className={`py-1.5 ${linkClass}`}>
              Clear filters
            </Link>
          ) : null}
          {comparable ? (
            <button
              type="submit"
              form={COMPARE_FORM}
              className="ml-auto inline-flex items-center gap-1 rounded-md px-3 py-1.5 font-medium text-sky-700 ring-1 ring-inset ring-sky-300 hover:bg-sky-50 dark:text-sky-300 dark:ring-sky-800 dark:hover:bg-sky-950"
            >
              <GitCompare aria-hidden className="size-4" /> Compare selected
            </button>
          ) : null}
        </form>
        {/* The pickers sit in the table's rows and name this form, so no form wraps the rows' own buttons. */}
        <form id={COMPARE_FORM} action={paths.environmentCompare(environment.id)} />

        {rows.length === 0 ? (
          <EmptyState title={view.filtered ? 'No deployments match these filters' : 'Nothing deployed here yet'}>
            {view.filtered ? 'Clear a filter to see more.' : 'Run a pipeline with a step for this environment to deploy to it.'}
          </EmptyState>
        ) : (
          <Card className="overflow-x-auto p-0">
            <table className="w-full text-sm" aria-label={`Deployments to ${environment.name}`}>
              <thead className="text-left text-xs uppercase tracking-wide text-zinc-500 dark:text-zinc-400">
                <tr className="border-b border-zinc-200 dark:border-zinc-800">
                  {comparable ? (
                    <th className="px-3 py-2" title="Compare: from (A) and to (B)">
                      A · B
                    </th>
                  ) : null}
                  <th className="px-3 py-2">Version</th>
                  <th className="px-3 py-2">Status</th>
                  <th className="px-3 py-2">Commit</th>
                  <th className="px-3 py-2">Trigger</th>
                  <th className="px-3 py-2">Who · when</th>
                  <th className="px-3 py-2">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
                {rows.map((d) => (
                  <tr key={d.id} className={`align-top ${d.live ? 'bg-emerald-50/60 dark:bg-emerald-950/30' : ''}`} data-version={d.version}>
                    {comparable ? (
                      <td className="px-3 py-2 whitespace-nowrap">
                        <input type="radio" form={COMPARE_FORM} name="a" value={d.id} defaultChecked={d.id === defaultA} aria-label={`Compare from v${d.version}`} className="mr-2" />
                        <input type="radio" form={COMPARE_FORM} name="b" value={d.id} defaultChecked={d.id === defaultB} aria-label={`Compare to v${d.version}`} />
                      </td>
                    ) : null}
                    <td className="px-3 py-2 whitespace-nowrap">
                      <div className="flex items-center gap-2">
                        <Link href={paths.deployment(d.id)} className={`font-mono font-semibold ${linkClass}`}>
                          v{d.version}
                        </Link>
                        {d.live ? <LiveMark /> : null}
                      </div>
                    </td>
                    <td className="px-3 py-2">
                      <StatusBadge status={d.status} />
                      {d.errorMessage && d.status === 'failed' ? (
                        <p className="mt-1 max-w-48 truncate text-xs text-red-700 dark:text-red-300" title={d.errorMessage}>
                          {d.errorMessage}
                        </p>
                      ) : null}
                    </td>
                    <td className="max-w-72 px-3 py-2">
                      <p className="font-mono text-xs" title={d.gitCommit ?? undefined}>
                        {d.gitBranch ? `${d.gitBranch} · ` : ''}
                        {shortCommit(d.gitCommit) ?? '—'}
                      </p>
                      {d.gitMessage ? (
                        <p className="truncate text-xs text-zinc-600 dark:text-zinc-300" title={d.gitMessage}>
                          {d.gitMessage}
                        </p>
                      ) : null}
                      {d.reason ? <p className="mt-1 break-words text-xs italic text-zinc-600 dark:text-zinc-300">“{d.reason}”</p> : null}
                    </td>
                    <td className="px-3 py-2">
                      <div className="flex flex-wrap items-center gap-1">
                        <span>{d.trigger}</span>
                        <DeploymentLinks retryOf={d.retryOf} redeployOf={d.redeployOf} rollbackFrom={d.rollbackFrom} rollbackTo={d.rollbackTo} />
                      </div>
                    </td>
                    <td className="px-3 py-2 text-xs text-zinc-600 dark:text-zinc-300">
                      <p>{d.actorName ?? 'unknown'}</p>
                      <p>
                        <RelativeTime date={d.createdAt} now={now} />
                        {d.startedAt ? ` · ${formatDuration(d.startedAt, d.completedAt, now)}` : ''}
                      </p>
                    </td>
                    <td className="px-3 py-2">
                      <div className="flex flex-col items-end gap-1 text-xs">
                        <DeploymentActions deploymentId={d.id} status={d.status} live={d.live} />
                        {!d.live && environment.live ? (
                          <Link href={paths.environmentCompare(environment.id, d.id, environment.live.id)} className={`whitespace-nowrap ${linkClass}`}>
                            compare with live
                          </Link>
                        ) : null}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Card>
        )}
        <div className="flex gap-4 text-sm">
          {search.cursor ? (
            <Link href={query({})} className={linkClass}>
              ← Newest deployments
            </Link>
          ) : null}
          {view.nextCursor ? (
            <Link href={query({ cursor: view.nextCursor })} className={linkClass}>
              Older deployments →
            </Link>
          ) : null}
        </div>
      </div>
    </MayProvider>
  );
}
