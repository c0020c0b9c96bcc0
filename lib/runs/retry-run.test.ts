import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { DomainError } from '../errors';
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
    run: ${countingStep('test')}
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
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => retryRun(f.db, f.actor, run.id)));
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(19);
    for (const r of lost) expect(r.reason).toMatchObject({ code: 'conflict', status: 409 });
    expect(lost[0].reason.message).toMatch(/already retried by Tester/);
    await f.waitForRun(run.id);
    const test = await f.item(run.id, 'test');
    expect((await f.attemptsOf(test.id)).map((a) => a.kind)).toEqual(['initial', 'retry']);
  });
});
