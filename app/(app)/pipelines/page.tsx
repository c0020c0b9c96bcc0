import { PipelinesPageView } from '@/components/pipelines/pipelines-view';
import { getDb } from '@/lib/server/runtime';
import { loadPipelines } from '@/lib/views/pipelines';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Pipelines' };

export default async function PipelinesPage() {
  return <PipelinesPageView initial={await loadPipelines(await getDb())} />;
}
