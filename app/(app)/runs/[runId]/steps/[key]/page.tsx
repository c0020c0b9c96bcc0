import { StepPageView } from '@/components/attempts/step-view';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';

export default async function StepPage({ params }: { params: Promise<{ runId: string; key: string }> }) {
  const { runId, key: rawKey } = await params;
  const viewParams = { runId, key: decodeURIComponent(rawKey) };
  const initial = await readView('step', viewParams);
  return <StepPageView initial={initial} params={viewParams} />;
}
