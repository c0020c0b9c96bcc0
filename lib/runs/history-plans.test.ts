import { SYSTEM_SCOPE } from '@/lib/auth/permissions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database, Db } from '@/db/client';
import { auditEntries, deployments, environments, pipelines, runs } from '@/db/schema';
import { explainPlan, statementsOf, type Statement } from '@/scripts/bench-history';
import { seedHistory } from '@/scripts/bench-seed';
import { latestDeployments } from '../deployments/queries';
import { createTestDatabase } from '../testing/test-db';
import {
  encodeCursor,
  listActiveRuns,
  listFailedRunsSince,
  listPipelines,
  listRuns,
  pipelinesHealth,
  runFilterOptions,
  stepMedianDurations,
  type RunListFilter,
} from './queries';
import { searchRuns } from './search';

/**
 * Every history list must read an index in its own order: no Sort above the
 * scan of its table, page 1 and deep pages alike. On a small history the
 * planner would happily sort, so sequential scans and sorts are priced out
 * (`enable_seqscan`, `enable_sort` off): a list whose index no longer matches
 * its ORDER BY still has to sort, and fails here.
 */

type PlanNode = Awaited<ReturnType<typeof explainPlan>>;
// random_page_cost = seq_page_cost: on a table of a few pages the heap order
// of runs_created_idx would otherwise make it the cheapest path for every list.
const PRICED_OUT = ['enable_seqscan = off', 'enable_sort = off', 'random_page_cost = 1'];

let database: Database & { drop(): Promise<void> };
let db: Db;
let pipelineId: string;
let actorId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  db = database.db;
  await seedHistory(db, 600);
  await db.execute(sql`analyze`);
  const [web] = await db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.name, 'web'));
  pipelineId = web.id;
  const [row] = await db
    .select({ actorId: runs.triggeredBy })
    .from(runs)
    .where(and(eq(runs.pipelineId, pipelineId), sql`${runs.triggeredBy} is not null`))
    .limit(1);
  actorId = row.actorId!;
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

/** Plans of every statement `read` sends. */
async function plansOf(read: (capturing: Db) => Promise<unknown>) {
  const statements = await statementsOf(database, read);
  return Promise.all(statements.map((s: Statement) => explainPlan(database, s, { settings: PRICED_OUT })));
}

function nodes(plan: PlanNode): PlanNode[] {
  return [plan, ...(plan.Plans ?? []).flatMap(nodes)];
}

const SORTS = new Set(['Sort', 'Incremental Sort']);

/**
 * Scans of `table` in a node's subtree that no Limit bounds below it: the rows
 * a Sort there would order. A lookup by primary key is one row and does not count.
 */
function unboundedScans(node: PlanNode, table: string): PlanNode[] {
  if (node['Node Type'] === 'Limit') return [];
  const own = node['Relation Name'] === table && node['Index Name'] !== `${table}_pkey` ? [node] : [];
  return [...own, ...(node.Plans ?? []).flatMap((child) => unboundedScans(child, table))];
}

/**
 * The plan reads `table` through `index` in order (an index scan, not a
 * bitmap scan, which loses the order), never scans the table whole, and
 * sorts none of its rows except after a Limit bounded them.
 */
function expectReadsInOrder(plans: PlanNode[], table: string, index: string | string[]) {
  const indexes = [index].flat();
  const all = plans.flatMap(nodes);
  const scans = all.filter((n) => n['Relation Name'] === table);
  const described = JSON.stringify(plans, null, 1);
  expect(
    scans.some((n) => indexes.includes(String(n['Index Name'])) && ['Index Scan', 'Index Only Scan'].includes(n['Node Type'])),
    `${table} read through ${indexes.join(' or ')}:\n${described}`,
  ).toBe(true);
  expect(
    scans.filter((n) => n['Node Type'] === 'Seq Scan' || n['Node Type'] === 'Bitmap Heap Scan'),
    described,
  ).toEqual([]);
  for (const sort of all.filter((n) => SORTS.has(n['Node Type']))) {
    expect(unboundedScans(sort, table), `a Sort above the scan of ${table}:\n${described}`).toEqual([]);
  }
}

/** The cursor listRuns gives out after the row half-way down the list. */
async function midCursor(filter: Omit<RunListFilter, 'scope'>) {
  let cursor: string | null = null;
  let seen = 0;
  const [{ n }] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(runs)
    .where(
      and(
        filter.pipelineId ? eq(runs.pipelineId, filter.pipelineId) : undefined,
        filter.status ? eq(runs.status, filter.status) : undefined,
        filter.environment ? sql`exists (select 1 from work_items w where w.run_id = ${runs.id} and w.environment = ${filter.environment})` : undefined,
        filter.branch ? eq(runs.gitBranch, filter.branch) : undefined,
        filter.trigger ? eq(runs.trigger, filter.trigger as 'api') : undefined,
        filter.actorId ? eq(runs.triggeredBy, filter.actorId) : undefined,
      ),
    );
  while (seen < n / 2) {
    const page = await listRuns(db, { scope: SYSTEM_SCOPE, ...filter, cursor, limit: 3 });
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
    seen += page.items.length;
  }
  return cursor;
}

describe('history lists read their index in order', () => {
  const since = () => new Date(Date.now() - 30 * 86400_000);
  // With a time bound, walking the time index and filtering by the other
  // column is also in order, and on a history this small sometimes cheaper:
  // either is accepted, a sort or a whole-table scan is not.
  const cases: [string, () => Omit<RunListFilter, 'scope'>, string | string[]][] = [
    ['no filter', () => ({}), 'runs_created_idx'],
    ['pipeline', () => ({ pipelineId }), 'runs_pipeline_created_idx'],
    // Two filters: the index of both, or an in-order index of one with the other as a filter
    // (the planner's pick on a small random history varies from seed to seed).
    ['pipeline + status', () => ({ pipelineId, status: 'failed' }), ['runs_pipeline_status_created_idx', 'runs_status_created_idx', 'runs_pipeline_created_idx']],
    ['pipeline + branch', () => ({ pipelineId, branch: 'main' }), ['runs_pipeline_branch_created_idx', 'runs_pipeline_created_idx']],
    ['pipeline + trigger', () => ({ pipelineId, trigger: 'api' }), ['runs_pipeline_trigger_created_idx', 'runs_pipeline_created_idx']],
    ['pipeline + actor', () => ({ pipelineId, actorId }), ['runs_pipeline_actor_created_idx', 'runs_pipeline_created_idx']],
    ['status', () => ({ status: 'failed' }), 'runs_status_created_idx'],
    // Any step of the run deploys there (one work_items probe per run): the runs are read newest first.
    ['environment', () => ({ environment: 'production' }), 'runs_created_idx'],
    ['pipeline + since/until', () => ({ pipelineId, since: since(), until: new Date().toISOString() }), ['runs_pipeline_created_idx', 'runs_created_idx']],
    ['status + since/until', () => ({ status: 'failed', since: since(), until: new Date().toISOString() }), ['runs_status_created_idx', 'runs_created_idx']],
    // The all-runs page (/runs): filters without a pipeline. Branch, trigger and
    // who have no index of their own across pipelines: they walk the time index
    // in order and filter (no sort; a rare value reads far, see the report).
    ['branch, every pipeline', () => ({ branch: 'main' }), 'runs_created_idx'],
    ['trigger, every pipeline', () => ({ trigger: 'api' }), 'runs_created_idx'],
    ['actor, every pipeline', () => ({ actorId }), 'runs_created_idx'],
    ['environment + status', () => ({ environment: 'staging', status: 'failed' }), ['runs_status_created_idx', 'runs_created_idx']],
    ['environment + since/until', () => ({ environment: 'staging', since: since(), until: new Date().toISOString() }), 'runs_created_idx'],
  ];
  for (const [name, filterOf, index] of cases) {
    it(`listRuns, ${name}: page 1 and a page half-way down`, async () => {
      const filter = filterOf();
      const cursor = await midCursor(filter);
      expect(cursor, 'the seeded list spans several pages').toBeTruthy();
      expectReadsInOrder(await plansOf((c) => listRuns(c, { scope: SYSTEM_SCOPE, ...filter, limit: 25 })), 'runs', index);
      expectReadsInOrder(await plansOf((c) => listRuns(c, { scope: SYSTEM_SCOPE, ...filter, limit: 25, cursor })), 'runs', index);
    });
  }

  it("a reader's projects: the project index, or the time index filtered by project, in order", async () => {
    const [{ projectId }] = await db.select({ projectId: pipelines.projectId }).from(pipelines).where(eq(pipelines.id, pipelineId));
    const scope = { all: false as const, projectIds: [projectId] };
    expectReadsInOrder(await plansOf((c) => listRuns(c, { scope, limit: 25 })), 'runs', ['runs_project_created_idx', 'runs_created_idx']);
    expectReadsInOrder(await plansOf((c) => listRuns(c, { scope, status: 'failed', limit: 25 })), 'runs', ['runs_project_created_idx', 'runs_status_created_idx', 'runs_created_idx']);
  });

  it('the header search: a number probes each pipeline by number, an id reads the primary key', async () => {
    const [run] = await db.select({ id: runs.id }).from(runs).limit(1);
    const indexesOf = (plans: PlanNode[]) => {
      const scans = plans.flatMap(nodes).filter((n) => n['Relation Name'] === 'runs');
      expect(scans.filter((n) => n['Node Type'] === 'Seq Scan'), JSON.stringify(plans, null, 1)).toEqual([]);
      return scans.map((n) => n['Index Name']);
    };
    expect(indexesOf(await plansOf((c) => searchRuns(c, SYSTEM_SCOPE, 'web #12')))).toContain('runs_pipeline_number_idx');
    expect(indexesOf(await plansOf((c) => searchRuns(c, SYSTEM_SCOPE, run.id)))).toContain('runs_pkey');
    // A commit prefix matches a few runs, sorted after the lookup: sorting allowed here.
    const [withCommit] = await db.select({ commit: runs.gitCommit }).from(runs).where(sql`${runs.gitCommit} is not null`).limit(1);
    const commitStatements = await statementsOf(database, (c) => searchRuns(c, SYSTEM_SCOPE, withCommit.commit!.slice(0, 7)));
    const commitPlans = await Promise.all(
      commitStatements.map((s: Statement) => explainPlan(database, s, { settings: ['enable_seqscan = off', 'random_page_cost = 1'] })),
    );
    expect(indexesOf(commitPlans)).toContain('runs_commit_prefix_idx');
  });

  it('the overview: failed runs of the last day, runs in flight, latest deployments', async () => {
    expectReadsInOrder(await plansOf((c) => listFailedRunsSince(c, SYSTEM_SCOPE, new Date(Date.now() - 86400_000))), 'runs', 'runs_status_created_idx');
    expectReadsInOrder(await plansOf((c) => listActiveRuns(c, SYSTEM_SCOPE)), 'runs', 'runs_active_created_idx');
    expectReadsInOrder(await plansOf((c) => latestDeployments(c, SYSTEM_SCOPE)), 'deployments', 'deployments_env_version_idx');
  });

  it("the pipelines view: each pipeline's last run and latest 20, a few index steps each", async () => {
    expectReadsInOrder(await plansOf((c) => listPipelines(c, SYSTEM_SCOPE)), 'runs', 'runs_pipeline_created_idx');
    const ids = (await db.select({ id: pipelines.id }).from(pipelines)).map((p) => p.id);
    expectReadsInOrder(await plansOf((c) => pipelinesHealth(c, ids)), 'runs', 'runs_pipeline_created_idx');
  });

  it("filter options skip from value to value; step medians read the pipeline's last 50 runs only", async () => {
    const options = await plansOf((c) => runFilterOptions(c, pipelineId));
    expectReadsInOrder([options[0]], 'runs', 'runs_pipeline_branch_created_idx');
    expectReadsInOrder([options[1]], 'runs', 'runs_pipeline_actor_created_idx');
    expectReadsInOrder(await plansOf((c) => stepMedianDurations(c, pipelineId)), 'runs', 'runs_pipeline_created_idx');
  });

  it('deployments and the audit, newest first, match their indexes', async () => {
    const [environment] = await db.select().from(environments).limit(1);
    const newest = [desc(deployments.createdAt), desc(deployments.id)] as const;
    const plan = (q: { toSQL(): { sql: string; params: unknown[] } }) => explainPlan(database, q.toSQL(), { settings: PRICED_OUT });
    expectReadsInOrder(
      [await plan(db.select().from(deployments).where(eq(deployments.environmentId, environment.id)).orderBy(...newest).limit(25))],
      'deployments',
      'deployments_env_created_idx',
    );
    expectReadsInOrder(
      [await plan(db.select().from(deployments).where(eq(deployments.projectId, environment.projectId)).orderBy(...newest).limit(25))],
      'deployments',
      'deployments_project_created_idx',
    );
    expectReadsInOrder(
      [await plan(db.select().from(auditEntries).orderBy(desc(auditEntries.createdAt), desc(auditEntries.id)).limit(25))],
      'audit_entries',
      'audit_created_idx',
    );
  });
});

describe('the rewritten reads answer as before', () => {
  it("filter options list every branch and person seen on the pipeline's runs", async () => {
    const options = await runFilterOptions(db, pipelineId);
    const branches = await db.selectDistinct({ b: runs.gitBranch }).from(runs).where(eq(runs.pipelineId, pipelineId));
    expect(options.branches).toEqual(branches.map((b) => b.b).filter((b): b is string => !!b).sort());
    const actors = await db.selectDistinct({ id: runs.triggeredBy }).from(runs).where(eq(runs.pipelineId, pipelineId));
    expect(options.actors.map((a) => a.id).sort()).toEqual(actors.map((a) => a.id).filter((id): id is string => !!id).sort());
    expect(options.actors.map((a) => a.name)).toEqual([...options.actors.map((a) => a.name)].sort((a, b) => a.localeCompare(b)));
  });

  it("the pipelines view's last run and latest 20 are each pipeline's newest, newest first", async () => {
    const listed = await listPipelines(db, SYSTEM_SCOPE);
    const health = await pipelinesHealth(db, listed.map((p) => p.id));
    for (const p of listed) {
      const newest = await db
        .select({ id: runs.id })
        .from(runs)
        .where(eq(runs.pipelineId, p.id))
        .orderBy(desc(runs.createdAt), desc(runs.id))
        .limit(20);
      expect(p.lastRun?.id).toBe(newest[0].id);
      expect(health.get(p.id)!.recent.map((r) => r.id)).toEqual(newest.map((r) => r.id));
    }
  });

  it('the latest deployment of each environment is its highest version', async () => {
    const latest = await latestDeployments(db, SYSTEM_SCOPE);
    const envs = await db.select().from(environments);
    expect(latest.map((l) => l.environment).sort()).toEqual(envs.map((e) => e.name).sort());
    for (const l of latest) {
      const env = envs.find((e) => e.name === l.environment)!;
      expect(l.deployment.version).toBe(env.lastVersion);
    }
  });

  it('a deep page continues exactly where the cursor says', async () => {
    const all = await db.select({ id: runs.id, at: sql<string>`${runs.createdAt}::text` }).from(runs).where(eq(runs.pipelineId, pipelineId)).orderBy(desc(runs.createdAt), desc(runs.id));
    const page = await listRuns(db, { scope: SYSTEM_SCOPE, pipelineId, limit: 25, cursor: encodeCursor(all[49].at, all[49].id) });
    expect(page.items.map((r) => r.id)).toEqual(all.slice(50, 75).map((r) => r.id));
  });
});
