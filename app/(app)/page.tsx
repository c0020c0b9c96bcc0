import { OverviewPageView } from '@/components/overview/overview-view';
import { getDb } from '@/lib/server/runtime';
import { loadOverview } from '@/lib/views/overview';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Overview' };

export default async function OverviewPage() {
  return <OverviewPageView initial={await loadOverview(await getDb())} />;
}
