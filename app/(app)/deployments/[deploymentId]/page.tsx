import { DeploymentPageView } from '@/components/environments/deployment-view';
import { readView } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Deployment' };

/** One deployment; see DeploymentPageView. */
export default async function DeploymentPage({ params }: { params: Promise<{ deploymentId: string }> }) {
  const { deploymentId } = await params;
  return <DeploymentPageView initial={await readView('deployment', { deploymentId })} deploymentId={deploymentId} />;
}
