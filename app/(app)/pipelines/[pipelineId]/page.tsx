import { PipelineRunsPageView } from '@/components/runs/pipeline-runs-view';
import { viewKey } from '@/lib/query-keys';
import { cursor as cursorField, timestamp } from '@/lib/operations/fields';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';

const text = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : undefined);
/** An edited URL's cursor or `until` that the API would refuse shows the first page instead of an error. */
const valid = (schema: typeof timestamp | typeof cursorField, value: string | undefined) => (schema.safeParse(value).success ? value : undefined);

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
    cursor: valid(cursorField, text(raw.cursor)),
  };
  const initial = await readView('pipeline-runs', { pipelineId, ...search, until: valid(timestamp, text(raw.until)) });
  // Refetches stay pinned to the time of this first render: new runs are announced, not inserted.
  const [, viewParams] = viewKey('pipeline-runs', { pipelineId, ...search, until: initial.until });
  return <PipelineRunsPageView initial={initial} params={viewParams} search={search} />;
}
