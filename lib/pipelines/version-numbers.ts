import { asc, eq } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { pipelineVersions } from '@/db/schema';

/** A pipeline version as people name it: "v3", the third definition the pipeline had. */
export interface PipelineVersionRef {
  id: string;
  number: number;
  hash: string;
}

/**
 * Every version of a pipeline, numbered in the order they were first loaded.
 * Versions are never deleted, so a number, once shown, keeps meaning the same
 * definition; a file changed back to an earlier content is that earlier version.
 */
export async function pipelineVersionRefs(conn: Conn, pipelineId: string): Promise<Map<string, PipelineVersionRef>> {
  const rows = await conn
    .select({ id: pipelineVersions.id, hash: pipelineVersions.contentHash })
    .from(pipelineVersions)
    .where(eq(pipelineVersions.pipelineId, pipelineId))
    .orderBy(asc(pipelineVersions.createdAt), asc(pipelineVersions.id));
  return new Map(rows.map((r, i) => [r.id, { id: r.id, number: i + 1, hash: r.hash }]));
}
