import { desc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { deployments, environments, pipelines, projects, runs, users } from '@/db/schema';

/** Each environment's latest deployment (its highest version), by project and environment name. */
export async function latestDeployments(conn: Conn) {
  // DISTINCT ON walks deployments_env_version_idx: one row per environment.
  const latestIds = conn
    .selectDistinctOn([deployments.environmentId], { id: deployments.id })
    .from(deployments)
    .orderBy(deployments.environmentId, desc(deployments.version));
  const rows = await conn
    .select({
      environment: environments.name,
      project: projects.key,
      deployment: deployments,
      runNumber: runs.number,
      pipelineTitle: pipelines.title,
      actorName: users.name,
    })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .innerJoin(projects, eq(projects.id, environments.projectId))
    .leftJoin(runs, eq(runs.id, deployments.runId))
    .leftJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, deployments.triggeredBy))
    .where(inArray(deployments.id, latestIds));
  return rows.sort((a, b) => a.project.localeCompare(b.project) || a.environment.localeCompare(b.environment));
}
