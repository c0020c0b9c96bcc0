import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events, runs } from '@/db/schema';
import { triggerRun } from '../runs/trigger-run';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { claimAttempts } from './claim';
import { finishAttempts, type FinishRequest } from './finish-attempt';
import { settleRuns } from './settle-run';

// No worker runs: the test claims and finishes by hand, several attempts in one statement.
const PIPELINES = {
  'diamond.yaml': `
name: diamond
project: test
steps:
  - key: a
    run: ["true"]
  - key: b
    run: ["true"]
  - key: c
    needs: [a, b]
    inputs: { image: "\${{ steps.a.outputs.image }}" }
    run: ["true"]
  - key: d
    needs: [c]
    run: ["true"]
`,
};

const WORKER = 'test-worker';

describe('finishing several attempts in one statement', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(PIPELINES);
  }, 120_000);
  afterAll(() => f.close());

  async function startDiamond() {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('diamond') });
    // What earlier tests left queued is claimed too, and left alone.
    const claimed = (await claimAttempts(f.db, WORKER, 60_000, 10)).filter((c) => c.runId === run.id);
    expect(claimed.map((c) => c.key).sort()).toEqual(['a', 'b']);
    const request = (key: string, result: FinishRequest['result']): FinishRequest => ({
      context: claimed.find((c) => c.key === key)!,
      result,
      options: { workerId: WORKER },
    });
    return { run, request };
  }

  it('queues a step whose two needs finish together exactly once, with the inputs one of them resolves', async () => {
    const { run, request } = await startDiamond();
    const outcomes = await finishAttempts(f.db, [
      request('a', { status: 'succeeded', outputs: { image: 'app:7' } }),
      request('b', { status: 'succeeded', outputs: {} }),
    ]);
    expect(outcomes.map((o) => [o.finished, o.result])).toEqual([
      [true, 'succeeded'],
      [true, 'succeeded'],
    ]);
    const c = await f.item(run.id, 'c');
    expect(c).toMatchObject({ status: 'queued', unmetNeeds: 0, attemptCount: 1 });
    const [attempt] = await f.attemptsOf(c.id);
    expect(attempt).toMatchObject({ kind: 'initial', status: 'queued', inputs: { image: 'app:7' }, inputsPending: false });
    expect(await f.item(run.id, 'd')).toMatchObject({ status: 'pending', unmetNeeds: 1 });
    // Finishing again changes nothing: the attempts are no longer running.
    const again = await finishAttempts(f.db, [request('a', { status: 'failed' })]);
    expect(again[0].finished).toBe(false);
  });

  it('skips what is below a failure once, even when a need of it succeeded in the same statement', async () => {
    const { run, request } = await startDiamond();
    const outcomes = await finishAttempts(f.db, [
      request('a', { status: 'succeeded', outputs: { image: 'app:8' } }),
      request('b', { status: 'failed', error: { message: 'boom', exit_code: 1, classification: 'exit_code' } }),
    ]);
    expect(await f.item(run.id, 'c')).toMatchObject({ status: 'skipped', attemptCount: 0 });
    expect(await f.item(run.id, 'd')).toMatchObject({ status: 'skipped', attemptCount: 0 });
    // Nothing was left to do: the same statement ended the run, failed, and said so once.
    expect(outcomes.map((o) => o.runEnded)).toEqual([true, true]);
    const [ended] = await f.db.select().from(runs).where(eq(runs.id, run.id));
    expect(ended).toMatchObject({ status: 'failed' });
    expect(ended.finishedAt).not.toBeNull();
    const changes = await f.db.select().from(events).where(and(eq(events.runId, run.id), eq(events.type, 'run.status_changed')));
    expect(changes.map((e) => e.payload)).toContainEqual(expect.objectContaining({ status: 'failed', previous: 'running' }));
    expect(changes.filter((e) => e.payload.status === 'failed')).toHaveLength(1);
    expect(await settleRuns(f.db, [run.id])).toBe(0);
  });

  it('ends the run in the finish of its last unfinished step, not before', async () => {
    const { run, request } = await startDiamond();
    // b is still running: a's failure skips c and d, and the run goes on.
    const [first] = await finishAttempts(f.db, [
      request('a', { status: 'failed', error: { message: 'boom', exit_code: 1, classification: 'exit_code' } }),
    ]);
    expect(first).toMatchObject({ finished: true, runEnded: false });
    expect(await f.item(run.id, 'd')).toMatchObject({ status: 'skipped' });
    expect(await settleRuns(f.db, [run.id])).toBe(0);
    expect((await f.db.select().from(runs).where(eq(runs.id, run.id)))[0].status).toBe('running');
    // b's finish is the last: it ends the run.
    const [last] = await finishAttempts(f.db, [request('b', { status: 'succeeded', outputs: {} })]);
    expect(last).toMatchObject({ finished: true, runEnded: true });
    expect((await f.db.select().from(runs).where(eq(runs.id, run.id)))[0].status).toBe('failed');
  });

  it('finishes only what the caller holds: another worker’s attempt is left running', async () => {
    const { run, request } = await startDiamond();
    const theirs = request('b', { status: 'succeeded' });
    const outcomes = await finishAttempts(f.db, [
      request('a', { status: 'succeeded', outputs: { image: 'app:9' } }),
      { ...theirs, options: { workerId: 'someone-else' } },
    ]);
    expect(outcomes.map((o) => o.finished)).toEqual([true, false]);
    expect(await f.item(run.id, 'b')).toMatchObject({ status: 'running' });
    expect(await f.item(run.id, 'c')).toMatchObject({ status: 'pending', unmetNeeds: 1 });
  });
});
