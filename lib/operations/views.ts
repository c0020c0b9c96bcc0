import { z } from 'zod';
import type { Actor } from '../actor';
import { can, readableProjects } from '../auth/permissions';
import { loadDeploymentView, loadEnvironmentCompare, loadEnvironmentHistory } from '../views/environment';
import { loadEnvironmentsMatrix } from '../views/environments';
import { loadOverview } from '../views/overview';
import { loadPipelineDefinition, loadPipelineDurations } from '../views/pipeline';
import { loadNewRun } from '../views/new-run';
import { loadPipelineRuns } from '../views/pipeline-runs';
import { loadPipelines } from '../views/pipelines';
import { loadRunView } from '../views/run';
import { loadAllRuns } from '../views/runs';
import { loadStepView } from '../views/step';
import { defineOperation } from './define';
import { searchRuns } from '../runs/search';
import { cursor, id, text, timestamp } from './fields';
import { projectOfDeployment, projectOfEnvironment, projectOfPipeline, projectOfRun } from './resources';

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

export const pipelineDefinitionViewOp = defineOperation({
  id: 'views.pipeline_definition',
  tag: 'dashboard',
  internal: true,
  summary: "A pipeline's definition and versions page",
  method: 'GET',
  path: '/api/views/pipeline-definition',
  query: z.object({ pipelineId: id, from: text(20).optional(), to: text(20).optional() }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfPipeline(db, { pipeline_id: query.pipelineId }),
  what: 'Pipeline',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadPipelineDefinition(db, query)), may: mayIn(actor, projectId) }),
});

export const pipelineDurationsViewOp = defineOperation({
  id: 'views.pipeline_durations',
  tag: 'dashboard',
  internal: true,
  summary: "The duration chart of a pipeline's last runs",
  method: 'GET',
  path: '/api/views/pipeline-durations',
  query: z.object({ pipelineId: id }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfPipeline(db, { pipeline_id: query.pipelineId }),
  what: 'Pipeline',
  run: ({ db }, query) => loadPipelineDurations(db, query),
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

export const environmentsViewOp = defineOperation({
  id: 'views.environments',
  tag: 'dashboard',
  internal: true,
  summary: 'The environments matrix',
  method: 'GET',
  path: '/api/views/environments',
  permission: 'signed_in',
  run: ({ db, actor }) => loadEnvironmentsMatrix(db, readableProjects(actor)),
});

export const environmentViewOp = defineOperation({
  id: 'views.environment',
  tag: 'dashboard',
  internal: true,
  summary: "An environment's deployment history",
  method: 'GET',
  path: '/api/views/environment',
  query: z.object({ environmentId: id, status: filterText, trigger: filterText, cursor: cursor.optional() }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfEnvironment(db, { environment_id: query.environmentId }),
  what: 'Environment',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadEnvironmentHistory(db, query)), may: mayIn(actor, projectId) }),
});

export const environmentCompareViewOp = defineOperation({
  id: 'views.environment_compare',
  tag: 'dashboard',
  internal: true,
  summary: 'Two deployments of an environment compared',
  method: 'GET',
  path: '/api/views/environment-compare',
  query: z.object({ environmentId: id, a: id.optional(), b: id.optional() }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfEnvironment(db, { environment_id: query.environmentId }),
  what: 'Environment',
  run: ({ db }, query) => loadEnvironmentCompare(db, query),
});

export const deploymentViewOp = defineOperation({
  id: 'views.deployment',
  tag: 'dashboard',
  internal: true,
  summary: 'The deployment page',
  method: 'GET',
  path: '/api/views/deployment',
  query: z.object({ deploymentId: id }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfDeployment(db, { deployment_id: query.deploymentId }),
  what: 'Deployment',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadDeploymentView(db, query)), may: mayIn(actor, projectId) }),
});

export const allRunsViewOp = defineOperation({
  id: 'views.runs',
  tag: 'dashboard',
  internal: true,
  summary: 'Every run the reader may see, filtered',
  method: 'GET',
  path: '/api/views/runs',
  query: z.object({
    pipeline: filterText,
    status: filterText,
    environment: filterText,
    branch: filterText,
    trigger: filterText,
    actor: filterText,
    period: filterText,
    q: filterText,
    cursor: cursor.optional(),
    until: timestamp.optional(),
  }),
  permission: 'signed_in',
  // Selection and bulk retry are offered where the reader may retry; retryRun checks each run again.
  run: async ({ db, actor }, query) => {
    const scope = readableProjects(actor);
    const view = await loadAllRuns(db, scope, query);
    return { ...view, may: { operate: scope.all || scope.projectIds.some((projectId) => can(actor, 'run.retry', { projectId })) } };
  },
});

export const newRunViewOp = defineOperation({
  id: 'views.new_run',
  tag: 'dashboard',
  internal: true,
  summary: 'The new-run form of a pipeline',
  method: 'GET',
  path: '/api/views/new-run',
  query: z.object({ pipelineId: id }),
  permission: 'project.read',
  project: (db, _params, query) => projectOfPipeline(db, { pipeline_id: query.pipelineId }),
  what: 'Pipeline',
  run: async ({ db, actor, projectId }, query) => ({ ...(await loadNewRun(db, actor, query.pipelineId)), may: mayIn(actor, projectId) }),
});

export const runSearchViewOp = defineOperation({
  id: 'views.run_search',
  tag: 'dashboard',
  internal: true,
  summary: "The header's run search: runs by number, id (prefix) or commit prefix",
  method: 'GET',
  path: '/api/views/run-search',
  query: z.object({ q: text(200) }),
  permission: 'signed_in',
  run: async ({ db, actor }, { q }) => {
    const found = await searchRuns(db, readableProjects(actor), q);
    return {
      understood: !!found.query,
      items: found.items.slice(0, 10).map((r) => ({ id: r.id, number: r.number, pipelineTitle: r.pipelineTitle, status: r.status, matched: r.matched })),
      more: found.items.length > 10,
    };
  },
});
