import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, runs, workItems } from '@/db/schema';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { triggerRun } from '../runs/trigger-run';

const STEPS = 300;

/** A fixed pseudo-random DAG: each step needs up to 3 earlier steps. */
function randomDag(seed: number) {
  let state = seed;
  const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: STEPS }, (_, i) => {
    const needs = new Set<number>();
    if (i > 0) for (let k = Math.floor(next() * 4); k > 0; k--) needs.add(Math.floor(next() * i));
    return { key: `s${i}`, needs: [...needs].map((n) => `s${n}`) };
  });
}

const dag = randomDag(20261123);
const PIPELINE = `
name: dag
project: test
steps:
${dag
  .map(
    (s) => `  - key: ${s.key}
    needs: [${s.needs.join(', ')}]
    run: ["sh", "-c", "echo ${s.key} >> __SCRATCH__/order.log"]`,
  )
  .join('\n')}
`;

describe('a run of 300 steps with random needs, several workers', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'dag.yaml': PIPELINE }, { concurrency: 4, leaseMs: 30_000 });
    await Promise.all([f.startWorker(), f.startWorker(), f.startWorker()]);
  });
  afterAll(() => f.close());

  it('runs every step exactly once, each after all its needs, and the run succeeds', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('dag') });
    expect((await f.waitForRun(run.id, undefined, 240_000)).status).toBe('succeeded');

    const order = fs.readFileSync(path.join(f.scratch, 'order.log'), 'utf8').trim().split('\n');
    expect(order).toHaveLength(STEPS);
    expect(new Set(order).size).toBe(STEPS);
    const position = new Map(order.map((key, i) => [key, i]));
    for (const step of dag) for (const need of step.needs) expect(position.get(need)!).toBeLessThan(position.get(step.key)!);

    // The database agrees: one succeeded attempt per item, started after its needs finished.
    const rows = await f.db
      .select({ key: workItems.key, status: attempts.status, startedAt: attempts.startedAt, finishedAt: attempts.finishedAt, workerId: attempts.workerId })
      .from(attempts)
      .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
      .where(eq(attempts.runId, run.id));
    expect(rows).toHaveLength(STEPS);
    expect(rows.every((r) => r.status === 'succeeded')).toBe(true);
    const byKey = new Map(rows.map((r) => [r.key, r]));
    for (const step of dag) {
      for (const need of step.needs) {
        expect(byKey.get(step.key)!.startedAt!.getTime()).toBeGreaterThanOrEqual(byKey.get(need)!.finishedAt!.getTime());
      }
    }
    expect(new Set(rows.map((r) => r.workerId)).size).toBeGreaterThan(1);
    // Ended once, by the finisher that came last, after every step had finished.
    const [ended] = await f.db.select().from(runs).where(eq(runs.id, run.id));
    expect(ended.status).toBe('succeeded');
    expect(ended.finishedAt!.getTime()).toBeGreaterThanOrEqual(Math.max(...rows.map((r) => r.finishedAt!.getTime())));
  }, 300_000);
});
