import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { DomainError } from '../errors';
import { retryRuns } from './bulk-retry';
import { planRetry } from './retry-plan';
import { stepMedianDurations } from './queries';
import { retryRun } from './retry-run';
import { triggerRun } from './trigger-run';

const PIPELINE = `
name: chain
project: test
steps:
  - key: build
    run: ${countingStep('build')}
  - key: test
    needs: [build]
    run: ${countingStep('test', 'while [ -e __SCRATCH__/test.hold ]; do sleep 0.05; done;')}
  - key: deploy
    needs: [test]
    inputs:
      from: "\${{ steps.test.outputs.from }}"
    run: ${countingStep('deploy')}
  - key: notify
    needs: [deploy]
    run: ${countingStep('notify')}
`;

describe('retry', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'chain.yaml': PIPELINE });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('re-runs only the failed step and what it skipped, keeping succeeded steps', async () => {
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('chain') });
    const failed = await f.waitForRun(run.id);
    expect(failed.status).toBe('failed');
    expect((await f.items(run.id)).map((i) => [i.key, i.status])).toEqual([
      ['build', 'succeeded'],
      ['test', 'succeeded'],
      ['deploy', 'failed'],
      ['notify', 'skipped'],
    ]);

    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    const retried = await retryRun(f.db, f.actor, run.id, { reason: 'flaky registry' });
    expect(retried.attempt).toBe(2);
    const done = await f.waitForRun(run.id);
    expect(done.status).toBe('succeeded');
    expect(done.attempt).toBe(2);
    expect([f.executions('build'), f.executions('test'), f.executions('deploy'), f.executions('notify')]).toEqual([
      1, 1, 2, 1,
    ]);

    const deploy = await f.item(run.id, 'deploy');
    const history = await f.attemptsOf(deploy.id);
    expect(history.map((a) => [a.number, a.kind, a.status, a.runAttempt])).toEqual([
      [1, 'initial', 'failed', 1],
      [2, 'retry', 'succeeded', 2],
    ]);
    expect(history[1].retryOf).toBe(history[0].id);
    expect(history[1].inputs).toEqual(history[0].inputs);
    expect(history[1].reason).toBe('flaky registry');
    expect(history[1].triggeredBy).toBe(f.actor.userId);
    expect(history[0].error).toMatchObject({ exit_code: 3, classification: 'exit_code' });
  });

  it('refuses a succeeded run (400) and an unknown one (404)', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('chain') });
    await f.waitForRun(run.id);
    await expect(retryRun(f.db, f.actor, run.id)).rejects.toMatchObject({ code: 'wrong_state', status: 400 });
    await expect(retryRun(f.db, f.actor, '00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(DomainError);
  });

  it('lets exactly one of 20 concurrent retries win', async () => {
    fs.writeFileSync(path.join(f.scratch, 'test.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('chain') });
    await f.waitForRun(run.id);
    fs.rmSync(path.join(f.scratch, 'test.fail'));
    // The winner's step waits until every retry has answered: a run that finished in between would
    // (rightly) answer 'nothing to retry' instead of 'already retried'.
    fs.writeFileSync(path.join(f.scratch, 'test.hold'), '');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => retryRun(f.db, f.actor, run.id)));
    fs.rmSync(path.join(f.scratch, 'test.hold'));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect(r.reason).toMatchObject({ code: 'conflict', status: 409 });
    expect(lost[0].reason.message).toMatch(/^Already retried by Tester \d+ (just now|\d+ s ago)/);
    await f.waitForRun(run.id);
    const test = await f.item(run.id, 'test');
    expect((await f.attemptsOf(test.id)).map((a) => a.kind)).toEqual(['initial', 'retry']);
  });
});

describe('retry plan', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'chain.yaml': PIPELINE });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('previews exactly what the retry then does, and refuses a retry made for an older plan', async () => {
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('chain') });
    await f.waitForRun(run.id);
    const plan = await planRetry(f.db, run.id);
    expect(plan).toMatchObject({ allowed: true, runAttempt: 1, definition: { changed: false, sameStructure: true } });
    expect(plan.retry).toEqual([
      { key: 'deploy', title: 'deploy', status: 'failed', attempt: 1, error: 'Step exited with code 3: boom' },
    ]);
    expect(plan.rerun.map((s) => s.key)).toEqual(['notify']);
    expect(plan.kept.map((s) => [s.key, s.outputs])).toEqual([
      ['build', { from: 'build', n: 1 }],
      ['test', { from: 'test', n: 1 }],
    ]);

    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    await retryRun(f.db, f.actor, run.id, { expectedAttempt: plan.runAttempt });
    await f.waitForRun(run.id);
    const items = await f.items(run.id);
    const retried = items.filter((i) => i.attemptCount > 1).map((i) => i.key);
    expect(retried).toEqual(plan.retry.map((s) => s.key));

    const stale = await retryRun(f.db, f.actor, run.id, { expectedAttempt: 1 }).catch((e) => e);
    expect(stale).toMatchObject({ status: 409 });
    expect((await planRetry(f.db, run.id)).allowed).toBe(false);
  });
});

describe('bulk retry', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'chain.yaml': PIPELINE });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('retries each failed run and reports a result per run', async () => {
    fs.writeFileSync(path.join(f.scratch, 'build.fail'), '');
    const pipelineId = await f.pipelineId('chain');
    const failed = [];
    for (let i = 0; i < 3; i++) failed.push(await triggerRun(f.db, f.actor, { pipelineId }));
    for (const run of failed) await f.waitForRun(run.id);
    fs.rmSync(path.join(f.scratch, 'build.fail'));
    const succeeded = await triggerRun(f.db, f.actor, { pipelineId });
    await f.waitForRun(succeeded.id);

    const results = await retryRuns(f.db, f.actor, [...failed.map((r) => r.id), succeeded.id, failed[0].id, 'nope'], 'bulk');
    expect(results.map((r) => [r.runId, r.ok, r.error?.status])).toEqual([
      [failed[0].id, true, undefined],
      [failed[1].id, true, undefined],
      [failed[2].id, true, undefined],
      [succeeded.id, false, 400],
      ['nope', false, 404],
    ]);
    for (const run of failed) expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    await expect(retryRuns(f.db, f.actor, Array.from({ length: 51 }, (_, i) => `${i}`))).rejects.toMatchObject({ status: 400 });
  });
});

describe('step durations', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'chain.yaml': PIPELINE });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('gives the median of each step’s successful attempts, for progress bars', async () => {
    const pipelineId = await f.pipelineId('chain');
    for (let i = 0; i < 3; i++) await f.waitForRun((await triggerRun(f.db, f.actor, { pipelineId })).id);
    const medians = await stepMedianDurations(f.db, pipelineId);
    expect([...medians.keys()].sort()).toEqual(['build', 'deploy', 'notify', 'test']);
    for (const ms of medians.values()) {
      expect(ms).toBeGreaterThan(0);
      expect(ms).toBeLessThan(10_000);
    }
  });
});
