import type { AnyOperation } from './define';
import * as access from './access';
import * as deployments from './deployments';
import * as events from './events';
import * as runs from './runs';
import * as views from './views';
import { openApiOp } from './meta';

/**
 * Every operation Reprise has, by name: each route file and server action is
 * made from one of these (lib/operations/operations.test.ts fails when a door
 * is not), and the OpenAPI document lists them.
 */
export const operations = {
  ...runs,
  ...access,
  ...deployments,
  ...events,
  ...views,
  openApiOp,
} as const;

const isOperation = (value: unknown): value is AnyOperation =>
  !!value && typeof value === 'object' && 'permission' in value && 'run' in value && 'path' in value;

export const allOperations: readonly AnyOperation[] = Object.values(operations).filter(isOperation);
