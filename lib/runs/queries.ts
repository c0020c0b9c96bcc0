import { and, asc, desc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import {
  attempts,
  logChunks,
  pipelineLoadErrors,
  pipelines,
  pipelineVersions,
  projects,
  runs,
  users,
  workItems,
  type RunStatus,
} from '@/db/schema';
import { inProjectScope, type ProjectScope } from '../auth/permissions';
import { waitingReasons } from '../engine/concurrency';
import { DomainError, notFound } from '../errors';
import { isUuid } from '../ids';
import type { PipelineDefinition } from '../pipelines/definition';
import { pipelineVersion } from '../pipelines/version-cache';
import { pipelineVersionRefs, type PipelineVersionRef } from '../pipelines/version-numbers';
import { maskAttempt } from '../secrets';
import { executionTimes, medianMs, type ExecutionTime } from './execution-time';
import type { AttemptRow, ItemRow, RunRow } from './load';
import { isFinishedRun } from './state';

/**
 * Reads shaped for the API and the pages; each takes a connection and returns
 * exactly what is shown — so attempts come out with their secret inputs
 * masked (lib/secrets.ts). The domain reads clear inputs through ./load.ts.
 */

export async function listPipelines(conn: Conn, scope: ProjectScope) {
  // Each pipeline's newest run by one backward step of runs_pipeline_created_idx,
  // however long its history.
  const lastRunId = conn
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.pipelineId, pipelines.id))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(1)
    .as('last_run_id');
  return conn
    .select({
      id: pipelines.id,
      name: pipelines.name,
      title: pipelines.title,
      project: projects.key,
      projectId: projects.id,
      sourceFile: pipelines.sourceFile,
      versionHash: pipelineVersions.contentHash,
      structureHash: pipelineVersions.structureHash,
      // The run parameters' JSON Schema alone, not the whole definition.
      paramsSchema: sql<Record<string, unknown> | null>`${pipelineVersions.definition} -> 'params'`,
      lastRun: runs,
    })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .leftJoin(pipelineVersions, eq(pipelineVersions.id, pipelines.currentVersionId))
    .leftJoinLateral(lastRunId, sql`true`)
    .leftJoin(runs, eq(runs.id, lastRunId.id))
    .where(inProjectScope(pipelines.projectId, scope))
    .orderBy(asc(projects.key), asc(pipelines.name));
}
export type PipelineSummary = Awaited<ReturnType<typeof listPipelines>>[number];

export async function listLoadErrors(conn: Conn) {
  return conn.select().from(pipelineLoadErrors).orderBy(asc(pipelineLoadErrors.file));
}

export async function getPipeline(conn: Conn, pipelineId: string) {
  if (!isUuid(pipelineId)) throw notFound('Pipeline');
  const [row] = await conn
    .select({
      pipeline: pipelines,
      project: projects.key,
      definition: pipelineVersions.definition,
      versionHash: pipelineVersions.contentHash,
    })
    .from(pipelines)
    .innerJoin(projects, eq(projects.id, pipelines.projectId))
    .leftJoin(pipelineVersions, eq(pipelineVersions.id, pipelines.currentVersionId))
    .where(eq(pipelines.id, pipelineId));
  if (!row) throw notFound('Pipeline');
  return {
    ...row.pipeline,
    project: row.project,
    versionHash: row.versionHash,
    definition: row.definition as PipelineDefinition | null,
  };
}

export interface RunListFilter {
  /** The projects the reader may see (lib/auth/permissions.ts readableProjects). */
  scope: ProjectScope;
  pipelineId?: string;
  status?: RunStatus;
  environment?: string;
  branch?: string;
  trigger?: string;
  /** The id of the user who triggered the run. */
  actorId?: string;
  /** Runs created at or after this time. */
  since?: Date;
  /** Runs created at or before this time: pins a list while new runs arrive. */
  until?: string;
  cursor?: string | null;
  limit?: number;
}

/** Newest first, keyset-paginated on (created_at, id): stable while new runs arrive. */
export async function listRuns(conn: Conn, filter: RunListFilter) {
  const limit = Math.min(Math.max(filter.limit ?? 25, 1), 100);
  const where: SQL[] = [];
  const inScope = inProjectScope(runs.projectId, filter.scope);
  if (inScope) where.push(inScope);
  if (filter.pipelineId) where.push(eq(runs.pipelineId, filter.pipelineId));
  if (filter.status) where.push(eq(runs.status, filter.status));
  // Any of the run's steps deploys there: a release run deploys to staging and
  // production alike (runs.environment holds only its first). One probe of
  // work_items_run_key_idx per run read, newest first.
  if (filter.environment) {
    where.push(
      sql`exists (select 1 from ${workItems} where ${workItems.runId} = ${runs.id} and ${workItems.environment} = ${filter.environment})`,
    );
  }
  if (filter.branch) where.push(eq(runs.gitBranch, filter.branch));
  if (filter.trigger) where.push(eq(runs.trigger, filter.trigger as RunRow['trigger']));
  if (filter.actorId) where.push(eq(runs.triggeredBy, filter.actorId));
  if (filter.since) where.push(sql`${runs.createdAt} >= ${filter.since.toISOString()}::timestamptz`);
  if (filter.until && !Number.isNaN(Date.parse(filter.until))) {
    where.push(sql`${runs.createdAt} <= ${filter.until}::timestamptz`);
  }
  const cursor = decodeCursor(filter.cursor);
  if (cursor) {
    where.push(sql`(${runs.createdAt}, ${runs.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`);
  }
  const rows = await conn
    .select({
      run: runs,
      pipelineName: pipelines.name,
      actorName: users.name,
      cursorAt: sql<string>`${runs.createdAt}::text`,
    })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((r) => ({ ...r.run, pipelineName: r.pipelineName, actorName: r.actorName })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.cursorAt, last.run.id) : null,
  };
}

// The cursor carries the timestamp at microsecond precision as text, so rows
// created within the same millisecond are neither skipped nor repeated.
export function encodeCursor(at: string, id: string) {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}
export function decodeCursor(cursor: string | null | undefined): { at: string; id: string } | null {
  if (!cursor) return null;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    decoded = null;
  }
  const [at, id] = Array.isArray(decoded) ? (decoded as unknown[]) : [];
  if (typeof at !== 'string' || !/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?[+-]\d\d(:\d\d)?$/.test(at) || !isUuid(id)) {
    throw new DomainError('bad_request', 'The cursor is not one this API gave out; start again without it.');
  }
  return { at, id };
}

/**
 * The values a pipeline's run filters can take: branches and people seen on
 * its runs, at most 100 of each. A loose index scan (one index probe per
 * distinct value, along runs_pipeline_branch_created_idx and
 * runs_pipeline_actor_created_idx) instead of reading every run of the pipeline.
 */
export async function runFilterOptions(conn: Conn, pipelineId: string) {
  const [branches, actors] = await Promise.all([
    rowsOf<{ branch: string }>(
      conn,
      sql`
        with recursive branches(branch) as (
          (select ${runs.gitBranch} from ${runs}
            where ${runs.pipelineId} = ${pipelineId} and ${runs.gitBranch} is not null
            order by ${runs.gitBranch} limit 1)
          union all
          select (select r.git_branch from ${runs} r
                   where r.pipeline_id = ${pipelineId} and r.git_branch > b.branch
                   order by r.git_branch limit 1)
          from branches b where b.branch is not null
        )
        select branch from branches where branch is not null limit 100`,
    ),
    rowsOf<{ id: string; name: string }>(
      conn,
      sql`
        with recursive actors(id) as (
          (select ${runs.triggeredBy} from ${runs}
            where ${runs.pipelineId} = ${pipelineId} and ${runs.triggeredBy} is not null
            order by ${runs.triggeredBy} limit 1)
          union all
          select (select r.triggered_by from ${runs} r
                   where r.pipeline_id = ${pipelineId} and r.triggered_by > a.id
                   order by r.triggered_by limit 1)
          from actors a where a.id is not null
        )
        select ${users.id} as id, ${users.name} as name
        from (select id from actors where id is not null limit 100) seen
        join ${users} on ${users.id} = seen.id`,
    ),
  ]);
  return {
    branches: branches.map((b) => b.branch).sort(),
    actors: actors.map((a) => ({ id: a.id, name: a.name })).sort((a, b) => a.name.localeCompare(b.name)),
  };
}

/** The rows of a raw statement: postgres.js returns them as an array, PGlite under `rows`. */
async function rowsOf<T>(conn: Conn, query: SQL): Promise<T[]> {
  const result: unknown = await conn.execute(query);
  return Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;
}

/** Failed runs since `since`, newest first, with their pipeline: the overview's "failing now". */
export async function listFailedRunsSince(
  conn: Conn,
  scope: ProjectScope,
  since: Date,
  status: 'failed' | 'cancelled' = 'failed',
) {
  return conn
    .select({ run: runs, pipelineName: pipelines.name, pipelineTitle: pipelines.title, actorName: users.name })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(
      and(
        eq(runs.status, status),
        sql`${runs.createdAt} > ${since.toISOString()}::timestamptz`,
        inProjectScope(runs.projectId, scope),
      ),
    )
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(200);
}

/**
 * Runs created since `since` that are not failed or cancelled now but had an
 * attempt fail (or be lost) on the way: retried by hand or automatically.
 * A failure is a failure even when a retry made up for it.
 */
export async function listRetriedFailuresSince(conn: Conn, scope: ProjectScope, since: Date) {
  return conn
    .select({ run: runs, pipelineName: pipelines.name, pipelineTitle: pipelines.title, actorName: users.name })
    .from(runs)
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(
      and(
        sql`${runs.createdAt} > ${since.toISOString()}::timestamptz`,
        sql`${runs.status} not in ('failed', 'cancelled')`,
        sql`exists (select 1 from ${attempts} where ${attempts.runId} = ${runs.id} and ${attempts.status} in ('failed', 'lost'))`,
        inProjectScope(runs.projectId, scope),
      ),
    )
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(200);
}

/** Runs queued or running now, newest first. */
export async function listActiveRuns(conn: Conn, scope: ProjectScope) {
  return (
    conn
      .select({ run: runs, pipelineTitle: pipelines.title, actorName: users.name })
      .from(runs)
      .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
      .leftJoin(users, eq(users.id, runs.triggeredBy))
      // Spelled as literals, not parameters, so the planner can prove runs_active_created_idx's predicate.
      .where(and(sql`${runs.status} in ('queued', 'running')`, inProjectScope(runs.projectId, scope)))
      .orderBy(desc(runs.createdAt), desc(runs.id))
      .limit(100)
  );
}

export interface PipelineHealth {
  recent: {
    id: string;
    number: number;
    status: RunStatus;
    attempt: number;
    startedAt: Date | null;
    finishedAt: Date | null;
  }[];
  /** Of the finished runs among the recent ones (cancelled ones count as not succeeded), the share that succeeded. */
  successRate: number | null;
  /** How many finished runs the success rate counts. */
  finishedCount: number;
  /** The median execution time of the recent runs that succeeded on their first attempt (lib/runs/execution-time.ts). */
  medianMs: number | null;
}

/**
 * Each pipeline's latest runs (newest first) for its status strip, success
 * rate and median duration: one query for all of them, `count` steps back
 * along runs_pipeline_created_idx per pipeline (a lateral join), however long
 * their histories.
 */
export async function pipelinesHealth(
  conn: Conn,
  pipelineIds: string[],
  count = 20,
): Promise<Map<string, PipelineHealth>> {
  if (!pipelineIds.length) return new Map();
  const latest = conn
    .select({
      id: runs.id,
      number: runs.number,
      status: runs.status,
      attempt: runs.attempt,
      startedAt: runs.startedAt,
      finishedAt: runs.finishedAt,
      createdAt: runs.createdAt,
    })
    .from(runs)
    .where(eq(runs.pipelineId, pipelines.id))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(count)
    .as('latest');
  const rows = await conn
    .select({
      pipelineId: pipelines.id,
      id: latest.id,
      number: latest.number,
      status: latest.status,
      attempt: latest.attempt,
      startedAt: latest.startedAt,
      finishedAt: latest.finishedAt,
    })
    .from(pipelines)
    .innerJoinLateral(latest, sql`true`)
    .where(inArray(pipelines.id, pipelineIds))
    .orderBy(pipelines.id, desc(latest.createdAt), desc(latest.id));
  // A run that succeeded on its first attempt measures what the pipeline
  // costs; a failed or retried one measures where it stopped.
  const firstTry = await executionTimes(
    conn,
    new Map(rows.filter((r) => r.status === 'succeeded' && r.attempt === 1).map((r) => [r.id, 1])),
  );
  return new Map(
    pipelineIds.map((id) => {
      const recent = rows
        .filter((r) => r.pipelineId === id)
        .map((r) => ({
          id: r.id,
          number: r.number,
          status: r.status,
          attempt: r.attempt,
          startedAt: r.startedAt,
          finishedAt: r.finishedAt,
        }));
      return [id, healthOf(recent, firstTry)];
    }),
  );
}

function healthOf(recent: PipelineHealth['recent'], firstTry: Map<string, ExecutionTime>): PipelineHealth {
  const finished = recent.filter((r) => isFinishedRun(r.status));
  return {
    recent,
    successRate: finished.length ? finished.filter((r) => r.status === 'succeeded').length / finished.length : null,
    finishedCount: finished.length,
    medianMs: medianMs(recent.flatMap((r) => firstTry.get(r.id)?.wallMs ?? [])),
  };
}

/** An attempt as shown: with the pipeline version it ran (null for attempts older than that record). */
export type AttemptWithVersion = AttemptRow & { pipelineVersion: PipelineVersionRef | null };

export interface RunDetail {
  run: RunRow;
  pipeline: {
    id: string;
    name: string;
    title: string;
    currentVersionHash: string | null;
    currentStructureHash: string | null;
  };
  version: { id: string; number: number; contentHash: string; structureHash: string; definition: PipelineDefinition };
  /** The pipeline's current version (what a retry with the latest definition would use). */
  current: {
    id: string;
    number: number;
    contentHash: string;
    structureHash: string;
    definition: PipelineDefinition;
  } | null;
  /** The pipeline's file failed to load since: its current version is not what the file says. */
  loadError: { file: string; line: number | null; message: string } | null;
  triggeredByName: string | null;
  items: (ItemRow & { latestAttempt: AttemptWithVersion | null })[];
}

export async function getRunDetail(conn: Conn, runId: string): Promise<RunDetail> {
  if (!isUuid(runId)) throw notFound('Run');
  const [row] = await conn
    .select({ run: runs, version: pipelineVersions, pipeline: pipelines, actorName: users.name })
    .from(runs)
    .innerJoin(pipelineVersions, eq(pipelineVersions.id, runs.pipelineVersionId))
    .innerJoin(pipelines, eq(pipelines.id, runs.pipelineId))
    .leftJoin(users, eq(users.id, runs.triggeredBy))
    .where(eq(runs.id, runId));
  if (!row) throw notFound('Run');
  // Independent reads, sent together: each is a round trip.
  const itemsAndLatest = (async () => {
    const items = await conn.select().from(workItems).where(eq(workItems.runId, runId)).orderBy(asc(workItems.position));
    const latestIds = items.map((i) => i.latestAttemptId).filter((id): id is string => !!id);
    const latest = latestIds.length ? await conn.select().from(attempts).where(inArray(attempts.id, latestIds)) : [];
    return { items, latest };
  })();
  const [[current], { items, latest }, refs, [loadError]] = await Promise.all([
    row.pipeline.currentVersionId
      ? conn.select().from(pipelineVersions).where(eq(pipelineVersions.id, row.pipeline.currentVersionId))
      : [],
    itemsAndLatest,
    pipelineVersionRefs(conn, row.pipeline.id),
    row.pipeline.sourceFile
      ? conn.select().from(pipelineLoadErrors).where(eq(pipelineLoadErrors.file, row.pipeline.sourceFile))
      : [],
  ]);
  const definition = row.version.definition as unknown as PipelineDefinition;
  const keyOf = new Map(items.map((i) => [i.latestAttemptId, i.key]));
  const byId = new Map<string, AttemptWithVersion>();
  for (const a of latest) {
    const masked = await maskWithVersions(conn, a, keyOf.get(a.id)!, row.run.pipelineVersionId);
    byId.set(a.id, { ...masked, pipelineVersion: versionRefOf(refs, a) });
  }
  return {
    run: row.run,
    pipeline: {
      id: row.pipeline.id,
      name: row.pipeline.name,
      title: row.pipeline.title,
      currentVersionHash: current?.contentHash ?? null,
      currentStructureHash: current?.structureHash ?? null,
    },
    version: {
      id: row.version.id,
      number: refs.get(row.version.id)?.number ?? 0,
      contentHash: row.version.contentHash,
      structureHash: row.version.structureHash,
      definition,
    },
    current: current
      ? {
          id: current.id,
          number: refs.get(current.id)?.number ?? 0,
          contentHash: current.contentHash,
          structureHash: current.structureHash,
          definition: current.definition as unknown as PipelineDefinition,
        }
      : null,
    loadError: loadError ? { file: loadError.file, line: loadError.line, message: loadError.message } : null,
    triggeredByName: row.actorName,
    items: items.map((i) => ({
      ...i,
      latestAttempt: i.latestAttemptId ? (byId.get(i.latestAttemptId) ?? null) : null,
    })),
  };
}

/**
 * An attempt masked with the secrets of its step in the run's version and in
 * the version the attempt ran (they differ after a retry with the latest
 * definition): a property secret in either is never shown.
 */
async function maskWithVersions(conn: Conn, a: AttemptRow, key: string, runVersionId: string): Promise<AttemptRow> {
  const versionIds = [...new Set([runVersionId, a.pipelineVersionId ?? runVersionId])];
  const schemas = await Promise.all(
    versionIds.map(async (id) => (await pipelineVersion(conn, id)).steps.get(key)?.inputSchema ?? null),
  );
  const present = schemas.filter((s): s is Record<string, unknown> => !!s);
  // secretPaths follows allOf branches: a property secret in one of them counts.
  return maskAttempt(a, present.length > 1 ? { allOf: present } : (present[0] ?? null));
}

const versionRefOf = (refs: Map<string, PipelineVersionRef>, a: AttemptRow) =>
  a.pipelineVersionId ? (refs.get(a.pipelineVersionId) ?? null) : null;

/** Attempts of a run by id, their secrets masked by their step's schema: the steps of an earlier run attempt as shown. */
export async function getMaskedAttempts(
  conn: Conn,
  detail: RunDetail,
  attemptIds: string[],
): Promise<Map<string, AttemptRow>> {
  if (!attemptIds.length) return new Map();
  const rows = await conn
    .select()
    .from(attempts)
    .where(and(eq(attempts.runId, detail.run.id), inArray(attempts.id, attemptIds)));
  const keyOf = new Map(detail.items.map((i) => [i.id, i.key]));
  const masked = await Promise.all(
    rows.map((a) => maskWithVersions(conn, a, keyOf.get(a.workItemId) ?? '', detail.run.pipelineVersionId)),
  );
  return new Map(masked.map((a) => [a.id, a]));
}

export interface AttemptView extends AttemptWithVersion {
  supersededBy: string | null;
  triggeredByName: string | null;
  /** Why a queued attempt has not started: its concurrency group is full (lib/engine/concurrency.ts). */
  waitingFor: string | null;
}

/** An item's attempts, oldest first; "superseded by" derived from the later attempt's retry_of. */
export async function listAttempts(
  conn: Conn,
  runId: string,
  itemId: string,
): Promise<{ item: ItemRow; attempts: AttemptView[] }> {
  if (!isUuid(runId) || !isUuid(itemId)) throw notFound('Step');
  const [item] = await conn
    .select()
    .from(workItems)
    .where(and(eq(workItems.id, itemId), eq(workItems.runId, runId)));
  if (!item) throw notFound('Step');
  const [run] = await conn
    .select({ versionId: runs.pipelineVersionId, pipelineId: runs.pipelineId })
    .from(runs)
    .where(eq(runs.id, runId));
  const refs = await pipelineVersionRefs(conn, run.pipelineId);
  const rows = await conn
    .select({ attempt: attempts, name: users.name })
    .from(attempts)
    .leftJoin(users, eq(users.id, attempts.triggeredBy))
    .where(eq(attempts.workItemId, itemId))
    .orderBy(asc(attempts.number));
  const replacedBy = new Map(rows.filter((r) => r.attempt.retryOf).map((r) => [r.attempt.retryOf!, r.attempt.id]));
  const waiting = await waitingReasons(
    conn,
    rows.map((r) => r.attempt),
  );
  const shown: AttemptView[] = [];
  for (const r of rows) {
    shown.push({
      ...(await maskWithVersions(conn, r.attempt, item.key, run.versionId)),
      pipelineVersion: versionRefOf(refs, r.attempt),
      supersededBy: replacedBy.get(r.attempt.id) ?? null,
      triggeredByName: r.name,
      waitingFor: waiting.get(r.attempt.id) ?? null,
    });
  }
  return { item, attempts: shown };
}

/** Every attempt of a run, oldest first per item: for marks that need the whole history (flaky). */
export async function listRunAttempts(conn: Conn, runId: string) {
  if (!isUuid(runId)) throw notFound('Run');
  return conn
    .select({
      id: attempts.id,
      workItemId: attempts.workItemId,
      number: attempts.number,
      kind: attempts.kind,
      status: attempts.status,
      // jsonb's text form is canonical (sorted keys): equal inputs, equal hash.
      inputsHash: sql<string>`md5(${attempts.inputs}::text)`,
      error: attempts.error,
      retryOf: attempts.retryOf,
      runAttempt: attempts.runAttempt,
      reusedFrom: attempts.reusedFrom,
      startedAt: attempts.startedAt,
      finishedAt: attempts.finishedAt,
    })
    .from(attempts)
    .where(eq(attempts.runId, runId))
    .orderBy(asc(attempts.workItemId), asc(attempts.number));
}

/**
 * Median duration of each step's successful attempts in the pipeline's last
 * 50 runs (whatever their status): what a running step's progress bar
 * measures against. Bounded by runs, found along runs_pipeline_created_idx,
 * so the run page costs the same on a pipeline with a long history.
 */
export async function stepMedianDurations(conn: Conn, pipelineId: string): Promise<Map<string, number>> {
  const recentRuns = conn
    .select({ id: runs.id })
    .from(runs)
    .where(eq(runs.pipelineId, pipelineId))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(50)
    .as('recent_runs');
  const rows = await conn
    .select({
      key: workItems.key,
      median: sql<number>`percentile_cont(0.5) within group (order by extract(epoch from ${attempts.finishedAt} - ${attempts.startedAt}))`,
    })
    .from(recentRuns)
    .innerJoin(attempts, eq(attempts.runId, recentRuns.id))
    .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
    .where(eq(attempts.status, 'succeeded'))
    .groupBy(workItems.key);
  return new Map(rows.map((r) => [r.key, Number(r.median) * 1000]));
}

export async function findItemByKey(conn: Conn, runId: string, key: string) {
  if (!isUuid(runId)) throw notFound('Run');
  const [item] = await conn
    .select()
    .from(workItems)
    .where(and(eq(workItems.runId, runId), eq(workItems.key, key)));
  if (!item) throw notFound('Step');
  return item;
}

export async function getAttempt(conn: Conn, attemptId: string) {
  if (!isUuid(attemptId)) throw notFound('Attempt');
  const [row] = await conn.select().from(attempts).where(eq(attempts.id, attemptId));
  if (!row) throw notFound('Attempt');
  return row;
}

export async function getLogs(conn: Conn, attemptId: string, after = 0, limit = 1000) {
  await getAttempt(conn, attemptId);
  const items = await conn
    .select({ seq: logChunks.seq, stream: logChunks.stream, text: logChunks.text, at: logChunks.at })
    .from(logChunks)
    .where(and(eq(logChunks.attemptId, attemptId), gt(logChunks.seq, after)))
    .orderBy(asc(logChunks.seq))
    .limit(limit);
  return { items, nextAfter: items.length ? items[items.length - 1].seq : after };
}

export { isUuid };
