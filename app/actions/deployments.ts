'use server';

import { operations } from '@/lib/operations';
import { action } from '@/lib/operations/action';

/** The dashboard's doors onto the deployment operations: each made from its declaration (lib/operations/deployments.ts). */

export const retryDeploymentAction = action(operations.retryDeploymentOp);
export const redeployAction = action(operations.redeployOp);
export const rollbackAction = action(operations.rollbackOp);
export const retryDeploymentPlanAction = action(operations.retryPlanDeploymentOp);
export const redeployPlanAction = action(operations.redeployPlanOp);
export const rollbackPlanAction = action(operations.rollbackPlanOp);
export const holdEnvironmentAction = action(operations.holdEnvironmentOp);
export const releaseEnvironmentAction = action(operations.releaseEnvironmentOp);
export const approveDeployAction = action(operations.approveDeployOp);
