import fs from 'node:fs';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, logChunks } from '@/db/schema';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import { cancelRun } from '../runs/cancel-run';
import { triggerRun } from '../runs/trigger-run';
import { isAlive } from '../testing/processes';

const sh = (script: string) => JSON.stringify(['sh', '-c', script]);

const PIPELINES = {
  'flaky.yaml': `
name: flaky
project: test
steps:
  - key: call
    retry: { attempts: 3, backoff: "100ms", transientExitCodes: [75] }
    run: ${sh('n=$(cat __SCRATCH__/flaky 2>/dev/null || echo 0); n=$((n+1)); echo $n > __SCRATCH__/flaky; if [ $n -lt 3 ]; then echo "try $n: connection reset" >&2; exit 75; fi; echo ok')}
`,
  'permanent.yaml': `
name: permanent
project: test
steps:
  - key: call
    retry: { attempts: 3, backoff: "100ms", transientExitCodes: [75] }
    run: ${sh('echo bad config >&2; exit 2')}
`,
  'outputs.yaml': `
name: outputs
project: test
steps:
  - key: none
    run: ${sh('echo nothing written')}
  - key: invalid
    run: ${sh('echo "{not json" > $REPRISE_OUTPUTS')}
  - key: huge
    run: ${sh('head -c 1100000 /dev/zero | tr "\\\\0" a | sed "s/^/{\\"x\\":\\"/; s/$/\\"}/" > $REPRISE_OUTPUTS')}
`,
  'env.yaml': `
name: env
project: test
steps:
  - key: show
    env: { REGION: eu-west-1 }
    inputs: { name: "demo", count: 3, nested: { a: 1 } }
    run: ${sh('env | sort > __SCRATCH__/env.txt; cat $REPRISE_INPUTS > __SCRATCH__/inputs.json; pwd > __SCRATCH__/cwd.txt')}
`,
  'slow.yaml': `
name: slow
project: test
steps:
  - key: hang
    timeout: "700ms"
    run: ${sh('sleep 30 & echo $! > __SCRATCH__/timeout-child.pid; echo started; wait')}
`,
  'cancel.yaml': `
name: cancel
project: test
steps:
  - key: hang
    run: ${sh('sleep 30 & echo $! > __SCRATCH__/cancel-child.pid; echo started; wait')}
  - key: after
    needs: [hang]
    run: ${sh('echo never')}
`,
};


describe('engine', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    process.env.REPRISE_TEST_SECRET = 'must-not-leak';
    f = await engineFixture(PIPELINES);
    // A lease long enough that a busy machine never loses it: these tests are not about leases.
    await f.startWorker({ leaseMs: 10_000 });
  });
  afterAll(() => f.close());

  it('retries transient failures automatically with backoff, then succeeds', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('flaky') });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    const history = await f.attemptsOf((await f.item(run.id, 'call')).id);
    expect(history.map((a) => [a.kind, a.status])).toEqual([
      ['initial', 'failed'],
      ['auto_retry', 'failed'],
      ['auto_retry', 'succeeded'],
    ]);
    expect(history[1].retryOf).toBe(history[0].id);
    // backoff doubles: the second retry waited at least 200 ms after the first failed
    expect(history[2].startedAt!.getTime() - history[1].finishedAt!.getTime()).toBeGreaterThanOrEqual(190);
  });

  it('does not retry exit codes the policy does not call transient', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('permanent') });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    const history = await f.attemptsOf((await f.item(run.id, 'call')).id);
    expect(history).toHaveLength(1);
    expect(history[0].error).toEqual({ message: 'Step exited with code 2: bad config', exit_code: 2, classification: 'exit_code' });
  });

  it('reads outputs: a missing file is {}, invalid JSON or more than 1 MiB fails clearly', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('outputs') });
    await f.waitForRun(run.id);
    const [none] = await f.attemptsOf((await f.item(run.id, 'none')).id);
    expect(none).toMatchObject({ status: 'succeeded', outputs: {} });
    const [invalid] = await f.attemptsOf((await f.item(run.id, 'invalid')).id);
    expect(invalid.status).toBe('failed');
    expect(invalid.error?.message).toMatch(/not valid JSON/);
    const [huge] = await f.attemptsOf((await f.item(run.id, 'huge')).id);
    expect(huge.status).toBe('failed');
    expect(huge.error?.message).toMatch(/limit is 1048576/);
  });

  it("gives a step exactly its own environment, never the app's", async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('env') });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    const env = Object.fromEntries(
      fs.readFileSync(path.join(f.scratch, 'env.txt'), 'utf8').trim().split('\n').map((l) => l.split(/=(.*)/s).slice(0, 2)),
    );
    const [attempt] = await f.attemptsOf((await f.item(run.id, 'show')).id);
    expect(env).toMatchObject({
      REGION: 'eu-west-1',
      REPRISE_INPUT_NAME: 'demo',
      REPRISE_INPUT_COUNT: '3',
      REPRISE_INPUT_NESTED: '{"a":1}',
      REPRISE_ATTEMPT: '1',
      REPRISE_RUN_ID: run.id,
      REPRISE_STEP: 'show',
    });
    expect(Object.keys(env).filter((k) => !['PWD', 'SHLVL', '_', 'OLDPWD'].includes(k)).sort()).toEqual(
      [
        'HOME',
        'PATH',
        'REGION',
        'REPRISE_ATTEMPT',
        'REPRISE_INPUTS',
        'REPRISE_INPUT_COUNT',
        'REPRISE_INPUT_NAME',
        'REPRISE_INPUT_NESTED',
        'REPRISE_OUTPUTS',
        'REPRISE_RUN_ID',
        'REPRISE_STEP',
      ].sort(),
    );
    expect(JSON.parse(fs.readFileSync(path.join(f.scratch, 'inputs.json'), 'utf8'))).toEqual(attempt.inputs);
    expect(fs.realpathSync(fs.readFileSync(path.join(f.scratch, 'cwd.txt'), 'utf8').trim())).toBe(fs.realpathSync(f.dir));
  });

  it('kills the whole process group on timeout', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('slow') });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    const [attempt] = await f.attemptsOf((await f.item(run.id, 'hang')).id);
    expect(attempt.error).toMatchObject({ classification: 'timeout', message: 'Step timed out after 700ms' });
    const child = Number(fs.readFileSync(path.join(f.scratch, 'timeout-child.pid'), 'utf8'));
    await waitFor('the step child to die', async () => !isAlive(child), 5000);
    const logs = await f.db.select().from(logChunks).where(eq(logChunks.attemptId, attempt.id));
    expect(logs.map((l) => l.text).join('')).toContain('started');
  });

  it('cancels a running run: the process group is killed, later steps are skipped', async () => {
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('cancel') });
    const pidFile = path.join(f.scratch, 'cancel-child.pid');
    await waitFor('the step to start', async () => fs.existsSync(pidFile) && fs.readFileSync(pidFile, 'utf8').trim());
    const child = Number(fs.readFileSync(pidFile, 'utf8'));
    await cancelRun(f.db, f.actor, run.id, { reason: 'wrong branch' });
    expect((await f.waitForRun(run.id)).status).toBe('cancelled');
    expect((await f.items(run.id)).map((i) => [i.key, i.status])).toEqual([
      ['hang', 'cancelled'],
      ['after', 'skipped'],
    ]);
    await waitFor('the step child to die', async () => !isAlive(child), 5000);
    await expect(cancelRun(f.db, f.actor, run.id)).rejects.toMatchObject({ status: 400 });
  });

  it('keeps finished attempts immutable in the database itself', async () => {
    const [finished] = await f.db.select().from(attempts).where(eq(attempts.status, 'succeeded')).limit(1);
    const databaseError = (e: { cause?: { message?: string }; message: string }) => e.cause?.message ?? e.message;
    const update = await f.db
      .execute(sql`update attempts set outputs = '{"forged":true}' where id = ${finished.id}`)
      .catch(databaseError);
    expect(update).toMatch(/is finished \(succeeded\) and cannot be changed/);
    const del = await f.db.execute(sql`delete from attempts where id = ${finished.id}`).catch(databaseError);
    expect(del).toMatch(/cannot be changed/);
  });
});
