import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../engine/worker';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { replayItem } from './item-operations';
import { triggerRun } from './trigger-run';

// deploy succeeds only when its endpoint ends in /v1; `test` receives deploy's url output.
const PIPELINE = `
name: training
project: test
steps:
  - key: load
    run: ${countingStep('load')}
  - key: deploy
    needs: [load]
    inputs:
      model: "\${{ steps.load.outputs.from }}"
      endpoint: "http://models/v0"
      replicas: 2
    inputSchema:
      type: object
      required: [model, endpoint, replicas]
      properties:
        model: { type: string }
        endpoint: { type: string, pattern: "^https?://" }
        replicas: { type: integer, minimum: 1 }
    run: ["sh", "-c", "echo x >> __SCRATCH__/deploy.count; case \\"$REPRISE_INPUT_ENDPOINT\\" in */v1) printf '{\\"url\\":\\"%s\\"}' \\"$REPRISE_INPUT_ENDPOINT\\" > $REPRISE_OUTPUTS;; *) echo \\"404 from $REPRISE_INPUT_ENDPOINT\\" >&2; exit 1;; esac"]
  - key: test
    needs: [deploy]
    inputs:
      url: "\${{ steps.deploy.outputs.url }}"
      label: "testing \${{ steps.deploy.outputs.url }}"
    run: ${countingStep('test')}
`;

describe('replay', () => {
  let f: EngineFixture;
  let worker: RunningWorker;
  beforeAll(async () => {
    f = await engineFixture({ 'training.yaml': PIPELINE });
    worker = await f.startWorker();
  });
  afterAll(() => f.close());

  it('validates edited inputs, re-runs the step and everything downstream, and keeps upstream', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('training') });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    const deploy = await f.item(run.id, 'deploy');
    expect((await f.item(run.id, 'test')).status).toBe('skipped');
    const [first] = await f.attemptsOf(deploy.id);
    expect(first.inputs).toEqual({ model: 'load', endpoint: 'http://models/v0', replicas: 2 });

    const invalid = { model: 'load', endpoint: 'models/v1', replicas: 0 };
    const refusal = await replayItem(f.db, f.actor, run.id, deploy.id, { inputs: invalid }).catch((e) => e);
    expect(refusal).toMatchObject({ code: 'invalid_inputs', status: 422 });
    expect(refusal.details).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '/endpoint' }),
        expect.objectContaining({ path: '/replicas' }),
      ]),
    );
    const missing = await replayItem(f.db, f.actor, run.id, deploy.id, { inputs: { endpoint: 'http://x/v1' } }).catch((e) => e);
    expect(missing.details).toEqual(expect.arrayContaining([{ path: '/model', message: 'is required' }]));
    expect(await f.attemptsOf(deploy.id)).toHaveLength(1); // nothing was created by the refusals

    const fixed = { ...first.inputs, endpoint: 'http://models/v1' };
    const attempt = await replayItem(f.db, f.actor, run.id, deploy.id, { inputs: fixed, reason: 'wrong endpoint' });
    expect(attempt).toMatchObject({ kind: 'replay', number: 2, retryOf: first.id, runAttempt: 2, reason: 'wrong endpoint' });
    expect(attempt.inputDiff).toEqual([{ path: '/endpoint', before: 'http://models/v0', after: 'http://models/v1' }]);
    expect(attempt.inputOverrides).toEqual(fixed);

    const done = await f.waitForRun(run.id);
    expect(done).toMatchObject({ status: 'succeeded', attempt: 2 });
    expect([f.executions('load'), f.executions('deploy'), f.executions('test')]).toEqual([1, 2, 1]);
    const testItem = await f.item(run.id, 'test');
    const [testAttempt] = await f.attemptsOf(testItem.id);
    expect(testAttempt.inputs).toEqual({ url: 'http://models/v1', label: 'testing http://models/v1' });
    expect(testAttempt.triggeredBy).toBe(f.actor.userId);
    expect(testAttempt.reason).toBe('wrong endpoint');
  });

  it('replays a succeeded step again: downstream re-runs as "rerun" with re-resolved inputs', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('training') });
    await f.waitForRun(run.id);
    const deploy = await f.item(run.id, 'deploy');
    const [first] = await f.attemptsOf(deploy.id);
    await replayItem(f.db, f.actor, run.id, deploy.id, { inputs: { ...first.inputs, endpoint: 'http://a/v1' } });
    await f.waitForRun(run.id);
    await replayItem(f.db, f.actor, run.id, deploy.id, { inputs: { ...first.inputs, endpoint: 'http://b/v1' } });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');

    const testItem = await f.item(run.id, 'test');
    const testAttempts = await f.attemptsOf(testItem.id);
    expect(testAttempts.map((a) => [a.kind, a.status, a.inputs.url])).toEqual([
      ['initial', 'succeeded', 'http://a/v1'],
      ['rerun', 'succeeded', 'http://b/v1'],
    ]);
    expect(testAttempts[1].retryOf).toBe(testAttempts[0].id);
    const loadItem = await f.item(run.id, 'load');
    expect(await f.attemptsOf(loadItem.id)).toHaveLength(1);
  });

  it('refuses a replay while the run is in progress, and lets one of many concurrent replays win', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('training') });
    await f.waitForRun(run.id);
    const deploy = await f.item(run.id, 'deploy');
    const [first] = await f.attemptsOf(deploy.id);
    const inputs = { ...first.inputs, endpoint: 'http://c/v1' };
    // No worker while they race: the winner's run stays in progress however
    // slowly the others reach the database (a finished run could be replayed again).
    await worker.stop();
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () => replayItem(f.db, f.actor, run.id, deploy.id, { inputs })),
    );
    worker = await f.startWorker();
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r): r is PromiseRejectedResult => r.status === 'rejected')) {
      expect(r.reason).toMatchObject({ status: 409 });
      expect(r.reason.message).toMatch(/^Already replayed by Tester/);
    }
    await f.waitForRun(run.id);
    expect(await f.attemptsOf(deploy.id)).toHaveLength(2);
  });
});
