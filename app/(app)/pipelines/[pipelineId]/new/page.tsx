import Link from 'next/link';
import { NewRunForm } from '@/components/runs/new-run-form';
import { paths } from '@/lib/paths';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'New run' };

/** Starts a run: parameters from the pipeline's schema, source, and where it will deploy (see NewRunForm). */
export default async function NewRunPage({ params }: { params: Promise<{ pipelineId: string }> }) {
  const { pipelineId } = await params;
  const initial = await readView('new-run', { pipelineId });
  return (
    <div className="space-y-5">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          <Link href={paths.pipelines()} className="hover:underline">
            Pipelines
          </Link>{' '}
          /{' '}
          <Link href={paths.pipeline(pipelineId)} className="hover:underline">
            {initial.pipeline.title}
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">New run of {initial.pipeline.title}</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          {initial.pipeline.project} · version <span className="font-mono">{initial.pipeline.versionHash?.slice(0, 8)}</span>
        </p>
      </div>
      <NewRunForm initial={initial} params={{ pipelineId }} />
    </div>
  );
}
