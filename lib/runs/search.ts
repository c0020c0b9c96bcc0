import { and, desc, eq, ilike, or, sql } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { pipelines, runs, users } from '@/db/schema';
import { inProjectScope, type ProjectScope } from '../auth/permissions';
import { isUuid } from '../ids';
import type { RunRow } from './load';

/** A run found, with its pipeline and who started it. */
export type SearchHit = RunRow & { pipelineName: string; pipelineTitle: string; actorName: string | null; matched: 'id' | 'number' | 'commit' };

/** What a person typed in the header's search box, understood. */
export interface RunQuery {
  /** "#42", "42", "release #42": a run number, optionally of the pipelines whose name or title starts so. */
  number?: { value: number; pipeline: string | null };
  /** A whole run id. */
  id?: string;
  /** Hex digits that may begin a run id or a commit (at least 4, so "42" stays a number). */
  prefix?: string;
}

const MAX_NUMBER = 2_147_483_647;

/** Reads the search text; null when it can be nothing we look for. */
export function parseRunQuery(raw: string): RunQuery | null {
  const text = raw.trim().slice(0, 200);
  if (!text) return null;
  if (isUuid(String(text))) return { id: text.toLowerCase() };
  const numbered = /^(?:(.*?)\s*)?#\s*(\d{1,10})$/.exec(text) ?? (/^(\d{1,10})$/.exec(text) ? [text, '', text] : null);
  const query: RunQuery = {};
  if (numbered) {
    const value = Number(numbered[2]);
    if (value >= 1 && value <= MAX_NUMBER) query.number = { value, pipeline: numbered[1]?.trim() || null };
  }
  const hex = text.replace(/-/g, '').toLowerCase();
  if (/^[0-9a-f]{4,40}$/.test(hex)) query.prefix = hex;
  return query.number || query.prefix ? query : null;
}

/** The lowest and highest uuid starting with these hex digits: a range of the primary key. */
export function uuidRange(prefix: string): [string, string] | null {
  const hex = prefix.slice(0, 32);
  if (!/^[0-9a-f]+$/.test(hex)) return null;
  const shape = (s: string) => `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
  return [shape(hex.padEnd(32, '0')), shape(hex.padEnd(32, 'f'))];
}

export const SEARCH_LIMIT = 50;

/**
 * The runs a search text finds, newest first, among the projects the reader
 * may see (at most SEARCH_LIMIT). A number is looked up per pipeline along
 * runs_pipeline_number_idx; an id or id prefix is a range of the primary key;
 * a commit prefix is a range of runs_commit_prefix_idx.
 */
export async function searchRuns(conn: Conn, scope: ProjectScope, raw: string): Promise<{ query: RunQuery | null; items: SearchHit[] }> {
  const query = parseRunQuery(raw);
  if (!query) return { query: null, items: [] };
  const base = () =>
    conn
      .select({ run: runs, pipelineName: pipelines.name, pipelineTitle: pipelines.title, actorName: users.name })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .leftJoin(users, eq(users.id, runs.triggeredBy));
  const inScope = inProjectScope(runs.projectId, scope);
  // Each kind of match is its own statement, so each reads its own index; at
  // most SEARCH_LIMIT rows each, merged newest first below.
  const reads: Promise<Awaited<ReturnType<ReturnType<typeof base>['where']>>>[] = [];
  if (query.id) reads.push(base().where(and(inScope, eq(runs.id, query.id))));
  if (query.number) {
    const named = query.number.pipeline ? `${escapeLike(query.number.pipeline)}%` : null;
    // No ORDER BY: one probe of runs_pipeline_number_idx per pipeline, at most one run each.
    reads.push(
      base().where(
        and(inScope, eq(runs.number, query.number.value), named ? or(ilike(pipelines.name, named), ilike(pipelines.title, named)) : undefined),
      ),
    );
  }
  if (query.prefix) {
    const range = uuidRange(query.prefix);
    if (range) reads.push(base().where(and(inScope, sql`${runs.id} between ${range[0]}::uuid and ${range[1]}::uuid`)).limit(SEARCH_LIMIT));
    reads.push(
      base()
        .where(and(inScope, sql`lower(${runs.gitCommit}) like ${`${query.prefix}%`}`))
        .orderBy(desc(runs.createdAt), desc(runs.id))
        .limit(SEARCH_LIMIT),
    );
  }
  const seen = new Set<string>();
  const rows = (await Promise.all(reads))
    .flat()
    .filter((r) => !seen.has(r.run.id) && !!seen.add(r.run.id))
    .sort((a, b) => b.run.createdAt.getTime() - a.run.createdAt.getTime() || (a.run.id < b.run.id ? 1 : -1))
    .slice(0, SEARCH_LIMIT);
  return {
    query,
    items: rows.map((r) => ({
      ...r.run,
      pipelineName: r.pipelineName,
      pipelineTitle: r.pipelineTitle,
      actorName: r.actorName,
      matched: matchOf(query, r.run),
    })),
  };
}

/** What of the run the text matched, to say so beside it. */
function matchOf(query: RunQuery, run: { id: string; number: number; gitCommit: string | null }): 'id' | 'number' | 'commit' {
  if (query.id === run.id || (query.prefix && run.id.replace(/-/g, '').startsWith(query.prefix))) return 'id';
  if (query.number?.value === run.number) return 'number';
  return 'commit';
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
