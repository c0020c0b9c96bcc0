import { PipelinesPageView } from '@/components/pipelines/pipelines-view';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Pipelines' };

export default async function PipelinesPage() {
  return <PipelinesPageView initial={await readView('pipelines', {})} />;
}
