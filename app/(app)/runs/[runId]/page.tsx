import { RunPageView } from '@/components/runs/run-view';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';
import { loadRunView } from '@/lib/views/run';
import { viewKey } from '@/lib/query-keys';

export const dynamic = 'force-dynamic';

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ runId: string }>;
  searchParams: Promise<{ retry?: string; attempt?: string; step?: string }>;
}) {
  const { runId } = await params;
  const { retry, attempt, step } = await searchParams;
  const [, viewParams] = viewKey('run', { runId, attempt, step });
  const initial = await orNotFound(loadRunView(await getDb(), viewParams));
  return <RunPageView initial={initial} params={viewParams} openRetry={retry === '1'} />;
}
