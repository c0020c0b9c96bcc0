import Link from 'next/link';
import { paths } from '@/lib/paths';
import { TriggerRunButton } from '../runs/run-actions';
import { PipelineTabs, type PipelineTab } from './pipeline-tabs';

/**
 * The top of every tab of a pipeline's page: where it is, what it is called,
 * its file and current version, the way to start a run, and the tabs. One
 * component so the tabs never disagree on any of it.
 */
export function PipelineHeader({
  pipeline,
  version,
  tab,
}: {
  pipeline: { id: string; title: string; project: string; sourceFile: string | null };
  /** The current version: its number and content hash; null when the file has not loaded yet. */
  version: { number: number; hash: string } | null;
  tab: PipelineTab;
}) {
  return (
    <>
      <div className="flex items-start justify-between gap-4">
        <div className="min-w-0">
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <Link href={paths.pipelines()} className="hover:underline">
              Pipelines
            </Link>{' '}
            / {pipeline.project}
          </p>
          <h1 className="text-2xl font-semibold break-words">{pipeline.title}</h1>
          <p className="text-sm break-all text-zinc-500 dark:text-zinc-400">
            {pipeline.sourceFile ?? 'defined without a file'}
            {version ? (
              <>
                {' '}
                · version {version.number} <span className="font-mono">{version.hash.slice(0, 8)}</span>
              </>
            ) : null}
          </p>
        </div>
        <TriggerRunButton pipelineId={pipeline.id} />
      </div>
      <PipelineTabs pipelineId={pipeline.id} active={tab} />
    </>
  );
}
