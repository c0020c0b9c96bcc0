import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_SCOPE } from '../auth/permissions';
import { cancelRun } from '../runs/cancel-run';
import { retryRun } from '../runs/retry-run';
import { triggerRun } from '../runs/trigger-run';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { loadOverview } from './overview';

/** The step waits while the scratch folder holds a file named hold: a run still at work to cancel. */
const HOLD = 'while [ -e __SCRATCH__/hold ]; do sleep 0.1; done;';

describe('the home page counts every failure of the last day', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({
      'home.yaml': `
name: home
project: test
steps:
  - key: deploy
    run: ${countingStep('deploy', HOLD)}
`,
    });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('lists failed and cancelled runs as failing, and failed runs retried since as "failed, then retried"', async () => {
    const pipelineId = await f.pipelineId('home');
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const retried = await triggerRun(f.db, f.actor, { pipelineId });
    await f.waitForRun(retried.id);
    const failed = await triggerRun(f.db, f.actor, { pipelineId });
    await f.waitForRun(failed.id);
    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    await retryRun(f.db, f.actor, retried.id);
    expect((await f.waitForRun(retried.id)).status).toBe('succeeded');
    fs.writeFileSync(path.join(f.scratch, 'hold'), '');
    const cancelled = await triggerRun(f.db, f.actor, { pipelineId });
    await cancelRun(f.db, f.actor, cancelled.id);
    expect((await f.waitForRun(cancelled.id)).status).toBe('cancelled');
    fs.rmSync(path.join(f.scratch, 'hold'));
    const fine = await triggerRun(f.db, f.actor, { pipelineId });
    await f.waitForRun(fine.id);

    const home = await loadOverview(f.db, SYSTEM_SCOPE);
    expect(home.failing).toHaveLength(1);
    expect(home.failing[0].runs.map((r) => [r.id, r.status])).toEqual([
      [cancelled.id, 'cancelled'],
      [failed.id, 'failed'],
    ]);
    expect(home.retried.map((r) => [r.id, r.status, r.attempt])).toEqual([[retried.id, 'succeeded', 2]]);
  });
});
