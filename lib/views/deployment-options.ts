/**
 * What a deployment history can be filtered by. Kept free of server imports:
 * the history's filter form is in the browser's bundle, and the reads check
 * the same lists.
 */
export const DEPLOYMENT_STATUSES = ['pending', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type DeploymentStatusName = (typeof DEPLOYMENT_STATUSES)[number];

/** A deployment's trigger is its run's, or `retry` when a deploy attempt was retried. */
export const DEPLOYMENT_TRIGGERS = ['manual', 'api', 'retry', 'redeploy', 'rollback', 'schedule'] as const;

/** An environment's deployment in progress: the one its lock lets through. */
export const isActiveDeployment = (status: string) => status === 'pending' || status === 'running';
