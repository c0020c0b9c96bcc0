import { PipelineDefinitionPageView } from '@/components/pipelines/pipeline-definition-view';
import { PipelineDurations } from '@/components/pipelines/pipeline-durations';
import { PipelineRunsPageView } from '@/components/runs/pipeline-runs-view';
import { viewKey } from '@/lib/query-keys';
import { cursor as cursorField, timestamp } from '@/lib/operations/fields';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';

const text = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : undefined);
/** An edited URL's cursor or `until` that the API would refuse shows the first page instead of an error. */
const valid = (schema: typeof timestamp | typeof cursorField, value: string | undefined) =>
  schema.safeParse(value).success ? value : undefined;
/** A version number as the URL has it; anything else compares the defaults. */
const versionNumber = (value: string | undefined) => (value && /^\d{1,9}$/.test(value) ? value : undefined);

/**
 * A pipeline's page, in three tabs (`?tab=` in the URL): its run history with
 * a chart of recent durations (PipelineRunsPageView), its definition before
 * any run, and its versions with two of them compared (`&from=&to=`).
 */
export default async function PipelinePage({
  params,
  searchParams,
}: {
  params: Promise<{ pipelineId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { pipelineId } = await params;
  const raw = await searchParams;
  const tab = text(raw.tab);
  if (tab === 'definition' || tab === 'versions') {
    const definitionParams = { pipelineId, from: versionNumber(text(raw.from)), to: versionNumber(text(raw.to)) };
    const initial = await readView('pipeline-definition', definitionParams);
    const [, viewParams] = viewKey('pipeline-definition', definitionParams);
    return <PipelineDefinitionPageView initial={initial} params={viewParams} tab={tab} />;
  }
  const search = {
    status: text(raw.status),
    branch: text(raw.branch),
    trigger: text(raw.trigger),
    actor: text(raw.actor),
    period: text(raw.period),
    cursor: valid(cursorField, text(raw.cursor)),
  };
  const [initial, durations] = await Promise.all([
    readView('pipeline-runs', { pipelineId, ...search, until: valid(timestamp, text(raw.until)) }),
    readView('pipeline-durations', { pipelineId }),
  ]);
  // Refetches stay pinned to the time of this first render: new runs are announced, not inserted.
  const [, viewParams] = viewKey('pipeline-runs', { pipelineId, ...search, until: initial.until });
  return (
    <PipelineRunsPageView
      initial={initial}
      params={viewParams}
      search={search}
      chart={<PipelineDurations pipelineId={initial.pipeline.id} initial={durations} />}
    />
  );
}
