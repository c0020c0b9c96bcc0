import { AllRunsPageView } from '@/components/runs/all-runs-view';
import { viewKey } from '@/lib/query-keys';
import { cursor as cursorField, timestamp } from '@/lib/operations/fields';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Runs' };

const text = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value.slice(0, 200) : undefined);
/** An edited URL's cursor or `until` that the API would refuse shows the first page instead of an error. */
const valid = (schema: typeof timestamp | typeof cursorField, value: string | undefined) => (schema.safeParse(value).success ? value : undefined);

/** Every run the reader may see, filtered as the URL says; see AllRunsPageView. */
export default async function RunsPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const search = {
    pipeline: text(raw.pipeline),
    status: text(raw.status),
    environment: text(raw.environment),
    branch: text(raw.branch),
    trigger: text(raw.trigger),
    actor: text(raw.actor),
    period: text(raw.period),
    q: text(raw.q),
    cursor: valid(cursorField, text(raw.cursor)),
  };
  const initial = await readView('runs', { ...search, until: valid(timestamp, text(raw.until)) });
  // Refetches stay pinned to the time of this first render: new runs are announced, not inserted.
  const [, viewParams] = viewKey('runs', { ...search, until: initial.until });
  return <AllRunsPageView initial={initial} params={viewParams} search={search} />;
}
