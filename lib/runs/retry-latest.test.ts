import fs from 'node:fs';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as retryRoute from '@/app/api/v1/runs/[runId]/retry/route';
import * as retryPlanRoute from '@/app/api/v1/runs/[runId]/retry-plan/route';
import * as attemptsRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/attempts/route';
import { auditEntries, events, pipelines, runs } from '@/db/schema';
import { loadPipelineFiles } from '../pipelines/loader';
import { apiClient } from '../testing/api-client';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { listAttempts } from './queries';
import { planRetry } from './retry-plan';
import { retryRun } from './retry-run';
import { triggerRun } from './trigger-run';

/** A step that writes which command ran to its outputs and never fails. */
const fixedStep = (key: string) =>
  `["sh", "-c", "echo x >> __SCRATCH__/${key}.count; echo fixed command, region $REGION; printf '{\\"from\\":\\"${key}-fixed\\",\\"region\\":\\"%s\\",\\"target\\":\\"%s\\"}' \\"$REGION\\" \\"$REPRISE_INPUT_TARGET\\" > $REPRISE_OUTPUTS"]`;

const release = (deploy: string, extra = '') => `
name: release
project: test
steps:
  - key: compile
    run: ${countingStep('compile')}
  - key: check
    needs: [compile]
    run: ${countingStep('check')}
  - key: ship
    needs: [check]
    ${deploy}
  - key: announce
    needs: [ship]
    run: ${countingStep('announce')}
${extra}`;

const V1 = release(`inputs:
      from: "\${{ steps.check.outputs.from }}"
    run: ${countingStep('ship')}`);
// Same steps and needs; ship's command, env and inputs changed.
const V2 = release(`inputs:
      from: "\${{ steps.check.outputs.from }}"
      target: blue
    env: { REGION: eu-west-1 }
    timeout: "5m"
    run: ${fixedStep('ship')}`);
// A step more: another structure.
const V3 = `${V2}  - key: audit
    needs: [compile]
    run: ${countingStep('audit')}
`;

describe('retry with the latest definition', () => {
  let f: EngineFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let pipelineId: string;
  const file = () => path.join(f.dir, 'release.yaml');
  const writeVersion = async (source: string) => {
    fs.writeFileSync(file(), source.replaceAll('__SCRATCH__', f.scratch));
    await loadPipelineFiles(f.db, f.dir, () => {});
  };
  const currentVersionId = async () =>
    (await f.db.select({ id: pipelines.currentVersionId }).from(pipelines).where(eq(pipelines.id, pipelineId)))[0].id!;
  const runRow = async (id: string) => (await f.db.select().from(runs).where(eq(runs.id, id)))[0];
  const failedRun = async () => {
    fs.writeFileSync(path.join(f.scratch, 'ship.fail'), '');
    const run = await triggerRun(f.db, f.actor, { pipelineId });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    return run;
  };

  beforeAll(async () => {
    f = await engineFixture({ 'release.yaml': V1 });
    await f.startWorker();
    api = await apiClient(f.database, f.actor);
    pipelineId = await f.pipelineId('release');
  });
  afterAll(async () => {
    await api.runtime.hub.stop();
    await f.close();
  });

  it('runs the failed step with the changed command, keeps succeeded steps, and records the version each attempt ran', async () => {
    const v1 = await currentVersionId();
    const run = await failedRun();
    await writeVersion(V2);
    const v2 = await currentVersionId();
    expect(v2).not.toBe(v1);

    // The default retry is unchanged: the run's own version, so the old command fails again.
    await retryRun(f.db, f.actor, run.id, { reason: 'same code' });
    expect((await f.waitForRun(run.id)).status).toBe('failed');
    expect((await runRow(run.id)).pipelineVersionId).toBe(v1);
    const ship = await f.item(run.id, 'ship');
    expect((await f.attemptsOf(ship.id)).map((a) => [a.kind, a.status, a.pipelineVersionId])).toEqual([
      ['initial', 'failed', v1],
      ['retry', 'failed', v1],
    ]);

    const plan = await planRetry(f.db, run.id, 'latest');
    expect(plan).toMatchObject({
      allowed: true,
      definition: { changed: true, sameStructure: true, chosen: 'latest' },
      latest: { allowed: true, changed: true, structure: null, from: { id: v1, number: 1 }, to: { id: v2, number: 2 } },
    });
    expect(plan.latest.steps.map((s) => [s.key, s.runsAgain, s.changes.map((c) => c.field)])).toEqual([
      ['ship', true, ['run', 'env', 'inputs', 'timeout_ms']],
    ]);
    expect(plan.latest.steps[0].changes.find((c) => c.field === 'env')).toEqual({ field: 'env', before: {}, after: { REGION: 'eu-west-1' } });

    await retryRun(f.db, f.actor, run.id, { reason: 'fixed the script', definition: 'latest', expectedAttempt: plan.runAttempt });
    const done = await f.waitForRun(run.id);
    expect(done.status).toBe('succeeded');
    // The run is pinned to the new version; its earlier attempts keep the one they ran.
    expect(done.pipelineVersionId).toBe(v2);
    // Succeeded steps were not executed again; ship ran three times (old, old, new), announce once.
    expect(['compile', 'check', 'ship', 'announce'].map((k) => f.executions(k))).toEqual([1, 1, 3, 1]);

    const shipAttempts = await f.attemptsOf(ship.id);
    expect(shipAttempts.map((a) => [a.kind, a.status, a.pipelineVersionId])).toEqual([
      ['initial', 'failed', v1],
      ['retry', 'failed', v1],
      ['retry', 'succeeded', v2],
    ]);
    // The new command ran, with the new env and the new inputs (resolved again: they changed).
    expect(shipAttempts[2].outputs).toEqual({ from: 'ship-fixed', region: 'eu-west-1', target: 'blue' });
    expect(shipAttempts[2].inputs).toEqual({ from: 'check', target: 'blue' });
    const announce = await f.item(run.id, 'announce');
    expect((await f.attemptsOf(announce.id)).map((a) => [a.kind, a.pipelineVersionId])).toEqual([['initial', v2]]);
    const compile = await f.item(run.id, 'compile');
    expect((await f.attemptsOf(compile.id)).map((a) => a.pipelineVersionId)).toEqual([v1]);

    // The attempt JSON names the version, numbered as people read it ("v2").
    const listed = await api.call(attemptsRoute.GET, {
      path: `/api/v1/runs/${run.id}/items/${ship.id}/attempts`,
      params: { runId: run.id, itemId: ship.id },
    });
    expect(listed.json.items.map((a: { pipeline_version: { number: number } }) => a.pipeline_version.number)).toEqual([1, 1, 2]);
    expect(listed.json.items[2].pipeline_version).toEqual({ id: v2, number: 2, hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    // The audit entry and the event say which definition the retry used, from which version to which.
    const audits = await f.db
      .select()
      .from(auditEntries)
      .where(and(eq(auditEntries.targetId, run.id), eq(auditEntries.action, 'run.retry')))
      .orderBy(asc(auditEntries.createdAt), asc(auditEntries.id));
    expect(audits.map((a) => a.details.definition)).toEqual(['run', 'latest']);
    const latestAudit = audits[1];
    expect(latestAudit.reason).toBe('fixed the script');
    expect(latestAudit.details).toMatchObject({
      definition: 'latest',
      pipeline_version: { from: { id: v1, number: 1 }, to: { id: v2, number: 2 } },
      changed_steps: ['ship'],
    });
    const retried = await f.db.select().from(events).where(and(eq(events.runId, run.id), eq(events.type, 'run.retried'))).orderBy(asc(events.id));
    expect(retried.map((e) => e.payload.definition)).toEqual(['run', 'latest']);
    expect(retried[1].payload).toMatchObject({ attempt: 3, retried: ['ship'], pipeline_version: { from: { number: 1 }, to: { number: 2 } } });
  });

  it('is allowed and changes nothing when the run already uses the latest version', async () => {
    await writeVersion(V1);
    const run = await failedRun();
    const pinned = (await runRow(run.id)).pipelineVersionId;
    const plan = await planRetry(f.db, run.id, 'latest');
    expect(plan.latest).toMatchObject({ allowed: true, changed: false, steps: [] });
    fs.rmSync(path.join(f.scratch, 'ship.fail'));
    await retryRun(f.db, f.actor, run.id, { definition: 'latest' });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    expect((await runRow(run.id)).pipelineVersionId).toBe(pinned);
  });

  it('refuses (409) when the steps changed, saying how, over HTTP too', async () => {
    await writeVersion(V1);
    const run = await failedRun();
    await writeVersion(V3);

    const plan = await api.call(retryPlanRoute.GET, {
      path: `/api/v1/runs/${run.id}/retry-plan?definition=latest`,
      params: { runId: run.id },
    });
    expect(plan.status).toBe(200);
    expect(plan.json).toMatchObject({
      allowed: false,
      not_allowed_because: expect.stringContaining('steps added: audit'),
      definition: { changed: true, same_structure: false, chosen: 'latest' },
      latest: { allowed: false, structure: { added: ['audit'], removed: [], needs_changed: [] } },
    });
    // The default plan is still allowed: the run's own definition fits its graph.
    const own = await api.call(retryPlanRoute.GET, { path: `/api/v1/runs/${run.id}/retry-plan`, params: { runId: run.id } });
    expect(own.json).toMatchObject({ allowed: true, definition: { chosen: 'run' } });

    const refused = await api.call(retryRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${run.id}/retry`,
      params: { runId: run.id },
      body: { definition: 'latest' },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.error).toMatchObject({
      code: 'conflict',
      message: expect.stringMatching(/steps changed since this run \(steps added: audit\)/),
      details: { definition: 'latest', structure: { added: ['audit'], removed: [], needs_changed: [] } },
    });
    // Nothing happened: the run is still failed, on its version, and nothing ran again.
    expect((await runRow(run.id)).status).toBe('failed');
    expect((await runRow(run.id)).attempt).toBe(1);
    const bad = await api.call(retryRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${run.id}/retry`,
      params: { runId: run.id },
      body: { definition: 'newest' },
    });
    expect(bad.status).toBe(400);
  });

  it('refuses (409) while the pipeline file fails to load', async () => {
    await writeVersion(V1);
    const run = await failedRun();
    fs.writeFileSync(file(), 'name: release\nsteps: [');
    await loadPipelineFiles(f.db, f.dir, () => {});
    const refused = await retryRun(f.db, f.actor, run.id, { definition: 'latest' }).catch((e) => e);
    expect(refused).toMatchObject({ status: 409, message: expect.stringMatching(/^The pipeline's file failed to load \(.*release\.yaml, line \d+/) });
    const { attempts } = await listAttempts(f.db, run.id, (await f.item(run.id, 'ship')).id);
    expect(attempts).toHaveLength(1);
  });
});
