import { StepPageView } from '@/components/attempts/step-view';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';
import { loadStepView } from '@/lib/views/step';

export const dynamic = 'force-dynamic';

export default async function StepPage({ params }: { params: Promise<{ runId: string; key: string }> }) {
  const { runId, key: rawKey } = await params;
  const viewParams = { runId, key: decodeURIComponent(rawKey) };
  const initial = await orNotFound(loadStepView(await getDb(), viewParams));
  return <StepPageView initial={initial} params={viewParams} />;
}
