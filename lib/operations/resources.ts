import { eq } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts, deployments, environments, pipelines, projects, runs } from '@/db/schema';
import { notFound } from '../errors';
import { isUuid } from '../ids';

/** How an operation finds the project whose role decides: one indexed read each, 404 for an unknown object. */

export async function projectOfRun(conn: Conn, { run_id }: { run_id: string }) {
  const [row] = isUuid(run_id) ? await conn.select({ projectId: runs.projectId }).from(runs).where(eq(runs.id, run_id)) : [];
  if (!row) throw notFound('Run');
  return row.projectId;
}

export async function projectOfPipeline(conn: Conn, { pipeline_id }: { pipeline_id: string }) {
  const [row] = isUuid(pipeline_id)
    ? await conn.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, pipeline_id))
    : [];
  if (!row) throw notFound('Pipeline');
  return row.projectId;
}

export async function projectOfAttempt(conn: Conn, { attempt_id }: { attempt_id: string }) {
  const [row] = isUuid(attempt_id)
    ? await conn.select({ projectId: runs.projectId }).from(attempts).innerJoin(runs, eq(runs.id, attempts.runId)).where(eq(attempts.id, attempt_id))
    : [];
  if (!row) throw notFound('Attempt');
  return row.projectId;
}

/** `{project}` in a path is the project's key (its id works too). */
export async function projectByKey(conn: Conn, { project }: { project: string }) {
  const [row] = await conn
    .select({ id: projects.id })
    .from(projects)
    .where(isUuid(project) ? eq(projects.id, project) : eq(projects.key, project));
  if (!row) throw notFound('Project');
  return row.id;
}

export async function projectOfDeployment(conn: Conn, { deployment_id }: { deployment_id: string }) {
  const [row] = isUuid(deployment_id)
    ? await conn.select({ projectId: deployments.projectId }).from(deployments).where(eq(deployments.id, deployment_id))
    : [];
  if (!row) throw notFound('Deployment');
  return row.projectId;
}

export async function projectOfEnvironment(conn: Conn, { environment_id }: { environment_id: string }) {
  const [row] = isUuid(environment_id)
    ? await conn.select({ projectId: environments.projectId }).from(environments).where(eq(environments.id, environment_id))
    : [];
  if (!row) throw notFound('Environment');
  return row.projectId;
}
