import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerRun } from '../runs/trigger-run';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';

const STEPS = 6;
const CHAIN = {
  'chain.yaml':
    'name: chain\nproject: test\nsteps:\n' +
    Array.from({ length: STEPS }, (_, i) => `  - key: s${i}\n${i ? `    needs: [s${i - 1}]\n` : ''}    run: ["true"]`).join('\n') +
    '\n',
};

describe('a step queued by a finish', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(CHAIN);
  }, 120_000);
  afterAll(() => f.close());

  // The worker's slot is free before the finish commits; what the finish
  // queued must still be claimed at once, not at the next poll. With a poll
  // of ten minutes, a chain that waited for it would never end in time.
  it('starts without waiting for the poll', async () => {
    await f.startWorker({ pollMs: 600_000, concurrency: 4 });
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('chain') });
    const ended = await f.waitForRun(run.id, undefined, 120_000);
    expect(ended.status).toBe('succeeded');
  }, 180_000);
});
