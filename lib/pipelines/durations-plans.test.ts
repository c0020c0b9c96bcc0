import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database, Db } from '@/db/client';
import { pipelines } from '@/db/schema';
import { explainPlan, statementsOf } from '@/scripts/bench-history';
import { seedHistory } from '@/scripts/bench-seed';
import { createTestDatabase } from '../testing/test-db';
import { pipelineRunDurations, stepAttemptDurations } from './durations';

/**
 * The duration charts read a bounded slice of history, through indexes: the
 * pipeline's last runs by one backward walk of runs_pipeline_created_idx,
 * their attempts by attempts_run_idx (or by item), their items by
 * work_items_run_key_idx. Sequential scans are priced out, so a chart that
 * loses its index reads the whole table and fails here.
 */

type PlanNode = Awaited<ReturnType<typeof explainPlan>>;
const PRICED_OUT = ['enable_seqscan = off', 'random_page_cost = 1'];

let database: Database & { drop(): Promise<void> };
let pipelineId: string;

beforeAll(async () => {
  database = await createTestDatabase();
  await seedHistory(database.db, 600);
  await database.db.execute(sql`analyze`);
  const [web] = await database.db.select({ id: pipelines.id }).from(pipelines).where(eq(pipelines.name, 'web'));
  pipelineId = web.id;
}, 120_000);

afterAll(async () => {
  await database?.drop();
});

const nodes = (plan: PlanNode): PlanNode[] => [plan, ...(plan.Plans ?? []).flatMap(nodes)];

async function plansOf(read: (db: Db) => Promise<unknown>, count: number) {
  const statements = await statementsOf(database, read);
  expect(statements).toHaveLength(count);
  return Promise.all(statements.map((statement) => explainPlan(database, statement, { settings: PRICED_OUT })));
}

async function planOf(read: (db: Db) => Promise<unknown>) {
  return (await plansOf(read, 1))[0];
}

function expectIndexed(plan: PlanNode, expected: Record<string, string[]>, { bounded = true } = {}) {
  const all = nodes(plan);
  const described = JSON.stringify(plan, null, 1);
  for (const [table, indexes] of Object.entries(expected)) {
    const scans = all.filter((n) => n['Relation Name'] === table);
    expect(scans.length, `${table} is read:\n${described}`).toBeGreaterThan(0);
    for (const scan of scans) {
      expect(scan['Node Type'], `${table} read through an index:\n${described}`).not.toBe('Seq Scan');
      expect(indexes, `${table} read through ${indexes.join(' or ')}:\n${described}`).toContain(
        String(scan['Index Name']),
      );
    }
  }
  // The runs come from a Limit over the backward index scan: never all of the pipeline's runs.
  if (!bounded) return;
  const limits = all.filter((n) => n['Node Type'] === 'Limit');
  expect(
    limits.some((l) =>
      nodes(l).some(
        (n) =>
          n['Relation Name'] === 'runs' &&
          n['Index Name'] === 'runs_pipeline_created_idx' &&
          n['Scan Direction'] === 'Backward',
      ),
    ),
    `a Limit bounds the backward scan of runs_pipeline_created_idx:\n${described}`,
  ).toBe(true);
}

describe('duration charts read a bounded, indexed slice of history', () => {
  it("a pipeline's run durations: its last 50 runs, their attempts by run", async () => {
    const points = await pipelineRunDurations(database.db, pipelineId);
    expect(points).toHaveLength(50);
    expect(points.filter((p) => p.executionMs !== null).every((p) => p.executionMs! > 0 && p.stepsMs! > 0)).toBe(true);
    // Two statements: the runs and how their first run attempt ended, then
    // their execution times (lib/runs/execution-time.ts) by run.
    const [runsPlan, timesPlan] = await plansOf((db) => pipelineRunDurations(db, pipelineId), 2);
    expectIndexed(runsPlan, {
      runs: ['runs_pipeline_created_idx'],
      attempts: ['attempts_run_idx', 'attempts_item_number_idx'],
    });
    expectIndexed(timesPlan, { attempts: ['attempts_run_idx'] }, { bounded: false });
  });

  it("a step's durations: its attempts in the pipeline's last 50 runs", async () => {
    const points = await stepAttemptDurations(database.db, pipelineId, 'deploy-staging');
    expect(points.length).toBeGreaterThan(0);
    expect(points.length).toBeLessThanOrEqual(50);
    expectIndexed(await planOf((db) => stepAttemptDurations(db, pipelineId, 'deploy-staging')), {
      runs: ['runs_pipeline_created_idx'],
      work_items: ['work_items_run_key_idx'],
      attempts: ['attempts_item_number_idx', 'attempts_run_idx'],
    });
  });
});
