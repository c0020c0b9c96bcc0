import { spawn, type ChildProcess } from 'node:child_process';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts } from '@/db/schema';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import { triggerRun } from '../runs/trigger-run';

const PIPELINES = {
  'fan.yaml': `
name: fan
project: test
steps:
${Array.from({ length: 12 }, (_, i) => `  - key: s${i}\n    run: ${countingStep(`s${i}`, 'sleep 0.1;')}`).join('\n')}
`,
  'long.yaml': `
name: long
project: test
steps:
  - key: work
    retry: { attempts: 2, backoff: "100ms" }
    run: ["sh", "-c", "echo x >> __SCRATCH__/work.count; if [ \\"$REPRISE_ATTEMPT\\" = 1 ]; then sleep 4; fi; echo done"]
`,
};

// Short enough to keep the test quick, long enough that a busy machine renews it in time.
const LEASE_MS = 2000;

describe('several workers on one database', () => {
  let f: EngineFixture;
  let child: ChildProcess | null = null;
  beforeAll(async () => {
    f = await engineFixture(PIPELINES, { leaseMs: LEASE_MS, concurrency: 3 });
  });
  afterAll(async () => {
    child?.kill('SIGKILL');
    await f.close();
  });

  it('two workers share the queue and never run a step twice', async () => {
    const a = await f.startWorker();
    const b = await f.startWorker();
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('fan') });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    for (let i = 0; i < 12; i++) expect(f.executions(`s${i}`)).toBe(1);
    const byWorker = await f.db.select({ workerId: attempts.workerId }).from(attempts).where(eq(attempts.runId, run.id));
    expect(new Set(byWorker.map((r) => r.workerId))).toEqual(new Set([a.id, b.id]));
    await Promise.all([a.stop(), b.stop()]);
  });

  it('a worker killed mid-step: the attempt ends lost within lease + sweep, and the automatic retry follows', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('long') });
    let victimId: string;
    let kill: () => void;
    if (process.env.DATABASE_URL) {
      // A real worker process, killed with SIGKILL.
      victimId = `victim-${process.pid}`;
      // node itself (not the tsx wrapper, which would outlive the kill in a child of its own)
      child = spawn(process.execPath, ['--import', 'tsx', 'lib/engine/worker-main.ts'], {
        env: {
          ...process.env,
          DATABASE_URL: await databaseUrlOf(f),
          REPRISE_WORKER_ID: victimId,
          REPRISE_LEASE_MS: String(LEASE_MS),
          REPRISE_POLL_MS: '100',
        },
        stdio: 'ignore',
      });
      kill = () => child!.kill('SIGKILL');
    } else {
      // PGlite admits one process: the in-process worker dies as a killed process would.
      const victim = await f.startWorker();
      victimId = victim.id;
      kill = () => victim.crash();
    }
    const running = await waitFor(
      'the victim to start the step',
      async () => {
        const [row] = await f.db
          .select()
          .from(attempts)
          .where(and(eq(attempts.runId, run.id), eq(attempts.status, 'running')));
        return row?.workerId === victimId ? row : null;
      },
      30_000,
    );
    kill();
    const killedAt = Date.now();
    await f.startWorker({ reapMs: 200 });

    const lost = await waitFor('the attempt to be lost', async () => {
      const [row] = await f.db.select().from(attempts).where(eq(attempts.id, running.id));
      return row.status === 'lost' ? row : null;
    });
    // Reaped soon after the lease ran out (the margin is for a loaded machine), not minutes later.
    expect(Date.now() - killedAt).toBeLessThan(LEASE_MS + 200 + 10_000);
    expect(lost.error).toMatchObject({ classification: 'lost' });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    const history = await f.attemptsOf(running.workItemId);
    expect(history.map((a) => [a.kind, a.status])).toEqual([
      ['initial', 'lost'],
      ['auto_retry', 'succeeded'],
    ]);
    const stuck = await f.db.select().from(attempts).where(eq(attempts.status, 'running'));
    expect(stuck).toEqual([]);
  });
});

async function databaseUrlOf(f: EngineFixture) {
  // drizzle's postgres-js driver returns the rows as an array
  const rows: unknown = await f.db.execute(sql`select current_database() as name`);
  const name = (rows as { name: string }[])[0].name;
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${name}`;
  return url.toString();
}
