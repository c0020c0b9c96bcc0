import Link from 'next/link';
import { ArrowRight } from 'lucide-react';
import { JsonDiff } from '@/components/attempts/json-diff';
import { linkClass, LiveMark, shortCommit } from '@/components/environments/deployment-bits';
import { Card } from '@/components/ui/card';
import { StatusBadge } from '@/components/ui/status-badge';
import { absolute } from '@/components/ui/time';
import { paths } from '@/lib/paths';
import { readView } from '@/lib/server/page-reads';
import type { EnvironmentCompareView } from '@/lib/views/environment';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Compare deployments' };

const one = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : undefined);
const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900';

type Side = NonNullable<EnvironmentCompareView['a']>;

/** Two deployments of one environment: commit from → to, the deploy step's inputs and outputs as diffs (secrets masked). */
export default async function CompareDeploymentsPage({
  params,
  searchParams,
}: {
  params: Promise<{ environmentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { environmentId } = await params;
  const query = await searchParams;
  const view = await readView('environment-compare', { environmentId, a: one(query.a), b: one(query.b) });
  const { environment, a, b, recent } = view;
  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          <Link href={paths.environments()} className="hover:underline">
            Environments
          </Link>{' '}
          / {environment.projectTitle} /{' '}
          <Link href={paths.environment(environment.id)} className="hover:underline">
            {environment.name}
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Compare deployments to {environment.name}</h1>
      </div>
      {!a || !b ? (
        <Card>
          <p className="text-sm">
            {environment.name} has {recent.length} deployment{recent.length === 1 ? '' : 's'}: nothing to compare yet.
          </p>
        </Card>
      ) : (
        <>
          <form className="flex flex-wrap items-center gap-2 text-sm" action={paths.environmentCompare(environment.id)}>
            <label htmlFor="a">Deployment</label>
            <select id="a" name="a" defaultValue={a.deployment.id} className={select}>
              {recent.map((d) => (
                <option key={d.id} value={d.id}>
                  v{d.version} ({d.status})
                </option>
              ))}
            </select>
            <label htmlFor="b">with</label>
            <select id="b" name="b" defaultValue={b.deployment.id} className={select}>
              {recent.map((d) => (
                <option key={d.id} value={d.id}>
                  v{d.version} ({d.status})
                </option>
              ))}
            </select>
            <button type="submit" className="rounded-md bg-zinc-900 px-3 py-1 text-white dark:bg-zinc-100 dark:text-zinc-900">
              Compare
            </button>
          </form>
          <div className="grid grid-cols-1 items-stretch gap-2 md:grid-cols-[1fr_auto_1fr]">
            <SideCard side={a} />
            <ArrowRight aria-label="to" className="size-5 self-center justify-self-center text-zinc-400" />
            <SideCard side={b} />
          </div>
          <Card>
            <h2 className="text-sm font-semibold">Commit</h2>
            <p className="mt-1 font-mono text-sm" data-testid="commit-change">
              {a.deployment.gitCommit === b.deployment.gitCommit ? (
                <>same commit {shortCommit(b.deployment.gitCommit) ?? '—'}</>
              ) : (
                <>
                  {shortCommit(a.deployment.gitCommit) ?? '—'} → {shortCommit(b.deployment.gitCommit) ?? '—'}
                </>
              )}
            </p>
          </Card>
          <JsonDiff label="Inputs" before={a.attempt?.inputs ?? null} after={b.attempt?.inputs ?? null} />
          <JsonDiff label="Outputs" before={a.attempt?.outputs ?? null} after={b.attempt?.outputs ?? null} />
        </>
      )}
    </div>
  );
}

function SideCard({ side }: { side: Side }) {
  const d = side.deployment;
  return (
    <Card className="space-y-1 py-2">
      <div className="flex flex-wrap items-center gap-2">
        <Link href={paths.deployment(d.id)} className={`font-mono font-semibold ${linkClass}`}>
          v{d.version}
        </Link>
        <StatusBadge status={d.status} />
        {d.live ? <LiveMark /> : null}
      </div>
      <p className="font-mono text-xs" title={d.gitCommit ?? undefined}>
        {d.gitBranch ? `${d.gitBranch} · ` : ''}
        {shortCommit(d.gitCommit) ?? '—'}
      </p>
      {d.gitMessage ? <p className="break-words text-sm">{d.gitMessage}</p> : null}
      <p className="text-xs text-zinc-500 dark:text-zinc-400">
        {d.trigger} by {d.actorName ?? 'unknown'} · {absolute(d.createdAt)}
        {d.reason ? ` · “${d.reason}”` : ''}
      </p>
    </Card>
  );
}
