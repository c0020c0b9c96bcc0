import { RunPageView } from '@/components/runs/run-view';
import { readView } from '@/lib/server/page-reads';
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
  const initial = await readView('run', viewParams);
  return <RunPageView initial={initial} params={viewParams} openRetry={retry === '1'} />;
}
