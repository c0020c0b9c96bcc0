import Link from 'next/link';
import { TriggerRunButton } from '@/components/runs/run-actions';
import { EmptyState } from '@/components/ui/card';
import { StatusBadge } from '@/components/ui/status-badge';
import { formatDuration, RelativeTime } from '@/components/ui/time';
import { paths } from '@/lib/paths';
import { getPipeline, listRuns } from '@/lib/runs/queries';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

export default async function PipelinePage({
  params,
  searchParams,
}: {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<{ cursor?: string }>;
}) {
  const { pipelineId } = await params;
  const { cursor } = await searchParams;
  const db = await getDb();
  const pipeline = await orNotFound(getPipeline(db, pipelineId));
  const page = await orNotFound(listRuns(db, { pipelineId, cursor, limit: 25 }).catch(() => listRuns(db, { pipelineId, limit: 25 })));
  const now = new Date();
  return (
    <div className="space-y-6">
      <div className="flex items-start justify-between gap-4">
        <div>
          <p className="text-sm text-zinc-500">
            <Link href={paths.pipelines()} className="hover:underline">
              Pipelines
            </Link>{' '}
            / {pipeline.project}
          </p>
          <h1 className="text-2xl font-semibold">{pipeline.title}</h1>
          <p className="text-sm text-zinc-500">
            {pipeline.sourceFile} · version <span className="font-mono">{pipeline.versionHash?.slice(0, 8)}</span>
          </p>
        </div>
        <TriggerRunButton pipelineId={pipeline.id} />
      </div>
      {page.items.length === 0 ? (
        <EmptyState title="No runs yet">Click “Run pipeline” to start the first one.</EmptyState>
      ) : (
        <div className="overflow-hidden rounded-lg border border-zinc-200 bg-white shadow-sm dark:border-zinc-800 dark:bg-zinc-900/60">
          <table className="w-full text-sm">
            <thead className="bg-zinc-50 text-left text-xs uppercase tracking-wide text-zinc-500 dark:bg-zinc-900">
              <tr>
                <th className="px-4 py-2">Run</th>
                <th className="px-4 py-2">Status</th>
                <th className="px-4 py-2">Trigger</th>
                <th className="px-4 py-2">By</th>
                <th className="px-4 py-2">Commit</th>
                <th className="px-4 py-2">Started</th>
                <th className="px-4 py-2">Duration</th>
              </tr>
            </thead>
            <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {page.items.map((run) => (
                <tr key={run.id} className="hover:bg-zinc-50 dark:hover:bg-zinc-800/50">
                  <td className="px-4 py-2 font-medium">
                    <Link href={paths.run(run.id)} className="text-sky-700 hover:underline dark:text-sky-400">
                      #{run.number}
                    </Link>
                  </td>
                  <td className="px-4 py-2">
                    <StatusBadge status={run.status} suffix={run.attempt > 1 ? `attempt ${run.attempt}` : undefined} />
                  </td>
                  <td className="px-4 py-2">{run.trigger}</td>
                  <td className="px-4 py-2">{run.actorName ?? '—'}</td>
                  <td className="px-4 py-2 font-mono text-xs">
                    {run.gitBranch ? `${run.gitBranch} · ` : ''}
                    {run.gitCommit?.slice(0, 7) ?? '—'}
                  </td>
                  <td className="px-4 py-2">
                    <RelativeTime date={run.startedAt ?? run.createdAt} now={now} />
                  </td>
                  <td className="px-4 py-2">{formatDuration(run.startedAt, run.finishedAt, now)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.nextCursor ? (
        <Link href={`${paths.pipeline(pipeline.id)}?cursor=${page.nextCursor}`} className="text-sm text-sky-700 hover:underline dark:text-sky-400">
          Older runs →
        </Link>
      ) : null}
    </div>
  );
}
