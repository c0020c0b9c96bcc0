import { z } from 'zod';
import type { Actor } from '../actor';
import { can, readableProjects } from '../auth/permissions';
import { loadOverview } from '../views/overview';
import { loadPipelineRuns } from '../views/pipeline-runs';
import { loadPipelines } from '../views/pipelines';
import { loadRunView } from '../views/run';
import { loadStepView } from '../views/step';
import { defineOperation } from './define';
import { cursor, id, text, timestamp } from './fields';
import { projectOfPipeline, projectOfRun } from './resources';

/**
 * The dashboard's reads: what its pages render first (lib/server/page-reads.ts)
 * and `GET /api/views/<name>` serves when an event says a page is stale.
 * Internal to the dashboard (its parameters are camelCase, as its pages'
 * URLs); integrations use /api/v1.
 */

const filterText = text(200).optional();

/**
 * What the page may offer this reader: buttons a viewer could not use are not
 * shown (the server refuses them anyway). Deployments to a protected
 * environment are refused with the role they need.
 */
const mayIn = (actor: Actor, projectId: string | undefined) => ({
  operate: can(actor, 'run.retry', { projectId }),
});

export const overviewViewOp = defineOperation({
  id: 'views.overview',
  tag: 'dashboard',
  internal: true,
  summary: 'The overview page',
  method: 'GET',
  path: '/api/views/overview',
  permission: 'signed_in',
  run: ({ db, actor }) => loadOverview(db, readableProjects(actor)),
});

export const pipelinesViewOp = defineOperation({
  id: 'views.pipelines',
  tag: 'dashboard',
  internal: true,
  summary: 'The pipelines page',
  method: 'GET',
  path: '/api/views/pipelines',
  permission: 'signed_in',
  run: ({ db, actor }) => loadPipelines(db, readableProjects(actor)),
});

export const pipelineRunsViewOp = defineOperation({
  id: 'views.pipeline_runs',
  tag: 'dashboard',
  internal: true,
  summary: "A pipeline's run history page",
  method: 'GET',
  path: '/api/views/pipeline-runs',
  query: z.object({
    pipelineId: id,
    status: filterText,
    branch: filterText,
    trigger: filterText,
    actor: filterText,
    period: filterText,
    cursor: cursor.optional(),
    until: timestamp.optional(),
  }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfPipeline(db, { pipeline_id: query.pipelineId }),
  what: 'Pipeline',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadPipelineRuns(db, query)), may: mayIn(actor, projectId) }),
});

export const runViewOp = defineOperation({
  id: 'views.run',
  tag: 'dashboard',
  internal: true,
  summary: 'The run page',
  method: 'GET',
  path: '/api/views/run',
  query: z.object({ runId: id, attempt: text(20).optional(), step: text(200).optional() }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfRun(db, { run_id: query.runId }),
  what: 'Run',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadRunView(db, query)), may: mayIn(actor, projectId) }),
});

export const stepViewOp = defineOperation({
  id: 'views.step',
  tag: 'dashboard',
  internal: true,
  summary: 'The step page',
  method: 'GET',
  path: '/api/views/step',
  query: z.object({ runId: id, key: text(200) }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfRun(db, { run_id: query.runId }),
  what: 'Run',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadStepView(db, query)), may: mayIn(actor, projectId) }),
});
