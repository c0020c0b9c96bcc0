import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryRun } from '../runs/retry-run';
import { triggerRun } from '../runs/trigger-run';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { loadRunView } from './run';

describe('the run page at an earlier run attempt', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({
      'attempts.yaml': `
name: attempts
project: test
steps:
  - key: build
    run: ${countingStep('build')}
  - key: deploy
    needs: [build]
    run: ${countingStep('deploy')}
  - key: notify
    needs: [deploy]
    run: ${countingStep('notify')}
`,
    });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('shows one run attempt in the header, the graph and the steps', async () => {
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('attempts') });
    await f.waitForRun(run.id);
    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    await retryRun(f.db, f.actor, run.id);
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');

    const first = await loadRunView(f.db, { runId: run.id, attempt: '1' });
    expect(first.shown).toMatchObject({ attempt: 1, current: false, status: 'failed' });
    const statuses = [
      ['build', 'succeeded'],
      ['deploy', 'failed'],
      ['notify', 'skipped'],
    ];
    expect(first.nodes.map((n) => [n.key, n.status])).toEqual(statuses);
    expect(first.steps.map((s) => [s.key, s.status])).toEqual(statuses);
    expect(first.steps.map((s) => s.attemptCount)).toEqual([1, 1, 0]);
    expect(first.steps[1].latest).toMatchObject({ kind: 'initial', error: expect.stringContaining('exit') });
    // An earlier attempt is history: nothing to retry there.
    expect(first.steps.every((s) => s.retry === null && s.waiting === null)).toBe(true);
    expect(first.shown.finishedAt).not.toBeNull();

    const latest = await loadRunView(f.db, { runId: run.id });
    expect(latest.shown).toMatchObject({ attempt: 2, current: true, status: 'succeeded' });
    const succeeded = ['build', 'deploy', 'notify'].map((k) => [k, 'succeeded']);
    expect(latest.nodes.map((n) => [n.key, n.status])).toEqual(succeeded);
    expect(latest.steps.map((s) => [s.key, s.status])).toEqual(succeeded);
    expect(latest.steps.map((s) => s.attemptCount)).toEqual([1, 2, 1]);
    // Run attempt 2 ran deploy and notify only: it started after attempt 1 ended.
    expect(new Date(latest.shown.startedAt!).getTime()).toBeGreaterThanOrEqual(new Date(first.shown.finishedAt!).getTime());
  });
});
