import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, logChunks, pipelines, runs, workItems } from '@/db/schema';
import type { Actor } from '@/lib/actor';
import { startWorker, type RunningWorker } from '@/lib/engine/worker';
import { loadPipelineFiles } from '@/lib/pipelines/loader';
import { replayItem } from '@/lib/runs/item-operations';
import { retryRun } from '@/lib/runs/retry-run';
import { isFinishedRun } from '@/lib/runs/state';
import { triggerRun } from '@/lib/runs/trigger-run';
import { createTestDatabase, createTestUser, waitFor } from '@/lib/testing/test-db';

// The demo must teach what it promises in the README: the release fails at
// staging and a retry fixes it; training's deploy is fixed by a replay.
describe('demo pipelines', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let actor: Actor;
  let worker: RunningWorker;
  beforeAll(async () => {
    database = await createTestDatabase();
    actor = await createTestUser(database);
    const report = await loadPipelineFiles(database.db, path.resolve('examples/pipelines'), () => {});
    expect(report.errors).toEqual([]);
    worker = await startWorker(database, { pollMs: 100, log: () => {} });
  });
  afterAll(async () => {
    await worker.stop();
    await database.drop();
  });

  const start = async (name: string) => {
    const [p] = await database.db.select().from(pipelines).where(eq(pipelines.name, name));
    return triggerRun(database.db, actor, { pipelineId: p.id });
  };
  const finished = (runId: string) =>
    waitFor(`run ${runId}`, async () => {
      const [run] = await database.db.select().from(runs).where(eq(runs.id, runId));
      return isFinishedRun(run.status) ? run : null;
    });
  const items = async (runId: string) =>
    Object.fromEntries(
      (await database.db.select().from(workItems).where(eq(workItems.runId, runId)).orderBy(asc(workItems.position))).map(
        (i) => [i.key, i],
      ),
    );

  it('release: staging fails once, a retry runs only staging and production', async () => {
    const run = await start('release');
    expect((await finished(run.id)).status).toBe('failed');
    const before = await items(run.id);
    expect(before['deploy-staging'].status).toBe('failed');
    expect(before['deploy-production'].status).toBe('skipped');
    const [failure] = await database.db.select().from(attempts).where(eq(attempts.workItemId, before['deploy-staging'].id));
    expect(failure.error?.exit_code).toBe(75);

    await retryRun(database.db, actor, run.id);
    expect((await finished(run.id)).status).toBe('succeeded');
    const after = await items(run.id);
    expect(
      Object.fromEntries(Object.entries(after).map(([k, i]) => [k, i.attemptCount])),
    ).toEqual({ build: 1, test: 1, 'deploy-staging': 2, 'deploy-production': 1 });
  });

  it('training: deploy fails on the v0 endpoint; a replay with /v1/predict fixes the rest', async () => {
    const run = await start('training');
    expect((await finished(run.id)).status).toBe('failed');
    const before = await items(run.id);
    expect(before.deploy.status).toBe('failed');
    const [first] = await database.db.select().from(attempts).where(eq(attempts.id, before.deploy.latestAttemptId!));
    const endpoint = first.inputs.endpoint as string;
    await replayItem(database.db, actor, run.id, before.deploy.id, {
      inputs: { ...first.inputs, endpoint: endpoint.replace(/\/v0\/predict$/, '/v1/predict') },
      reason: 'v0 was retired',
    });
    expect((await finished(run.id)).status).toBe('succeeded');
    const after = await items(run.id);
    expect(Object.fromEntries(Object.entries(after).map(([k, i]) => [k, i.attemptCount]))).toEqual({
      'load-data': 1,
      train: 1,
      deploy: 2,
      test: 1,
      notify: 1,
    });
    const [notify] = await database.db
      .select()
      .from(attempts)
      .where(and(eq(attempts.workItemId, after.notify.id)));
    expect(notify.inputs.message).toBe('Model deployed to http://inference.internal:8080/v1/predict');
    // Its webhook token is a secret: the step got it (its length says so), its log shows ••••.
    expect(notify.outputs).toEqual({ delivered: true, token_length: 'whk-demo-7f3a9c2e51'.length });
    const log = (await database.db.select().from(logChunks).where(eq(logChunks.attemptId, notify.id))).map((c) => c.text).join('');
    expect(log).toContain('Authorization: Bearer ••••');
    expect(log).not.toContain('whk-demo-7f3a9c2e51');
  });

  it('prompt: succeeds, and a replay with another temperature changes the text', async () => {
    const run = await start('prompt');
    expect((await finished(run.id)).status).toBe('succeeded');
    const { generate } = await items(run.id);
    const [first] = await database.db.select().from(attempts).where(eq(attempts.id, generate.latestAttemptId!));
    await replayItem(database.db, actor, run.id, generate.id, { inputs: { ...first.inputs, temperature: 1.5 } });
    await finished(run.id);
    const history = await database.db.select().from(attempts).where(eq(attempts.workItemId, generate.id)).orderBy(asc(attempts.number));
    expect(history.map((a) => a.status)).toEqual(['succeeded', 'succeeded']);
    expect(history[1].outputs?.text).not.toBe(history[0].outputs?.text);
  });
});
