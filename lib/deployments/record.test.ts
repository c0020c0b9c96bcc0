import fs from 'node:fs';
import { SYSTEM_SCOPE } from '../auth/permissions';
import path from 'node:path';
import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments } from '@/db/schema';
import { retryRun } from '../runs/retry-run';
import { triggerRun } from '../runs/trigger-run';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { latestDeployments } from './queries';

const PIPELINE = `
name: ship
project: deploys
steps:
  - key: build
    run: ${countingStep('build')}
  - key: staging
    needs: [build]
    environment: staging
    run: ${countingStep('staging')}
`;

describe('deployment records', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture({ 'ship.yaml': PIPELINE });
    await f.startWorker();
  });
  afterAll(() => f.close());

  const ofRun = (runId: string) =>
    f.db.select().from(deployments).where(eq(deployments.runId, runId)).orderBy(asc(deployments.version));

  it('each attempt of a deploy step is a deployment with the next version; its status follows the attempt', async () => {
    fs.writeFileSync(path.join(f.scratch, 'staging.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('ship'), commit: 'c0ffee', branch: 'main' });
    await f.waitForRun(run.id);
    const [failed] = await ofRun(run.id);
    expect(failed).toMatchObject({ version: 1, status: 'failed', trigger: 'manual', gitCommit: 'c0ffee', retryOf: null });
    expect(failed.errorMessage).toMatch(/exited with code 3/);
    expect(failed.startedAt).not.toBeNull();
    expect(failed.completedAt).not.toBeNull();

    fs.rmSync(path.join(f.scratch, 'staging.fail'));
    await retryRun(f.db, f.actor, run.id, { reason: 'registry back' });
    await f.waitForRun(run.id, (s) => s === 'succeeded');
    const [, retried] = await ofRun(run.id);
    // Same commit, new version, linked to the failed deployment.
    expect(retried).toMatchObject({ version: 2, status: 'succeeded', trigger: 'retry', gitCommit: 'c0ffee', retryOf: failed.id });
    expect(retried.errorMessage).toBeNull();

    // The build step is not a deployment: two attempts of staging, two rows.
    expect(await ofRun(run.id)).toHaveLength(2);
    const latest = await latestDeployments(f.db, SYSTEM_SCOPE);
    expect(latest.map((l) => [l.project, l.environment, l.deployment.version, l.deployment.status])).toEqual([
      ['deploys', 'staging', 2, 'succeeded'],
    ]);
  });

  it('versions keep rising across runs and are never reused', async () => {
    const pipelineId = await f.pipelineId('ship');
    const runs = await Promise.all([1, 2, 3].map(() => triggerRun(f.db, f.actor, { pipelineId })));
    await Promise.all(runs.map((r) => f.waitForRun(r.id)));
    const versions = (await f.db.select({ v: deployments.version }).from(deployments)).map((r) => r.v).sort((a, b) => a - b);
    expect(versions).toEqual([1, 2, 3, 4, 5]);
  });
});
