import { desc, eq, sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { inProjectScope, type ProjectScope } from '../auth/permissions';
import { deployments, environments, pipelines, projects, runs, users } from '@/db/schema';

/** Each environment's latest deployment (its highest version), by project and environment name. */
export async function latestDeployments(conn: Conn, scope: ProjectScope) {
  // One backward step of deployments_env_version_idx per environment, however
  // many deployments each has had.
  const latestId = conn
    .select({ id: deployments.id })
    .from(deployments)
    .where(eq(deployments.environmentId, environments.id))
    .orderBy(desc(deployments.version))
    .limit(1)
    .as('latest_id');
  const rows = await conn
    .select({
      environment: environments.name,
      project: projects.key,
      deployment: deployments,
      runNumber: runs.number,
      pipelineTitle: pipelines.title,
      actorName: users.name,
    })
    .from(environments)
    .innerJoinLateral(latestId, sql`true`)
    .innerJoin(deployments, eq(deployments.id, latestId.id))
    .innerJoin(projects, eq(projects.id, environments.projectId))
    .leftJoin(runs, eq(runs.id, deployments.runId))
    .leftJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, deployments.triggeredBy))
    .where(inProjectScope(environments.projectId, scope));
  return rows.sort((a, b) => a.project.localeCompare(b.project) || a.environment.localeCompare(b.environment));
}
