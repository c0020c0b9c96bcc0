import { z } from 'zod';
import {
  planDeploymentAction,
  redeployDeployment,
  retryDeployment,
  rollbackDeployment,
  setHold,
  approveDeploy,
  planJson,
  type DeploymentActionName,
} from '../deployments/actions';
import { DEPLOYMENT_STATUSES, deploymentJson, environmentStateJson, getDeployment, listDeployments } from '../deployments/read';
import { defineOperation } from './define';
import { cursor, id, limit, reason, text } from './fields';
import { projectByKey, projectOfDeployment, projectOfEnvironment, projectOfRun } from './resources';

export const listDeploymentsOp = defineOperation({
  id: 'deployments.list',
  tag: 'deployments',
  summary: "List a project's deployments",
  description: "Newest first, a page at a time; `live` marks each environment's latest succeeded deployment.",
  method: 'GET',
  path: '/api/v1/projects/{project}/deployments',
  params: z.strictObject({ project: text(200) }),
  query: z.strictObject({
    environment: text(200).optional(),
    status: z.enum(DEPLOYMENT_STATUSES as [string, ...string[]]).optional(),
    cursor: cursor.optional(),
    limit: limit(100).optional(),
  }),
  permission: 'project.read',
  project: projectByKey,
  what: 'Project',
  run: async ({ db, origin, projectId }, input) => {
    const page = await listDeployments(db, {
      projectId: projectId!,
      environment: input.environment,
      status: input.status as never,
      cursor: input.cursor,
      limit: input.limit,
    });
    return { items: page.items.map((d) => deploymentJson(d, origin)), next_cursor: page.nextCursor };
  },
});

export const getDeploymentOp = defineOperation({
  id: 'deployments.get',
  tag: 'deployments',
  summary: 'Get a deployment',
  method: 'GET',
  path: '/api/v1/deployments/{deployment_id}',
  params: z.strictObject({ deployment_id: id }),
  permission: 'project.read',
  project: projectOfDeployment,
  what: 'Deployment',
  run: async ({ db, origin }, { deployment_id }) => deploymentJson(await getDeployment(db, deployment_id), origin),
});

// ---------------------------------------------------------------- actions

const deploymentPath = z.strictObject({ deployment_id: id });

const planOp = (action: DeploymentActionName, query: z.ZodObject<z.ZodRawShape>, summary: string) =>
  defineOperation({
    id: `deployments.${action}_plan`,
    tag: 'deployments',
    summary,
    description:
      'What the action would deploy where, before it does: environment, next version, commit from → to, the deploy step inputs against the live deployment, the steps that run and those reused, whether the environment is busy or held, and whether you may do it now (`allowed`, `refusal`).',
    method: 'GET',
    path: `/api/v1/deployments/{deployment_id}/${action}-plan`,
    params: deploymentPath,
    query,
    permission: 'project.read',
    project: projectOfDeployment,
    what: 'Deployment',
    run: async ({ db, actor }, input) => {
      const options = input as { to?: string; commit?: string };
      return planJson(await planDeploymentAction(db, actor, input.deployment_id, action, { to: options.to, commit: options.commit }));
    },
  });

export const retryPlanDeploymentOp = planOp('retry', z.strictObject({}), 'What retrying a deployment would do');
export const redeployPlanOp = planOp('redeploy', z.strictObject({ commit: text(200).optional() }), 'What redeploying would do');
export const rollbackPlanOp = planOp('rollback', z.strictObject({ to: id.optional() }), 'What rolling back would do');

export const retryDeploymentOp = defineOperation({
  id: 'deployments.retry',
  tag: 'deployments',
  summary: 'Retry a failed deployment',
  description:
    'Runs its deploy step again with the same inputs and commit: a new deployment with the next version, `trigger: retry`, `extra_data.retry_of`. 400 unless failed; 409 when already retried or the environment is busy; 403 without the environment\'s role.',
  method: 'POST',
  path: '/api/v1/deployments/{deployment_id}/retry',
  params: deploymentPath,
  body: z.strictObject({ reason }),
  permission: 'run.retry',
  project: projectOfDeployment,
  what: 'Deployment',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const created = await retryDeployment(db, actor, input.deployment_id, { reason: input.reason });
    return deploymentJson(await getDeployment(db, created.id), origin);
  },
});

export const redeployOp = defineOperation({
  id: 'deployments.redeploy',
  tag: 'deployments',
  summary: 'Redeploy',
  description:
    'A new run of the pipeline that deploys to this environment only (the deploy step and the steps it needs), at `commit` or the newest commit seen on the branch. Answers the new deployment (pending). 409 when the environment is busy; 403 without its role.',
  method: 'POST',
  path: '/api/v1/deployments/{deployment_id}/redeploy',
  params: deploymentPath,
  body: z.strictObject({ commit: text(200).nullish(), reason }),
  permission: 'run.retry',
  project: projectOfDeployment,
  what: 'Deployment',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const created = await redeployDeployment(db, actor, input.deployment_id, { commit: input.commit, reason: input.reason });
    return deploymentJson(await getDeployment(db, created.id), origin);
  },
});

export const rollbackOp = defineOperation({
  id: 'deployments.rollback',
  tag: 'deployments',
  summary: 'Roll back',
  description:
    "Deploys the commit and exact deploy-step inputs of an earlier succeeded deployment of this environment (`to`; default: the one before the live one), reusing the steps above from that deployment's run, and puts the environment on hold. `reason` is required. 400 for a target that never succeeded or is live; 409 when busy; 403 without the role.",
  method: 'POST',
  path: '/api/v1/deployments/{deployment_id}/rollback',
  params: deploymentPath,
  body: z.strictObject({ to: id.nullish(), reason: text(2000).describe('Why: required for a rollback.') }),
  permission: 'run.retry',
  project: projectOfDeployment,
  what: 'Deployment',
  idempotent: true,
  run: async ({ db, actor, origin }, input) => {
    const created = await rollbackDeployment(db, actor, input.deployment_id, { to: input.to, reason: input.reason });
    return deploymentJson(await getDeployment(db, created.id), origin);
  },
});

const environmentPath = z.strictObject({ environment_id: id });

export const holdEnvironmentOp = defineOperation({
  id: 'environments.hold',
  tag: 'deployments',
  summary: 'Hold an environment',
  description: 'New deploys to it wait until the hold is released. Needs the environment\'s role and a reason.',
  method: 'POST',
  path: '/api/v1/environments/{environment_id}/hold',
  params: environmentPath,
  body: z.strictObject({ reason: text(2000) }),
  permission: 'run.retry',
  project: projectOfEnvironment,
  what: 'Environment',
  run: async ({ db, actor, origin }, input) =>
    environmentStateJson(db, await setHold(db, actor, input.environment_id, { hold: true, reason: input.reason }), origin),
});

export const releaseEnvironmentOp = defineOperation({
  id: 'environments.release',
  tag: 'deployments',
  summary: "Release an environment's hold",
  description: 'The deploys that waited on the hold go, in the order they were queued. Needs the environment\'s role and a reason.',
  method: 'POST',
  path: '/api/v1/environments/{environment_id}/release',
  params: environmentPath,
  body: z.strictObject({ reason: text(2000) }),
  permission: 'run.retry',
  project: projectOfEnvironment,
  what: 'Environment',
  run: async ({ db, actor, origin }, input) =>
    environmentStateJson(db, await setHold(db, actor, input.environment_id, { hold: false, reason: input.reason }), origin),
});

export const approveDeployOp = defineOperation({
  id: 'attempts.approve',
  tag: 'deployments',
  summary: 'Let a waiting deploy step go',
  description:
    "A deploy step waits when whoever set it going lacks its environment's role (it needs an approval) or when the environment is held. Someone with the role lets it go: it deploys, past the hold. 400 when the step is not waiting.",
  method: 'POST',
  path: '/api/v1/runs/{run_id}/items/{item_id}/approve',
  params: z.strictObject({ run_id: id, item_id: id }),
  body: z.strictObject({ reason }),
  permission: 'run.retry',
  project: projectOfRun,
  what: 'Run',
  run: async ({ db, actor }, input) => {
    const attempt = await approveDeploy(db, actor, input.run_id, input.item_id, { reason: input.reason });
    return { run_id: input.run_id, item_id: input.item_id, attempt_id: attempt.id, status: 'queued' };
  },
});
