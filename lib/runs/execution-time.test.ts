import fs from 'node:fs';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, runs } from '@/db/schema';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import { cancelRun } from './cancel-run';
import { executionTime, executionTimes, medianMs } from './execution-time';
import { pipelinesHealth } from './queries';
import { retryRun } from './retry-run';
import { triggerRun } from './trigger-run';

/** A step that waits while the scratch folder holds a file named hold: a run still at work to cancel. */
const HOLD = 'while [ -e __SCRATCH__/hold ]; do sleep 0.1; done;';
const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s));

describe('execution time of a run attempt', () => {
  it('runs from its first step start to its last step end, and adds up the time in steps', () => {
    const history = [
      { runAttempt: 1, startedAt: at(0), finishedAt: at(2) },
      { runAttempt: 1, startedAt: at(2), finishedAt: at(5) },
      // Two parallel steps: 4 s of wall time, 7 s in steps.
      { runAttempt: 2, startedAt: at(3600), finishedAt: at(3604) },
      { runAttempt: 2, startedAt: at(3601), finishedAt: at(3604) },
      // A step a rollback reused never ran here.
      { runAttempt: 2, startedAt: at(0), finishedAt: at(0), reusedFrom: 'x' },
    ];
    expect(executionTime(history, 1)).toMatchObject({ startedAt: at(0), finishedAt: at(5), wallMs: 5000, stepsMs: 5000 });
    expect(executionTime(history, 2)).toMatchObject({ startedAt: at(3600), finishedAt: at(3604), wallMs: 4000, stepsMs: 7000 });
  });

  it('counts up to now while a step runs, is not over while a step waits, and is empty before any start', () => {
    const history = [
      { runAttempt: 1, startedAt: at(0), finishedAt: at(2) },
      { runAttempt: 1, startedAt: at(2), finishedAt: null },
      { runAttempt: 1, startedAt: null, finishedAt: null },
    ];
    expect(executionTime(history, 1, { now: at(10) })).toMatchObject({ finishedAt: null, wallMs: 10_000, stepsMs: 10_000 });
    const done = history.slice(0, 1);
    expect(executionTime(done, 1, { now: at(10), ongoing: true })).toMatchObject({ finishedAt: null, wallMs: 10_000 });
    expect(executionTime([], 1)).toMatchObject({ startedAt: null, wallMs: null, stepsMs: 0 });
  });

  it('takes the lower middle as the median', () => {
    expect(medianMs([])).toBeNull();
    expect(medianMs([3, 1, 2])).toBe(2);
    expect(medianMs([4, 1, 3, 2])).toBe(2);
  });
});

describe('execution times read from the database', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({
      'timed.yaml': `
name: timed
project: test
steps:
  - key: build
    run: ${countingStep('build', HOLD)}
  - key: deploy
    needs: [build]
    run: ${countingStep('deploy')}
`,
    });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('measures a retry hours later by its own run attempt, not from the run’s creation', async () => {
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('timed') });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    // The first attempt happened three hours ago (history rewritten past the
    // guard that keeps finished attempts unchanged, as waiting would be slow).
    const hours = sql`interval '3 hours'`;
    await f.db.transaction(async (tx) => {
      await tx.execute(sql`alter table attempts disable trigger attempts_immutable_when_finished`);
      await tx
        .update(attempts)
        .set({ startedAt: sql`${attempts.startedAt} - ${hours}`, finishedAt: sql`${attempts.finishedAt} - ${hours}` })
        .where(eq(attempts.runId, run.id));
      await tx.execute(sql`alter table attempts enable trigger attempts_immutable_when_finished`);
    });
    await f.db
      .update(runs)
      .set({ createdAt: sql`${runs.createdAt} - ${hours}`, startedAt: sql`${runs.startedAt} - ${hours}` })
      .where(eq(runs.id, run.id));

    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    await retryRun(f.db, f.actor, run.id);
    const done = await f.waitForRun(run.id);
    expect(done.finishedAt!.getTime() - done.createdAt.getTime()).toBeGreaterThan(3 * 3600_000);

    const second = (await executionTimes(f.db, new Map([[run.id, 2]]))).get(run.id)!;
    expect(second.runAttempt).toBe(2);
    expect(second.finishedAt).not.toBeNull();
    expect(second.wallMs).toBeLessThan(10 * 60_000);
    expect(second.stepsMs).toBeLessThanOrEqual(second.wallMs!);

    const first = (await executionTimes(f.db, new Map([[run.id, 1]]))).get(run.id)!;
    expect(first.wallMs).toBeLessThan(10 * 60_000);
    // build and deploy ran one after the other in run attempt 1.
    const rows = await f.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.runId, run.id), eq(attempts.runAttempt, 1)));
    expect(first).toEqual(executionTime(rows, 1));
  });

  it('leaves a run attempt still at work open', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('timed') });
    await f.waitForRun(run.id);
    const open = (await executionTimes(f.db, new Map([[run.id, 1]]), { ongoing: new Set([run.id]) })).get(run.id)!;
    expect(open.finishedAt).toBeNull();
    const closed = (await executionTimes(f.db, new Map([[run.id, 1]]))).get(run.id)!;
    expect(closed.finishedAt).not.toBeNull();
  });

  it('gives a pipeline the median of its first-try successes and counts a cancelled run as not succeeded', async () => {
    const pipelineId = await f.pipelineId('timed');
    fs.writeFileSync(path.join(f.scratch, 'hold'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId });
    await cancelRun(f.db, f.actor, run.id);
    await f.waitForRun(run.id);
    fs.rmSync(path.join(f.scratch, 'hold'));
    const health = (await pipelinesHealth(f.db, [pipelineId])).get(pipelineId)!;
    expect(health.recent[0]).toMatchObject({ id: run.id, status: 'cancelled' });
    // The retried run hours later, the first-try success, the cancelled run.
    expect(health.finishedCount).toBe(3);
    expect(health.successRate).toBeCloseTo(2 / 3);
    // Only the run that succeeded at once is measured: seconds, not the retried run's hours.
    const firstTry = health.recent.find((r) => r.status === 'succeeded' && r.attempt === 1)!;
    expect(health.medianMs).toBe((await executionTimes(f.db, new Map([[firstTry.id, 1]]))).get(firstTry.id)!.wallMs);
    expect(health.medianMs).toBeLessThan(10 * 60_000);
  });

  it('counts a step still running up to now, in SQL as in memory', async () => {
    fs.writeFileSync(path.join(f.scratch, 'hold'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('timed') });
    await f.waitForRun(run.id, (s) => s === 'running');
    await waitFor('build to start', async () => {
      const rows = await f.db.select().from(attempts).where(eq(attempts.runId, run.id));
      return rows.some((a) => a.startedAt) ? rows : null;
    });
    const now = new Date(Date.now() + 60_000);
    const rows = await f.db.select().from(attempts).where(eq(attempts.runId, run.id));
    const fromSql = (await executionTimes(f.db, new Map([[run.id, 1]]), { now, ongoing: new Set([run.id]) })).get(run.id)!;
    expect(fromSql).toEqual(executionTime(rows, 1, { now, ongoing: true }));
    expect(fromSql.stepsMs).toBeGreaterThanOrEqual(60_000);
    fs.rmSync(path.join(f.scratch, 'hold'));
    await f.waitForRun(run.id);
  });
});
