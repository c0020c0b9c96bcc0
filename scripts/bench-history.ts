/**
 * Benchmark: how fast are the history lists and views on a big history?
 *
 *   npm run bench:seed -- --runs 100000
 *   node --import tsx scripts/bench-history.ts [DATABASE_URL]
 *
 * Calls the reads directly (no HTTP): every run-list filter the API and the
 * run-history page offer, on page 1 and deep (the page after the row at
 * offset 25,000 of that list, or as deep as the list goes), and the pipelines,
 * run-history, overview, run and step views. 30 timed repetitions after 5 of
 * warm-up; prints p50/p95 and the plan of the main list query.
 * `benchHistory` is imported by the engine benchmark.
 */
import { SYSTEM_SCOPE } from '@/lib/auth/permissions';
import { pathToFileURL } from 'node:url';
import { and, desc, eq, gte, lte, sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database, type Db } from '@/db/client';
import * as schema from '@/db/schema';
import { attempts, pipelines, runs, workItems } from '@/db/schema';
import { encodeCursor, listRuns, type RunListFilter } from '@/lib/runs/queries';
import { loadOverview } from '@/lib/views/overview';
import { loadPipelineRuns } from '@/lib/views/pipeline-runs';
import { loadPipelines } from '@/lib/views/pipelines';
import { loadRunView } from '@/lib/views/run';
import { loadStepView } from '@/lib/views/step';
import { DEFAULT_BENCH_URL } from './bench-seed';

export interface BenchRow {
  what: string;
  /** How far into the list the page starts ("page 1", "offset 25,000"), or "–" for a view. */
  depth: string;
  p50_ms: number;
  p95_ms: number;
}

export interface BenchHistoryOptions {
  repetitions?: number;
  warmup?: number;
  /** How deep the deep pages start. */
  deepOffset?: number;
  log?: (line: string) => void;
}

export async function benchHistory(databaseUrl: string, opts: BenchHistoryOptions = {}): Promise<BenchRow[]> {
  const { repetitions = 30, warmup = 5, deepOffset = 25_000, log = console.log } = opts;
  const database = await openDatabase({ databaseUrl });
  const db = database.db;
  const rows: BenchRow[] = [];
  const measure = async (what: string, depth: string, fn: () => Promise<unknown>) => {
    for (let i = 0; i < warmup; i++) await fn();
    const times: number[] = [];
    for (let i = 0; i < repetitions; i++) {
      const t = performance.now();
      await fn();
      times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    const row = { what, depth, p50_ms: round(percentile(times, 0.5)), p95_ms: round(percentile(times, 0.95)) };
    log(`${what.padEnd(44)} ${depth.padEnd(14)} p50 ${String(row.p50_ms).padStart(7)} ms   p95 ${String(row.p95_ms).padStart(7)} ms`);
    rows.push(row);
  };
  try {
    const subject = await benchSubjects(db);
    for (const [name, filter] of Object.entries(subject.filters)) {
      await measure(`listRuns ${name}`, 'page 1', () => listRuns(db, { scope: SYSTEM_SCOPE, ...filter, limit: 25 }));
      const deep = await deepCursor(db, filter, deepOffset);
      if (deep) await measure(`listRuns ${name}`, `offset ${deep.offset.toLocaleString('en')}`, () => listRuns(db, { scope: SYSTEM_SCOPE, ...filter, limit: 25, cursor: deep.cursor }));
    }
    await measure('listRuns no filter, limit 50 (GET /api/v1/runs)', 'page 1', () => listRuns(db, { scope: SYSTEM_SCOPE, limit: 50 }));
    await measure('loadPipelines', '–', () => loadPipelines(db, SYSTEM_SCOPE));
    await measure('loadPipelineRuns', 'page 1', () => loadPipelineRuns(db, { pipelineId: subject.pipelineId }));
    const deepPipeline = await deepCursor(db, { pipelineId: subject.pipelineId }, deepOffset);
    if (deepPipeline) {
      await measure('loadPipelineRuns', `offset ${deepPipeline.offset.toLocaleString('en')}`, () =>
        loadPipelineRuns(db, { pipelineId: subject.pipelineId, cursor: deepPipeline.cursor }),
      );
    }
    await measure('loadPipelineRuns branch=main, last 7 days', 'page 1', () =>
      loadPipelineRuns(db, { pipelineId: subject.pipelineId, branch: 'main', period: '7d' }),
    );
    await measure('loadOverview', '–', () => loadOverview(db, SYSTEM_SCOPE));
    await measure('loadRunView (retried run, step panel open)', '–', () => loadRunView(db, { runId: subject.runId, step: subject.stepKey }));
    await measure('loadStepView', '–', () => loadStepView(db, { runId: subject.runId, key: subject.stepKey }));

    const deepAll = await deepCursor(db, {}, deepOffset);
    const plans: [string, Omit<RunListFilter, 'scope'>][] = [
      ['GET /api/v1/runs?limit=50', { limit: 50 }],
      [`no filter, ${deepAll?.offset.toLocaleString('en')} deep`, { limit: 25, cursor: deepAll?.cursor }],
      [`pipeline, ${deepPipeline?.offset.toLocaleString('en')} deep`, { pipelineId: subject.pipelineId, limit: 25, cursor: deepPipeline?.cursor }],
    ];
    for (const [name, filter] of plans) {
      log(`\nEXPLAIN ANALYZE of listRuns, ${name}:`);
      const [statement] = await statementsOf(database, (capturing) => listRuns(capturing, { scope: SYSTEM_SCOPE, ...filter }));
      log((await explain(database, statement, { analyze: true })).join('\n'));
    }
    return rows;
  } finally {
    await database.close();
  }
}

/** What the bench reads: the busiest pipeline, its common branch, trigger and actor, and a run that was retried. */
export async function benchSubjects(db: Db) {
  const [busiest] = await db
    .select({ pipelineId: runs.pipelineId, n: sql<number>`count(*)::int` })
    .from(runs)
    .where(sql`${runs.environment} is not null`)
    .groupBy(runs.pipelineId)
    .orderBy(desc(sql`count(*)`))
    .limit(1);
  const pipelineId = busiest?.pipelineId ?? (await db.select({ id: pipelines.id }).from(pipelines).limit(1))[0].id;
  const [common] = await db
    .select({ actorId: runs.triggeredBy, environment: runs.environment })
    .from(runs)
    .where(and(eq(runs.pipelineId, pipelineId), sql`${runs.triggeredBy} is not null`))
    .groupBy(runs.triggeredBy, runs.environment)
    .orderBy(desc(sql`count(*)`))
    .limit(1);
  const now = new Date();
  const filters: Record<string, Omit<RunListFilter, 'scope'>> = {
    'no filter': {},
    pipeline: { pipelineId },
    'pipeline+status=succeeded': { pipelineId, status: 'succeeded' },
    'pipeline+branch=main': { pipelineId, branch: 'main' },
    'pipeline+trigger=api': { pipelineId, trigger: 'api' },
    'pipeline+actor': { pipelineId, actorId: common.actorId! },
    'status=failed': { status: 'failed' },
    [`environment=${common.environment ?? 'staging'}`]: { environment: common.environment ?? 'staging' },
    'pipeline, last 30 days, until now': { pipelineId, since: new Date(now.getTime() - 30 * 86400_000), until: now.toISOString() },
  };
  // A run of this pipeline, half-way back, whose failed step an operator retried: the richest run page.
  const [retried] = await db
    .select({ runId: runs.id, stepKey: workItems.key })
    .from(runs)
    .innerJoin(attempts, eq(attempts.runId, runs.id))
    .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
    .where(and(eq(runs.pipelineId, pipelineId), eq(attempts.kind, 'retry')))
    .orderBy(runs.number)
    .offset(Math.floor((busiest?.n ?? 0) / 60))
    .limit(1);
  const fallback = retried
    ? null
    : (
        await db
          .select({ runId: runs.id, stepKey: workItems.key })
          .from(runs)
          .innerJoin(workItems, eq(workItems.runId, runs.id))
          .where(eq(runs.pipelineId, pipelineId))
          .limit(1)
      )[0];
  const subject = retried ?? fallback!;
  return { pipelineId, filters, runId: subject.runId, stepKey: subject.stepKey };
}

/**
 * The cursor listRuns would give out after the row at `offset`, or half-way
 * down a shorter list: a page near a list's end is cheap whatever the plan
 * (few rows remain), so it would prove nothing.
 */
async function deepCursor(db: Db, filter: Omit<RunListFilter, 'scope'>, offset: number) {
  const where = filterConditions(filter);
  const [{ n }] = await db.select({ n: sql<number>`count(*)::int` }).from(runs).where(where);
  const at = Math.min(offset, Math.floor(n / 2));
  if (at < 25) return null;
  const [row] = await db
    .select({ at: sql<string>`${runs.createdAt}::text`, id: runs.id })
    .from(runs)
    .where(where)
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .offset(at - 1)
    .limit(1);
  return { offset: at, cursor: encodeCursor(row.at, row.id) };
}

function filterConditions(filter: Omit<RunListFilter, 'scope'>): SQL | undefined {
  const c: (SQL | undefined)[] = [
    filter.pipelineId ? eq(runs.pipelineId, filter.pipelineId) : undefined,
    filter.status ? eq(runs.status, filter.status) : undefined,
    filter.environment ? eq(runs.environment, filter.environment) : undefined,
    filter.branch ? eq(runs.gitBranch, filter.branch) : undefined,
    filter.trigger ? eq(runs.trigger, filter.trigger as schema.RunTrigger) : undefined,
    filter.actorId ? eq(runs.triggeredBy, filter.actorId) : undefined,
    filter.since ? gte(runs.createdAt, filter.since) : undefined,
    filter.until ? lte(runs.createdAt, new Date(filter.until)) : undefined,
  ];
  return and(...c.filter((x): x is SQL => !!x));
}

export interface Statement {
  sql: string;
  params: unknown[];
}

/**
 * Runs `read` on a second drizzle handle over the same connection that
 * records every statement it sends: the exact SQL a read issues, to EXPLAIN.
 */
export async function statementsOf(database: Database, read: (db: Db) => Promise<unknown>): Promise<Statement[]> {
  const statements: Statement[] = [];
  const logger = { logQuery: (query: string, params: unknown[]) => void statements.push({ sql: query, params }) };
  const client = (database.db as unknown as { $client: unknown }).$client;
  let capturing: Db;
  if (database.kind === 'postgres') {
    const { drizzle } = await import('drizzle-orm/postgres-js');
    capturing = drizzle(client as never, { schema, logger });
  } else {
    const { drizzle } = await import('drizzle-orm/pglite');
    capturing = drizzle(client as never, { schema, logger });
  }
  await read(capturing);
  return statements;
}

type PlanNode = Record<string, unknown> & { 'Node Type': string; Plans?: PlanNode[] };

/** EXPLAIN of one statement with its parameters, as text lines, or as the JSON plan tree. */
export async function explain(database: Database, statement: Statement, opts: { analyze?: boolean; settings?: string[] } = {}) {
  return (await runExplain(database, statement, opts, 'text')) as string[];
}
export async function explainPlan(database: Database, statement: Statement, opts: { settings?: string[] } = {}) {
  return (await runExplain(database, statement, opts, 'json')) as PlanNode;
}

async function runExplain(
  database: Database,
  statement: Statement,
  { analyze = false, settings = [] }: { analyze?: boolean; settings?: string[] },
  format: 'text' | 'json',
) {
  const text = `explain (format ${format}${analyze ? ', analyze, buffers' : ''}) ${statement.sql}`;
  const client = (database.db as unknown as { $client: unknown }).$client;
  const lines = (rows: Record<string, unknown>[]) =>
    format === 'json' ? (rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan : rows.map((r) => String(r['QUERY PLAN']));
  // Planner settings hold for this one statement: a transaction with SET LOCAL, on one connection.
  if (database.kind === 'postgres') {
    const pg = client as import('postgres').Sql;
    return pg.begin(async (tx) => {
      for (const s of settings) await tx.unsafe(`set local ${s}`);
      const rows = await tx.unsafe(text, statement.params as never[]);
      return lines(rows);
    });
  }
  const lite = client as import('@electric-sql/pglite').PGlite;
  return lite.transaction(async (tx) => {
    for (const s of settings) await tx.exec(`set local ${s}`);
    const result = await tx.query<Record<string, unknown>>(text, statement.params as never[]);
    const rows = result.rows.map((r) => (format === 'json' && typeof r['QUERY PLAN'] === 'string' ? { 'QUERY PLAN': JSON.parse(r['QUERY PLAN']) as unknown } : r));
    return lines(rows);
  });
}

function percentile(sorted: number[], p: number) {
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
}
const round = (ms: number) => Math.round(ms * 10) / 10;

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchHistory(process.argv[2] || DEFAULT_BENCH_URL)
    .then((rows) => {
      console.log('\n| read | depth | p50 ms | p95 ms |\n| --- | --- | --- | --- |');
      for (const r of rows) console.log(`| ${r.what} | ${r.depth} | ${r.p50_ms} | ${r.p95_ms} |`);
    })
    .catch((error: unknown) => {
      console.error(error);
      process.exit(1);
    });
}
