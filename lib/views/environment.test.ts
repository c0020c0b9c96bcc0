import { asc, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, deployments, environments, projects } from '@/db/schema';
import type { Actor } from '../actor';
import { readableProjects } from '../auth/permissions';
import { setMember } from '../auth/members';
import { triggerRun } from '../runs/trigger-run';
import { MASK } from '../secrets';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { loadDeploymentView, loadEnvironmentCompare, loadEnvironmentHistory } from './environment';
import { loadRunView } from './run';
import { loadEnvironmentsMatrix } from './environments';

const SHIP = `
name: ship
title: Ship
project: shop
steps:
  - key: deploy-staging
    environment: staging
    inputs: { image: "app:1", token: "hunter2-secret" }
    inputSchema:
      type: object
      properties:
        image: { type: string }
        token: { type: string, x-secret: true }
    run: ["true"]
  - key: deploy-production
    environment: production
    run: ["true"]
`;
const DOCS = 'name: docs\ntitle: Docs\nproject: shop\nsteps:\n  - key: publish\n    environment: staging\n    run: ["true"]\n';
const OTHER = 'name: hidden\nproject: secret-project\nsteps:\n  - key: go\n    environment: staging\n    run: ["true"]\n';

// The environment pages' reads, on both databases: the matrix's cells, an
// environment's history with its filters and links, two deployments compared
// (secrets masked), one deployment; each scoped to what the reader may see.
describe('environment views', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let admin: Actor;
  let member: Actor;
  let stagingId: string;
  const staging: { id: string; version: number }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, { 's.yaml': SHIP, 'd.yaml': DOCS, 'o.yaml': OTHER });
    const all = await database.db.query.pipelines.findMany();
    const byName = (n: string) => all.find((p) => p.name === n)!.id;
    for (let i = 0; i < 3; i++) await triggerRun(database.db, admin, { pipelineId: byName('ship'), commit: `c${i}aaaaaaaa`, branch: 'main', message: `change <b>${i}</b>` });
    await triggerRun(database.db, admin, { pipelineId: byName('docs'), commit: 'd0', message: 'docs' });
    await triggerRun(database.db, admin, { pipelineId: byName('hidden') });
    const [shop] = await database.db.select().from(projects).where(eq(projects.key, 'shop'));
    [{ id: stagingId }] = await database.db
      .select()
      .from(environments)
      .where(eq(environments.projectId, shop.id))
      .then((rows) => rows.filter((e) => e.name === 'staging'));
    const rows = await database.db.select().from(deployments).where(eq(deployments.environmentId, stagingId)).orderBy(asc(deployments.version));
    // ship v1 succeeded, v2 succeeded (a retry of v1, with a reason), v3 failed; docs v4 running.
    const statuses = ['succeeded', 'succeeded', 'failed', 'running'];
    const start = new Date(Date.now() - 60_000);
    for (const [i, r] of rows.entries()) {
      staging.push({ id: r.id, version: r.version });
      await database.db
        .update(deployments)
        .set({
          status: statuses[i],
          startedAt: start,
          completedAt: statuses[i] === 'running' ? null : new Date(start.getTime() + 5000),
          retryOf: i === 1 ? rows[0].id : null,
          reason: i === 1 ? 'flaky <script>' : null,
        })
        .where(eq(deployments.id, r.id));
    }
    // The second deployment's attempt produced outputs.
    await database.db.update(attempts).set({ outputs: { url: 'https://v2.example' } }).where(eq(attempts.id, rows[1].attemptId!));
    await database.db
      .update(environments)
      .set({ hold: { deployment_id: rows[1].id, version: 2, by: admin.userId, by_name: 'Ana', reason: 'bad release', at: new Date().toISOString() } })
      .where(eq(environments.id, stagingId));
    member = await createTestUser(database, 'member');
    await setMember(database.db, admin, shop.id, member.userId, 'viewer');
    member = { ...member, memberships: new Map([[shop.id, 'viewer']]) };
  }, 180_000);
  afterAll(async () => {
    await database.drop();
  });

  it('the matrix: pipelines by environments, live, in progress and failed-after cells, hold and scope', async () => {
    const view = await loadEnvironmentsMatrix(database.db, readableProjects(member));
    expect(view.projects.map((p) => p.key)).toEqual(['shop']);
    const [shop] = view.projects;
    expect(shop.environments.map((e) => e.name)).toEqual(['production', 'staging']);
    const stagingColumn = shop.environments.find((e) => e.name === 'staging')!;
    expect(stagingColumn.hold).toMatchObject({ version: 2, by_name: 'Ana', reason: 'bad release' });
    expect(stagingColumn.liveVersion).toBe(2);
    expect(shop.pipelines.map((p) => p.title)).toEqual(['Docs', 'Ship']);
    const ship = shop.pipelines.find((p) => p.title === 'Ship')!.cells[stagingId];
    expect(ship.live).toMatchObject({ version: 2, status: 'succeeded', gitCommit: 'c1aaaaaaaa' });
    expect(ship.isLive).toBe(true);
    expect(ship.failedAfter).toMatchObject({ version: 3, status: 'failed' });
    const docs = shop.pipelines.find((p) => p.title === 'Docs')!.cells[stagingId];
    expect(docs.live).toBeNull();
    expect(docs.active).toMatchObject({ version: 4, status: 'running' });

    const everything = await loadEnvironmentsMatrix(database.db, readableProjects(admin));
    expect(everything.projects.map((p) => p.key).sort()).toEqual(['secret-project', 'shop']);
    const nobody = await loadEnvironmentsMatrix(database.db, { all: false, projectIds: [] });
    expect(nobody.projects).toEqual([]);
  });

  it('the history: newest first, the live one marked, links with their versions, filters, keyset pages', async () => {
    const view = await loadEnvironmentHistory(database.db, { environmentId: stagingId });
    expect(view.environment).toMatchObject({ name: 'staging', project: 'shop', live: { version: 2 }, active: { version: 4 } });
    expect(view.deployments.map((d) => [d.version, d.status, d.live])).toEqual([
      [4, 'running', false],
      [3, 'failed', false],
      [2, 'succeeded', true],
      [1, 'succeeded', false],
    ]);
    const v2 = view.deployments.find((d) => d.version === 2)!;
    expect(v2).toMatchObject({ retryOf: { id: staging[0].id, version: 1 }, reason: 'flaky <script>', pipelineTitle: 'Ship', stepKey: 'deploy-staging', gitMessage: 'change <b>1</b>' });

    const failed = await loadEnvironmentHistory(database.db, { environmentId: stagingId, status: 'failed' });
    expect(failed.filtered).toBe(true);
    expect(failed.deployments.map((d) => d.version)).toEqual([3]);
    const unknownFilter = await loadEnvironmentHistory(database.db, { environmentId: stagingId, status: 'nonsense', cursor: 'not-a-cursor' });
    expect(unknownFilter.deployments).toHaveLength(4);

    await expect(loadEnvironmentHistory(database.db, { environmentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it('the history pages by keyset: no row skipped or repeated', async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (let i = 0; i < 5; i++) {
      const page = await loadEnvironmentHistory(database.db, { environmentId: stagingId, cursor, limit: 3 });
      seen.push(...page.deployments.map((d) => d.version));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    expect(seen).toEqual([4, 3, 2, 1]);
  });

  it('compare: the live deployment against the one before by default; secret inputs stay masked', async () => {
    const view = await loadEnvironmentCompare(database.db, { environmentId: stagingId });
    expect(view.b?.deployment.version).toBe(2);
    expect(view.a?.deployment.version).toBe(1);
    expect(view.b?.attempt?.inputs).toEqual({ image: 'app:1', token: MASK });
    expect(view.b?.attempt?.outputs).toEqual({ url: 'https://v2.example' });
    const chosen = await loadEnvironmentCompare(database.db, { environmentId: stagingId, a: staging[2].id, b: staging[0].id });
    expect([chosen.a?.deployment.version, chosen.b?.deployment.version]).toEqual([3, 1]);
    expect(JSON.stringify(chosen)).not.toContain('hunter2');
  });

  it('one deployment: its links, its environment, its deploy attempt masked', async () => {
    const view = await loadDeploymentView(database.db, { deploymentId: staging[1].id });
    expect(view.deployment).toMatchObject({ version: 2, live: true, retryOf: { version: 1 }, runNumber: 2 });
    expect(view.environment).toMatchObject({ name: 'staging', hold: { reason: 'bad release' } });
    expect(view.attempt?.inputs).toEqual({ image: 'app:1', token: MASK });
    expect(JSON.stringify(view)).not.toContain('hunter2');
    await expect(loadDeploymentView(database.db, { deploymentId: 'nope' })).rejects.toMatchObject({ code: 'not_found' });
  });

  it("the run page shows each deploy step's deployment: environment, version, status, live", async () => {
    const [v2] = await database.db.select().from(deployments).where(eq(deployments.id, staging[1].id));
    const view = await loadRunView(database.db, { runId: v2.runId! });
    const byKey = new Map(view.steps.map((s) => [s.key, s.deployment]));
    expect(byKey.get('deploy-staging')).toMatchObject({ id: v2.id, environment: 'staging', version: 2, status: 'succeeded', live: true });
    // Production's deployment of that run is still pending (nothing ran it here).
    expect(byKey.get('deploy-production')).toMatchObject({ environment: 'production', version: 2, status: 'pending', live: false });
    // The failed one is not live.
    const [v3] = await database.db.select().from(deployments).where(eq(deployments.id, staging[2].id));
    const failed = await loadRunView(database.db, { runId: v3.runId! });
    expect(failed.steps.find((s) => s.key === 'deploy-staging')!.deployment).toMatchObject({ id: v3.id, version: 3, status: 'failed', live: false });
  });

  it('a pending deployment parked by the hold says why it waits', async () => {
    const [v4] = await database.db.select().from(deployments).where(eq(deployments.id, staging[3].id));
    await database.db.update(deployments).set({ status: 'pending' }).where(eq(deployments.id, v4.id));
    await database.db
      .update(attempts)
      .set({ status: 'queued', parkedFor: { kind: 'hold', environment: 'staging' } })
      .where(eq(attempts.id, v4.attemptId!));
    const view = await loadDeploymentView(database.db, { deploymentId: v4.id });
    expect(view.deployment.waiting).toBe('staging is held at v2 by Ana: bad release');
    const history = await loadEnvironmentHistory(database.db, { environmentId: stagingId, status: 'pending' });
    expect(history.deployments.map((d) => [d.version, d.waiting])).toEqual([[4, 'staging is held at v2 by Ana: bad release']]);
  });
});
