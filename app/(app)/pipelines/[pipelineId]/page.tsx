import { PipelineRunsPageView } from '@/components/runs/pipeline-runs-view';
import { viewKey } from '@/lib/query-keys';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';
import { loadPipelineRuns } from '@/lib/views/pipeline-runs';

export const dynamic = 'force-dynamic';

const text = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : undefined);

/** A pipeline's run history; see PipelineRunsPageView. */
export default async function PipelinePage({
  params,
  searchParams,
}: {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { pipelineId } = await params;
  const raw = await searchParams;
  const search = {
    status: text(raw.status),
    branch: text(raw.branch),
    trigger: text(raw.trigger),
    actor: text(raw.actor),
    period: text(raw.period),
    cursor: text(raw.cursor),
  };
  const initial = await orNotFound(loadPipelineRuns(await getDb(), { pipelineId, ...search, until: text(raw.until) }));
  // Refetches stay pinned to the time of this first render: new runs are announced, not inserted.
  const [, viewParams] = viewKey('pipeline-runs', { pipelineId, ...search, until: initial.until });
  return <PipelineRunsPageView initial={initial} params={viewParams} search={search} />;
}
