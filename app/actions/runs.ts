'use server';

import { operations } from '@/lib/operations';
import { action } from '@/lib/operations/action';

/** The dashboard's doors onto the run operations: each made from its declaration (lib/operations/runs.ts). */

export const triggerRunAction = action(operations.triggerRunOp);
export const retryRunAction = action(operations.retryRunOp);
export const cancelRunAction = action(operations.cancelRunOp);
export const retryItemAction = action(operations.retryItemOp);
export const replayItemAction = action(operations.replayItemOp);
export const bulkRetryAction = action(operations.bulkRetryOp);
export const retryPlanAction = action(operations.retryPlanOp);
