import { OverviewPageView } from '@/components/overview/overview-view';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Overview' };

export default async function OverviewPage() {
  return <OverviewPageView initial={await readView('overview', {})} />;
}
