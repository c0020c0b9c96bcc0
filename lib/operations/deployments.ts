import { z } from 'zod';
import { DEPLOYMENT_STATUSES, deploymentJson, getDeployment, listDeployments } from '../deployments/read';
import { defineOperation } from './define';
import { cursor, id, limit, text } from './fields';
import { projectByKey, projectOfDeployment } from './resources';

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
