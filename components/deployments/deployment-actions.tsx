'use client';

/**
 * Retry / Redeploy / Rollback of one deployment, each behind a dialog that
 * shows its plan (what will be deployed where) before anything changes.
 * Placeholder while the domain lands; replaced in this session.
 */
export function DeploymentActions(_props: { deploymentId: string; status: string; live: boolean }) {
  return null;
}
