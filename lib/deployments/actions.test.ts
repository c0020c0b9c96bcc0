import fs from 'node:fs';
import path from 'node:path';
import { and, eq, inArray, isNotNull } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, deployments, environments, events, projects, type ProjectRole } from '@/db/schema';
import type { Actor } from '../actor';
import type { RunningWorker } from '../engine/worker';
import { DomainError } from '../errors';
import { listAttempts } from '../runs/queries';
import { loadRunView } from '../views/run';
import { retryRun } from '../runs/retry-run';
import { triggerRun } from '../runs/trigger-run';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import {
  approveDeploy,
  planDeploymentAction,
  redeployDeployment,
  retryDeployment,
  rollbackDeployment,
  setHold,
} from './actions';
import { setEnvironmentProtection } from './environments';

const RELEASE = `
name: release
project: shop
steps:
  - key: build
    run: ${countingStep('build')}
  - key: deploy-staging
    needs: [build]
    environment: staging
    inputs:
      artifact: "\${{ steps.build.outputs.from }}"
    run: ${countingStep('deploy-staging')}
  - key: deploy-production
    needs: [deploy-staging]
    environment: production
    run: ${countingStep('deploy-production')}
`;

const SOLO = `
name: solo
project: shop
steps:
  - key: ship
    environment: qa
    run: ["true"]
`;

const refusal = async (work: Promise<unknown>) => {
  try {
    await work;
  } catch (error) {
    if (error instanceof DomainError) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('deployment actions', () => {
  let f: EngineFixture;
  let worker: RunningWorker;
  let projectId: string;
  const as = (role: ProjectRole, name: string): Actor => ({ ...f.actor, instanceRole: 'member', name, memberships: new Map([[projectId, role]]) });
  const deploymentsOf = async (environment: string) => {
    const [env] = await f.db.select().from(environments).where(and(eq(environments.projectId, projectId), eq(environments.name, environment)));
    return f.db.select().from(deployments).where(eq(deployments.environmentId, env.id)).orderBy(deployments.version);
  };
  const trigger = async (commit: string, actor: Actor = f.actor) =>
    triggerRun(f.db, actor, { pipelineId: await f.pipelineId('release'), commit, branch: 'main', message: `change ${commit}` });
  const fail = (key: string, on: boolean) => (on ? fs.writeFileSync(path.join(f.scratch, `${key}.fail`), '') : fs.rmSync(path.join(f.scratch, `${key}.fail`), { force: true }));

  beforeAll(async () => {
    f = await engineFixture({ 'release.yaml': RELEASE, 'solo.yaml': SOLO });
    worker = await f.startWorker();
    [{ id: projectId }] = await f.db.select({ id: projects.id }).from(projects).where(eq(projects.key, 'shop'));
    for (const commit of ['c1', 'c2']) expect((await f.waitForRun((await trigger(commit)).id)).status).toBe('succeeded');
  }, 120_000);
  afterAll(() => f.close());

  it('50 deployments created at once get 50 distinct versions', async () => {
    const pipelineId = await f.pipelineId('solo');
    await Promise.all(Array.from({ length: 50 }, () => triggerRun(f.db, f.actor, { pipelineId })));
    const versions = (await deploymentsOf('qa')).map((d) => d.version);
    expect(versions).toHaveLength(50);
    expect(new Set(versions).size).toBe(50);
    expect(Math.max(...versions)).toBe(50);
  });

  it('rolls production back: the plan says what changes, upstream steps are reused, not run, and the environment is held', async () => {
    const [v1, v2] = await deploymentsOf('production');
    const plan = await planDeploymentAction(f.db, f.actor, v2.id, 'rollback');
    expect(plan).toMatchObject({
      allowed: true,
      nextVersion: 3,
      live: { id: v2.id, version: 2 },
      target: { id: v1.id, version: 1 },
      commit: { from: 'c2', to: 'c1' },
      steps: { run: [{ key: 'deploy-production' }], reused: [{ key: 'build' }, { key: 'deploy-staging' }] },
      willHold: true,
    });
    expect(plan.candidates.map((c) => c.version)).toEqual([1]);
    expect(await refusal(rollbackDeployment(f.db, f.actor, v2.id, { reason: '' }))).toMatchObject({ code: 'invalid_inputs' });
    expect(await refusal(rollbackDeployment(f.db, f.actor, v2.id, { to: v2.id, reason: 'x' }))).toMatchObject({ code: 'wrong_state' });

    const before = [f.executions('build'), f.executions('deploy-staging'), f.executions('deploy-production')];
    const rollback = await rollbackDeployment(f.db, f.actor, v2.id, { reason: 'bad migration in c2' });
    expect(rollback).toMatchObject({ version: 3, trigger: 'rollback', rollbackFrom: v2.id, rollbackTo: v1.id, gitCommit: 'c1', reason: 'bad migration in c2' });
    const run = await f.waitForRun(rollback.runId!);
    expect(run.status).toBe('succeeded');
    expect([f.executions('build'), f.executions('deploy-staging'), f.executions('deploy-production')]).toEqual([before[0], before[1], before[2] + 1]);
    // The deploy step ran with the target's exact inputs; the others are reused copies.
    const items = await f.items(run.id);
    expect(items.map((i) => [i.key, i.status])).toEqual([['build', 'succeeded'], ['deploy-staging', 'succeeded'], ['deploy-production', 'succeeded']]);
    const reused = await f.attemptsOf(items[0].id);
    expect(reused[0]).toMatchObject({ kind: 'reused', status: 'succeeded' });
    const [production] = await f.db.select().from(environments).where(and(eq(environments.projectId, projectId), eq(environments.name, 'production')));
    expect(production.hold).toMatchObject({ deployment_id: rollback.id, version: 3, reason: 'bad migration in c2' });
  });

  it('the next deploy to a held environment waits, saying why, until someone releases the hold', async () => {
    const run = await trigger('c3');
    const item = await waitFor('production parked', async () => {
      const i = await f.item(run.id, 'deploy-production');
      return i.status === 'queued' ? i : null;
    });
    const { attempts: shown } = await listAttempts(f.db, run.id, item.id);
    expect(shown.at(-1)!.waitingFor).toMatch(/^production is held at v3 by .+: bad migration in c2$/);
    // Parked, it does not make production busy: a deployer could still act there.
    const [live] = (await deploymentsOf('production')).slice(-2);
    expect((await planDeploymentAction(f.db, f.actor, live.id, 'redeploy')).busy).toBeNull();
    await new Promise((r) => setTimeout(r, 500));
    expect((await f.item(run.id, 'deploy-production')).status).toBe('queued');

    const [production] = await f.db.select().from(environments).where(and(eq(environments.projectId, projectId), eq(environments.name, 'production')));
    expect(await refusal(setHold(f.db, as('viewer', 'Vi'), production.id, { hold: false, reason: 'go' }))).toMatchObject({ code: 'forbidden' });
    await setHold(f.db, f.actor, production.id, { hold: false, reason: 'c3 fixes the migration' });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    const latest = (await deploymentsOf('production')).at(-1)!;
    expect(latest).toMatchObject({ version: 4, status: 'succeeded', gitCommit: 'c3' });
  });

  it('retries a failed deployment once: 400 for one that did not fail, 409 for one already retried', async () => {
    fail('deploy-staging', true);
    const run = await f.waitForRun((await trigger('c4')).id);
    expect(run.status).toBe('failed');
    fail('deploy-staging', false);
    const staging = await deploymentsOf('staging');
    const failed = staging.at(-1)!;
    expect(failed.status).toBe('failed');
    expect(await refusal(retryDeployment(f.db, f.actor, staging[0].id))).toMatchObject({ code: 'wrong_state' });

    const retried = await retryDeployment(f.db, f.actor, failed.id, { reason: 'registry hiccup' });
    expect(retried).toMatchObject({ trigger: 'retry', retryOf: failed.id, version: failed.version + 1, gitCommit: 'c4' });
    const again = await refusal(retryDeployment(f.db, f.actor, failed.id));
    expect(again.code).toBe('conflict');
    expect(again.message).toContain(`v${retried.version}`);
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
  });

  it('an operator retries staging but production waits for a deployer, who may approve it; the operator may not', async () => {
    const [production] = await f.db.select().from(environments).where(and(eq(environments.projectId, projectId), eq(environments.name, 'production')));
    await setEnvironmentProtection(f.db, f.actor, projectId, 'production', 'deployer', 'production needs a deployer');
    const operator = as('operator', 'Olga');
    const deployer = as('deployer', 'Dana');
    fail('deploy-staging', true);
    const run = await f.waitForRun((await trigger('c5')).id);
    fail('deploy-staging', false);
    const failed = (await deploymentsOf('staging')).at(-1)!;
    // The operator may not act on production directly...
    const live = (await deploymentsOf('production')).at(-1)!;
    expect(await refusal(rollbackDeployment(f.db, operator, live.id, { reason: 'x' }))).toMatchObject({ code: 'forbidden' });
    expect((await planDeploymentAction(f.db, operator, live.id, 'rollback')).refusal?.code).toBe('forbidden');
    // ...but retries staging; production, below it, waits for a deployer.
    await retryRun(f.db, operator, run.id, { reason: 'staging flaked' });
    const item = await waitFor('production waits for approval', async () => {
      const i = await f.item(run.id, 'deploy-production');
      return i.status === 'queued' ? i : null;
    });
    expect((await f.item(run.id, 'deploy-staging')).status).toBe('succeeded');
    const { attempts: shown } = await listAttempts(f.db, run.id, item.id);
    expect(shown.at(-1)!.waitingFor).toBe('waiting for a deployer to approve deploying to production');
    expect(failed.status).toBe('failed');
    expect(await refusal(approveDeploy(f.db, operator, run.id, item.id))).toMatchObject({ code: 'forbidden' });
    await approveDeploy(f.db, deployer, run.id, item.id, { reason: 'looks good' });
    expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    expect((await deploymentsOf('production')).at(-1)).toMatchObject({ status: 'succeeded', gitCommit: 'c5', triggeredBy: f.actor.userId });
    await setEnvironmentProtection(f.db, f.actor, projectId, 'production', null);
    expect(production.id).toBeTruthy();
  });

  it('redeploys the newest commit of the branch, or the one given, running only the deploy step and what it needs; a busy environment refuses (409)', async () => {
    const staging = (await deploymentsOf('staging')).find((d) => d.gitCommit === 'c1')!;
    const plan = await planDeploymentAction(f.db, f.actor, staging.id, 'redeploy');
    expect(plan).toMatchObject({ allowed: true, commit: { to: 'c5' }, steps: { run: [{ key: 'build' }, { key: 'deploy-staging' }] } });

    // With no worker the redeploy stays pending: staging is busy from the moment it is asked for.
    await worker.stop();
    const redeploy = await redeployDeployment(f.db, f.actor, staging.id, { commit: 'abc123', reason: 'hotfix' });
    expect(redeploy).toMatchObject({ status: 'pending', trigger: 'redeploy', redeployOf: staging.id, gitCommit: 'abc123' });
    const busy = await refusal(redeployDeployment(f.db, f.actor, staging.id));
    expect(busy.code).toBe('conflict');
    expect(busy.message).toContain(`v${redeploy.version}`);
    expect(await refusal(rollbackDeployment(f.db, f.actor, staging.id, { reason: 'x' }))).toMatchObject({ code: 'conflict' });
    // The run page shows the deployment written ahead beside its deploy step, before the step has an attempt.
    const ahead = await loadRunView(f.db, { runId: redeploy.runId! });
    expect(ahead.steps.find((s) => s.key === 'deploy-staging')!.deployment).toMatchObject({ id: redeploy.id, version: redeploy.version, status: 'pending', live: false });
    expect(ahead.steps.find((s) => s.key === 'build')!.deployment).toBeNull();

    worker = await f.startWorker();
    const run = await f.waitForRun(redeploy.runId!);
    expect(run.status).toBe('succeeded');
    expect((await f.items(run.id)).map((i) => i.key)).toEqual(['build', 'deploy-staging']);
    // The deploy step's attempt took over the deployment written ahead: one deployment, not two.
    const mine = (await deploymentsOf('staging')).filter((d) => d.runId === run.id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ id: redeploy.id, status: 'succeeded' });
    const after = await loadRunView(f.db, { runId: run.id });
    expect(after.steps.find((s) => s.key === 'deploy-staging')!.deployment).toMatchObject({ id: redeploy.id, status: 'succeeded', live: true });
  });

  it('writes deployment.created and deployment.status_changed events', async () => {
    const ids = (await deploymentsOf('staging')).map((d) => d.id);
    const rows = await f.db.select().from(events).where(inArray(events.type, ['deployment.created', 'deployment.status_changed']));
    const about = (id: string) => rows.filter((e) => (e.payload as { deployment_id: string }).deployment_id === id).map((e) => [e.type, (e.payload as { status: string }).status]);
    expect(about(ids[0])).toEqual([
      ['deployment.created', 'pending'],
      ['deployment.status_changed', 'running'],
      ['deployment.status_changed', 'succeeded'],
    ]);
    // Nothing is left waiting at the gate.
    const parked = await f.db.select().from(attempts).where(and(eq(attempts.status, 'queued'), isNotNull(attempts.parkedFor)));
    expect(parked).toEqual([]);
  });
});
