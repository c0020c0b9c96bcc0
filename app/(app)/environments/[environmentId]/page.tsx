import { EnvironmentHistoryPageView } from '@/components/environments/environment-history';
import { cursor as cursorField } from '@/lib/operations/fields';
import { viewKey } from '@/lib/query-keys';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Environment history' };

const text = (value: string | string[] | undefined) => (typeof value === 'string' && value ? value : undefined);

/** An environment's deployments, newest first; see EnvironmentHistoryPageView. */
export default async function EnvironmentPage({
  params,
  searchParams,
}: {
  params: Promise<{ environmentId: string }>;
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const { environmentId } = await params;
  const raw = await searchParams;
  const cursor = text(raw.cursor);
  // An edited URL's cursor that the door would refuse shows the first page instead of an error.
  const search = { status: text(raw.status), trigger: text(raw.trigger), cursor: cursorField.safeParse(cursor).success ? cursor : undefined };
  const initial = await readView('environment', { environmentId, ...search });
  const [, viewParams] = viewKey('environment', { environmentId, ...search });
  return <EnvironmentHistoryPageView initial={initial} params={viewParams} search={search} />;
}
