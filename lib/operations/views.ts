import { z } from 'zod';
import { readableProjects } from '../auth/permissions';
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
  run: ({ db }, query) => loadPipelineRuns(db, query),
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
  run: ({ db }, query) => loadRunView(db, query),
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
  run: ({ db }, query) => loadStepView(db, query),
});
