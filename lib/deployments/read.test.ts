import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments, environments } from '@/db/schema';
import { route } from '../operations/rest';
import { operations } from '../operations';
import { issueToken } from '../auth/tokens';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { triggerRun } from '../runs/trigger-run';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';

// The deployment read API against DESIGN §6: every field, the live marker,
// filters and keyset pages.
describe('deployment API', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let runtime: Runtime;
  let token: string;
  const runIds: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await buildRuntime(database, { worker: false });
    provideRuntime(runtime);
    const admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, {
      'd.yaml':
        'name: ship\nproject: shop\nsteps:\n  - key: deploy-staging\n    environment: staging\n    run: ["true"]\n  - key: deploy-production\n    environment: production\n    run: ["true"]\n',
    });
    const pipeline = (await database.db.query.pipelines.findMany())[0];
    for (let i = 0; i < 3; i++)
      runIds.push(
        (
          await triggerRun(database.db, admin, {
            pipelineId: pipeline.id,
            commit: `c${i}`,
            branch: 'main',
            message: `change ${i}`,
          })
        ).id,
      );
    // The first two staging deployments succeeded, the third failed: the second is live.
    const [staging] = await database.db.select().from(environments).where(eq(environments.name, 'staging'));
    const rows = await database.db
      .select()
      .from(deployments)
      .where(eq(deployments.environmentId, staging.id))
      .orderBy(deployments.version);
    const start = new Date(Date.now() - 60_000);
    for (const [i, status] of ['succeeded', 'succeeded', 'failed'].entries()) {
      await database.db
        .update(deployments)
        .set({
          status,
          startedAt: start,
          completedAt: new Date(start.getTime() + 12_500),
          errorMessage: status === 'failed' ? 'exit 1' : null,
        })
        .where(eq(deployments.id, rows[i].id));
    }
    token = (await issueToken(database.db, { userId: admin.userId, name: 'read test' })).token;
  }, 180_000);
  afterAll(async () => {
    await runtime.hub.stop();
    await database.drop();
  });

  const get = async (path: string, params: Record<string, string>, op: keyof typeof operations) => {
    const response = await route(operations[op])(
      new Request(`http://reprise.test${path}`, { headers: { authorization: `Bearer ${token}` } }),
      {
        params: Promise.resolve(params),
      },
    );
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & {
        items: Record<string, unknown>[];
        next_cursor: string | null;
      },
    };
  };

  it('lists a project’s deployments newest first with every field, the live one marked', async () => {
    const { status, body } = await get(
      '/api/v1/projects/shop/deployments?environment=staging',
      { project: 'shop' },
      'listDeploymentsOp',
    );
    expect(status).toBe(200);
    expect(body.items.map((d) => [d.version, d.status, d.live])).toEqual([
      [3, 'failed', false],
      [2, 'succeeded', true],
      [1, 'succeeded', false],
    ]);
    const [failed] = body.items;
    expect(Object.keys(failed).sort()).toEqual(
      [
        'id',
        'project_id',
        'environment_id',
        'environment',
        'version',
        'status',
        'trigger',
        'triggered_by',
        'git_commit',
        'git_branch',
        'git_message',
        'run_id',
        'attempt_id',
        'live',
        'html_url',
        'extra_data',
        'reason',
        'error_message',
        'created_at',
        'started_at',
        'completed_at',
        'duration_seconds',
      ].sort(),
    );
    expect(failed).toMatchObject({
      environment: 'staging',
      trigger: 'manual',
      git_commit: 'c2',
      git_branch: 'main',
      git_message: 'change 2',
      run_id: runIds[2],
      error_message: 'exit 1',
      duration_seconds: 12.5,
      extra_data: {},
      html_url: `http://reprise.test/deployments/${failed.id as string}`,
    });
  });

  it('filters by status and pages by cursor without skipping or repeating', async () => {
    const failed = await get(
      '/api/v1/projects/shop/deployments?status=failed',
      { project: 'shop' },
      'listDeploymentsOp',
    );
    expect(failed.body.items.map((d) => d.version)).toEqual([3]);
    const seen: unknown[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof get>> = await get(
        `/api/v1/projects/shop/deployments?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        { project: 'shop' },
        'listDeploymentsOp',
      );
      seen.push(...page.body.items.map((d) => d.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(seen).toHaveLength(6);
    expect(new Set(seen).size).toBe(6);
  });

  it('gets one deployment; an unknown one is 404', async () => {
    const { body } = await get(
      '/api/v1/projects/shop/deployments?environment=staging',
      { project: 'shop' },
      'listDeploymentsOp',
    );
    const live = body.items.find((d) => d.live)!;
    const one = await get(
      `/api/v1/deployments/${live.id as string}`,
      { deployment_id: live.id as string },
      'getDeploymentOp',
    );
    expect(one.status).toBe(200);
    expect(one.body).toEqual(live);
    const missing = await get(
      '/api/v1/deployments/00000000-0000-4000-8000-000000000000',
      { deployment_id: '00000000-0000-4000-8000-000000000000' },
      'getDeploymentOp',
    );
    expect(missing.status).toBe(404);
  });

  it('extra_data links a deployment to the ones it retried, redeployed or rolled back from and to', async () => {
    const { body } = await get('/api/v1/projects/shop/deployments?environment=staging', { project: 'shop' }, 'listDeploymentsOp');
    const [v3, v2, v1] = body.items.map((d) => d.id as string);
    const one = async (id: string) => (await get(`/api/v1/deployments/${id}`, { deployment_id: id }, 'getDeploymentOp')).body;
    await database.db.update(deployments).set({ trigger: 'rollback', rollbackFrom: v2, rollbackTo: v1 }).where(eq(deployments.id, v3));
    expect(await one(v3)).toMatchObject({ trigger: 'rollback', extra_data: { rollback_from: v2, rollback_to: v1 } });
    await database.db.update(deployments).set({ trigger: 'retry', rollbackFrom: null, rollbackTo: null, retryOf: v1 }).where(eq(deployments.id, v3));
    expect((await one(v3)).extra_data).toEqual({ retry_of: v1 });
    await database.db.update(deployments).set({ trigger: 'redeploy', retryOf: null, redeployOf: v2 }).where(eq(deployments.id, v3));
    expect((await one(v3)).extra_data).toEqual({ redeploy_of: v2 });
    await database.db.update(deployments).set({ trigger: 'manual', redeployOf: null }).where(eq(deployments.id, v3));
    expect((await one(v3)).extra_data).toEqual({});
  });

  it("lists the project's environments with their live and active deployments", async () => {
    const { status, body } = await get('/api/v1/projects/shop/environments', { project: 'shop' }, 'listEnvironmentsOp');
    expect(status).toBe(200);
    const [production, staging] = body.items as Record<string, Record<string, unknown> | null>[];
    expect(staging).toMatchObject({
      name: 'staging',
      protection: { required_role: null },
      live: { version: 2, live: true },
      active: null,
    });
    // Production's three deployments are still pending (no worker): the newest is the active one, none is live.
    expect(production).toMatchObject({
      name: 'production',
      live: null,
      active: { version: 3, status: 'pending', live: false },
    });
  });
});
