import { EnvironmentsPageView } from '@/components/environments/environments-matrix';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Environments' };

/** Every environment the reader may see; see EnvironmentsPageView. */
export default async function EnvironmentsPage() {
  return <EnvironmentsPageView initial={await readView('environments', {})} />;
}
