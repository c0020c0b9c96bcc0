import type { z } from 'zod';
import {
  deploymentViewOp,
  environmentCompareViewOp,
  environmentsViewOp,
  environmentViewOp,
  overviewViewOp,
  pipelineDefinitionViewOp,
  pipelineDurationsViewOp,
  allRunsViewOp,
  newRunViewOp,
  runSearchViewOp,
  pipelineRunsViewOp,
  pipelinesViewOp,
  runViewOp,
  stepViewOp,
} from '../operations/views';

/**
 * Every view the dashboard holds in its query cache, by name: the operation
 * its page's first render performs and `GET /api/views/<name>` serves.
 */
export const VIEWS = {
  overview: overviewViewOp,
  pipelines: pipelinesViewOp,
  'pipeline-runs': pipelineRunsViewOp,
  'pipeline-definition': pipelineDefinitionViewOp,
  'pipeline-durations': pipelineDurationsViewOp,
  run: runViewOp,
  step: stepViewOp,
  environments: environmentsViewOp,
  environment: environmentViewOp,
  'environment-compare': environmentCompareViewOp,
  deployment: deploymentViewOp,
  runs: allRunsViewOp,
  'new-run': newRunViewOp,
  'run-search': runSearchViewOp,
} as const;

type Views = typeof VIEWS;
export type ViewName = keyof Views;
export type ViewParams<N extends ViewName> = Views[N] extends { query?: infer Q } ? (Q extends z.ZodType ? z.input<Q> : Record<string, never>) : Record<string, never>;
export type ViewData<N extends ViewName> = Awaited<ReturnType<Views[N]['run']>>;

export const isViewName = (name: string): name is ViewName => Object.hasOwn(VIEWS, name);
