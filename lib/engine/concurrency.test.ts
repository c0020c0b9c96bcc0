import fs from 'node:fs';
import path from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, concurrencyGroups, workItems } from '@/db/schema';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import { listAttempts } from '../runs/queries';
import { triggerRun } from '../runs/trigger-run';
import { waitingReasons } from './concurrency';

// Each step notes how many steps of the group run at that moment, as the steps
// themselves see it: a marker file per running step, counted while it holds.
const grouped = (key: string, group: string) => `
  - key: ${key}
    concurrency: { group: "${group}", limit: 2 }
    run: ["sh", "-c", "touch __SCRATCH__/running.$REPRISE_RUN_ID.${key}; ls __SCRATCH__ | grep -c '^running\\\\.' >> __SCRATCH__/seen.log; sleep 0.4; rm __SCRATCH__/running.$REPRISE_RUN_ID.${key}"]`;

const PIPELINES = {
  'migrations.yaml': `
name: migrations
project: test
params:
  type: object
  properties:
    db: { type: string, default: "main" }
steps:${Array.from({ length: 6 }, (_, i) => grouped(`m${i}`, 'migrate-${{ params.db }}')).join('')}
`,
  'deploy.yaml': `
name: deploy
project: test
steps:
  - key: build
    run: ["true"]
  - key: staging
    needs: [build]
    environment: staging
    run: ["sh", "-c", "touch __SCRATCH__/staging.$REPRISE_RUN_ID; while [ -e __SCRATCH__/hold-staging ]; do sleep 0.05; done"]
`,
  'other.yaml': `
name: other
project: test
steps:
  - key: quick
    run: ["true"]
`,
};

describe('concurrency groups', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(PIPELINES, { concurrency: 4, leaseMs: 30_000 });
    // Two workers: the limit holds across workers, not only within one.
    await Promise.all([f.startWorker(), f.startWorker()]);
  });
  afterAll(() => f.close());

  it('never runs more than the limit at once, across workers', async () => {
    const pipelineId = await f.pipelineId('migrations');
    const [a, b] = await Promise.all([triggerRun(f.db, f.actor, { pipelineId }), triggerRun(f.db, f.actor, { pipelineId })]);
    await Promise.all([f.waitForRun(a.id, undefined, 120_000), f.waitForRun(b.id, undefined, 120_000)]);
    const seen = fs.readFileSync(path.join(f.scratch, 'seen.log'), 'utf8').trim().split('\n').map(Number);
    expect(seen).toHaveLength(12);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
    // The group name was resolved from the params, scoped to the project.
    const [group] = await f.db.select().from(concurrencyGroups).where(eq(concurrencyGroups.name, 'migrate-main'));
    expect(group).toMatchObject({ limit: 2, running: 0 });
  }, 180_000);

  it('a deploy waits for the environment and says why; other work is not blocked', async () => {
    const hold = path.join(f.scratch, 'hold-staging');
    fs.writeFileSync(hold, '');
    const pipelineId = await f.pipelineId('deploy');
    const first = await triggerRun(f.db, f.actor, { pipelineId });
    await waitFor('the first deploy to run', async () => fs.existsSync(path.join(f.scratch, `staging.${first.id}`)), 60_000);
    const second = await triggerRun(f.db, f.actor, { pipelineId });

    const waiting = await waitFor(
      'the second deploy to be queued behind the first',
      async () => {
        const [row] = await f.db
          .select({ id: attempts.id, status: attempts.status, concurrencyKey: attempts.concurrencyKey })
          .from(attempts)
          .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
          .where(and(eq(attempts.runId, second.id), eq(workItems.key, 'staging')));
        return row?.status === 'queued' ? row : null;
      },
      60_000,
    );
    const reasons = await waitingReasons(f.db, [waiting]);
    expect(reasons.get(waiting.id)).toBe(`waiting for staging: run #${first.number} staging is running`);
    // The step page and GET …/attempts say it too.
    const staging = await f.item(second.id, 'staging');
    const listed = await listAttempts(f.db, second.id, staging.id);
    expect(listed.attempts.at(-1)!.waitingFor).toBe(reasons.get(waiting.id));

    // Meanwhile other work runs: the full group holds back no one else.
    const other = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('other') });
    expect((await f.waitForRun(other.id, undefined, 60_000)).status).toBe('succeeded');
    const [still] = await f.db.select({ status: attempts.status }).from(attempts).where(eq(attempts.id, waiting.id));
    expect(still.status).toBe('queued');
    expect(fs.existsSync(path.join(f.scratch, `staging.${second.id}`))).toBe(false);

    fs.rmSync(hold);
    expect((await f.waitForRun(first.id, undefined, 60_000)).status).toBe('succeeded');
    expect((await f.waitForRun(second.id, undefined, 60_000)).status).toBe('succeeded');
    expect((await waitingReasons(f.db, [{ ...waiting, status: 'succeeded' }])).size).toBe(0);
  }, 180_000);
});
