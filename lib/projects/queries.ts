import { asc, count, eq, type SQL, type SQLWrapper } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { environments, pipelines, pipelineVersions, projectMembers, projects } from '@/db/schema';
import type { Actor } from '../actor';
import { inProjectScope, readableProjects, roleIn } from '../auth/permissions';
import type { ProjectRole } from '../auth/roles';
import { notFound } from '../errors';
import type { PipelineDefinition } from '../pipelines/definition';

export interface ProjectSummary {
  id: string;
  key: string;
  title: string;
  /** The reader's role there (an instance admin is admin everywhere; a token is capped by its own role). */
  role: ProjectRole | null;
  pipelines: number;
  members: number;
  environments: number;
  createdAt: Date;
}

/** The projects the actor may read, by key, with what each holds: scoped in the query, never filtered after. */
export async function listReadableProjects(conn: Conn, actor: Actor): Promise<ProjectSummary[]> {
  const scope = readableProjects(actor);
  const rows = await conn.select().from(projects).where(inProjectScope(projects.id, scope)).orderBy(asc(projects.key));
  return summarize(conn, actor, rows, (column) => inProjectScope(column, scope));
}

/** One project the caller's door has already authorized (operations/access.ts), with the reader's role. */
export async function getProjectSummary(conn: Conn, actor: Actor, projectId: string): Promise<ProjectSummary> {
  const rows = await conn.select().from(projects).where(eq(projects.id, projectId));
  if (rows.length === 0) throw notFound('Project');
  const [summary] = await summarize(conn, actor, rows, (column) => eq(column as typeof projects.id, projectId));
  return summary;
}

/**
 * The environments a project's pipelines deploy to (their current
 * definitions), whether or not anything has deployed there yet: so production
 * can be protected before its first deployment.
 */
export async function declaredEnvironments(conn: Conn, projectId: string): Promise<string[]> {
  const rows = await conn
    .select({ definition: pipelineVersions.definition })
    .from(pipelines)
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, pipelines.currentVersionId))
    .where(eq(pipelines.projectId, projectId));
  const names = new Set(rows.flatMap((r) => (r.definition as unknown as PipelineDefinition).steps.map((step) => step.environment).filter((e): e is string => !!e)));
  return [...names].sort();
}

async function summarize(
  conn: Conn,
  actor: Actor,
  rows: (typeof projects.$inferSelect)[],
  within: (column: SQLWrapper) => SQL | undefined,
): Promise<ProjectSummary[]> {
  if (rows.length === 0) return [];
  const countBy = async (counted: Promise<{ projectId: string; n: number }[]>) => new Map((await counted).map((c) => [c.projectId, c.n]));
  // One grouped count per table, each kept to the same projects as the list.
  const [pipelineCounts, memberCounts, environmentCounts] = await Promise.all([
    countBy(conn.select({ projectId: pipelines.projectId, n: count() }).from(pipelines).where(within(pipelines.projectId)).groupBy(pipelines.projectId)),
    countBy(
      conn
        .select({ projectId: projectMembers.projectId, n: count() })
        .from(projectMembers)
        .where(within(projectMembers.projectId))
        .groupBy(projectMembers.projectId),
    ),
    countBy(
      conn
        .select({ projectId: environments.projectId, n: count() })
        .from(environments)
        .where(within(environments.projectId))
        .groupBy(environments.projectId),
    ),
  ]);
  return rows.map((p) => ({
    id: p.id,
    key: p.key,
    title: p.title,
    role: roleIn(actor, p.id),
    pipelines: pipelineCounts.get(p.id) ?? 0,
    members: memberCounts.get(p.id) ?? 0,
    environments: environmentCounts.get(p.id) ?? 0,
    createdAt: p.createdAt,
  }));
}
