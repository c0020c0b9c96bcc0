import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueToken } from '../auth/tokens';
import { operations } from '../operations';
import { route } from '../operations/rest';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { triggerRun } from './trigger-run';

const RELEASE =
  'name: release\nproject: shop\nsteps:\n  - key: build\n    run: ["true"]\n  - key: deploy-staging\n    needs: [build]\n    environment: staging\n    run: ["true"]\n  - key: deploy-production\n    needs: [deploy-staging]\n    environment: production\n    run: ["true"]\n';
const DOCS = 'name: docs\nproject: shop\nsteps:\n  - key: publish\n    environment: staging\n    run: ["true"]\n';
const LINT = 'name: lint\nproject: shop\nsteps:\n  - key: lint\n    run: ["true"]\n';

// GET /api/v1/runs?environment=: the runs with a step that deploys there —
// a release run deploys to production too, not only to its first environment.
describe('the run history filtered by environment', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let runtime: Runtime;
  let token: string;
  const ids: Record<string, string[]> = { release: [], docs: [], lint: [] };

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await buildRuntime(database, { worker: false });
    provideRuntime(runtime);
    const admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, { 'r.yaml': RELEASE, 'd.yaml': DOCS, 'l.yaml': LINT });
    const pipelines = await database.db.query.pipelines.findMany();
    for (const name of ['release', 'docs', 'lint', 'release', 'docs']) {
      const pipeline = pipelines.find((p) => p.name === name)!;
      ids[name].push((await triggerRun(database.db, admin, { pipelineId: pipeline.id })).id);
    }
    token = (await issueToken(database.db, { userId: admin.userId, name: 'filter test' })).token;
  }, 180_000);
  afterAll(async () => {
    await runtime.hub.stop();
    await database.drop();
  });

  const list = async (query: string) => {
    const response = await route(operations.listRunsOp)(
      new Request(`http://reprise.test/api/v1/runs?${query}`, { headers: { authorization: `Bearer ${token}` } }),
      { params: Promise.resolve({}) },
    );
    expect(response.status).toBe(200);
    return (await response.json()) as { items: { id: string }[]; next_cursor: string | null };
  };

  it('lists every run that deploys to the environment, at any of its steps, newest first', async () => {
    expect((await list('environment=production')).items.map((r) => r.id)).toEqual([...ids.release].reverse());
    expect((await list('environment=staging')).items.map((r) => r.id)).toEqual([ids.docs[1], ids.release[1], ids.docs[0], ids.release[0]]);
    expect((await list('environment=qa')).items).toEqual([]);
  });

  it('pages by cursor within the filter', async () => {
    const first = await list('environment=staging&limit=3');
    expect(first.items).toHaveLength(3);
    const rest = await list(`environment=staging&limit=3&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect([...first.items, ...rest.items].map((r) => r.id)).toEqual([ids.docs[1], ids.release[1], ids.docs[0], ids.release[0]]);
    expect(rest.next_cursor).toBeNull();
  });
});
