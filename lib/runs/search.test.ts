import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { pipelines, projects, runs, users } from '@/db/schema';
import type { Actor } from '../actor';
import { actorOf } from '../auth/users';
import { setMember } from '../auth/members';
import { setEnvironmentProtection } from '../deployments/environments';
import { readableProjects } from '../auth/permissions';
import { perform } from '../operations/define';
import { listRunsOp } from '../operations/runs';
import { allRunsViewOp, runSearchViewOp } from '../operations/views';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { loadNewRun } from '../views/new-run';
import { fieldOfPath, initialValues, paramFields, valuesToParams } from './params-form';
import { listRuns } from './queries';
import { parseRunQuery, searchRuns, uuidRange } from './search';
import { triggerRun } from './trigger-run';

const step = `["sh", "-c", "true"]`;
const ALPHA = `
name: shop
project: alpha
title: Shop release
params:
  type: object
  required: [version]
  properties:
    version: { type: string, default: "1.0.0", description: "what to release" }
    replicas: { type: integer, minimum: 1, default: 2 }
    region: { enum: [eu, us] }
    dry: { type: boolean }
steps:
  - key: build
    run: ${step}
  - key: deploy
    needs: [build]
    environment: production
    run: ${step}
`;
const BETA = `
name: billing
project: beta
steps:
  - key: build
    run: ${step}
`;

describe('finding runs across pipelines', () => {
  let database: Database & { drop(): Promise<void> };
  let admin: Actor;
  let alphaOnly: Actor;
  let alphaId: string;
  let shop: string;
  let billing: string;
  const shopRuns: { id: string; number: number }[] = [];
  const billingRuns: { id: string; number: number }[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    admin = await createTestUser(database);
    await loadTestPipelines(database, { 'shop.yaml': ALPHA, 'billing.yaml': BETA });
    const rows = await database.db.select({ id: pipelines.id, name: pipelines.name, projectId: pipelines.projectId }).from(pipelines);
    shop = rows.find((r) => r.name === 'shop')!.id;
    billing = rows.find((r) => r.name === 'billing')!.id;
    alphaId = rows.find((r) => r.name === 'shop')!.projectId;
    // No worker: the runs stay queued, which is all a list needs.
    for (let i = 0; i < 3; i++) {
      const run = await triggerRun(database.db, admin, { pipelineId: shop, commit: `c0ffee${i}aa`, branch: i === 2 ? 'feature' : 'main', trigger: i === 1 ? 'api' : 'manual' });
      shopRuns.push(run);
    }
    for (let i = 0; i < 2; i++) billingRuns.push(await triggerRun(database.db, admin, { pipelineId: billing, commit: `beef${i}` }));
    const member = await createTestUser(database, 'member');
    await setMember(database.db, admin, alphaId, member.userId, 'operator');
    const [user] = await database.db.select().from(users).where(eq(users.id, member.userId));
    alphaOnly = await actorOf(database.db, user);
  }, 120_000);
  afterAll(() => database?.drop());

  it('reads a search text as a number, an id, or an id/commit prefix', () => {
    expect(parseRunQuery('#42')).toEqual({ number: { value: 42, pipeline: null } });
    expect(parseRunQuery(' 42 ')).toEqual({ number: { value: 42, pipeline: null } });
    expect(parseRunQuery('release #7')).toEqual({ number: { value: 7, pipeline: 'release' } });
    expect(parseRunQuery('1234')).toEqual({ number: { value: 1234, pipeline: null }, prefix: '1234' });
    expect(parseRunQuery('C0FFEE')).toEqual({ prefix: 'c0ffee' });
    expect(parseRunQuery('0b4f6a7e-1111-4222-8333-444455556666')).toEqual({ id: '0b4f6a7e-1111-4222-8333-444455556666' });
    expect(parseRunQuery('#0')).toBeNull();
    expect(parseRunQuery('hello world')).toBeNull();
    expect(parseRunQuery('abc')).toBeNull();
    expect(uuidRange('0b4f6a7e1')).toEqual(['0b4f6a7e-1000-0000-0000-000000000000', '0b4f6a7e-1fff-ffff-ffff-ffffffffffff']);
  });

  it('a number finds that run of every pipeline; a pipeline name before it narrows to one', async () => {
    const both = await searchRuns(database.db, readableProjects(admin), '#2');
    expect(both.items.map((r) => r.id).sort()).toEqual([shopRuns[1].id, billingRuns[1].id].sort());
    expect(both.items.every((r) => r.matched === 'number')).toBe(true);
    const one = await searchRuns(database.db, readableProjects(admin), 'shop #2');
    expect(one.items.map((r) => r.id)).toEqual([shopRuns[1].id]);
    // The title works as well as the name, in any case.
    expect((await searchRuns(database.db, readableProjects(admin), 'shop RELEASE #3')).items.map((r) => r.id)).toEqual([shopRuns[2].id]);
  });

  it('a whole id, an id prefix and a commit prefix each find their runs, newest first', async () => {
    const target = shopRuns[0].id;
    expect((await searchRuns(database.db, readableProjects(admin), target)).items.map((r) => r.id)).toEqual([target]);
    const prefix = await searchRuns(database.db, readableProjects(admin), target.slice(0, 13));
    expect(prefix.items.map((r) => r.id)).toContain(target);
    expect(prefix.items.find((r) => r.id === target)?.matched).toBe('id');
    const commits = await searchRuns(database.db, readableProjects(admin), 'c0ffee');
    expect(commits.items.map((r) => r.id)).toEqual([...shopRuns].reverse().map((r) => r.id));
    expect(commits.items.every((r) => r.matched === 'commit')).toBe(true);
    expect((await searchRuns(database.db, readableProjects(admin), 'c0ffee1')).items.map((r) => r.id)).toEqual([shopRuns[1].id]);
    expect((await searchRuns(database.db, readableProjects(admin), 'nothing here')).items).toEqual([]);
  });

  it('finds nothing in projects the reader may not read', async () => {
    const scope = readableProjects(alphaOnly);
    expect((await searchRuns(database.db, scope, '#2')).items.map((r) => r.id)).toEqual([shopRuns[1].id]);
    expect((await searchRuns(database.db, scope, 'beef')).items).toEqual([]);
    expect((await searchRuns(database.db, scope, billingRuns[0].id)).items).toEqual([]);
    const door = await perform<{ items: { id: string }[] }>(runSearchViewOp, { db: database.db, actor: alphaOnly, origin: '', request: null }, {
      params: {},
      query: { q: billingRuns[0].id },
      body: undefined,
    });
    expect(door.items).toEqual([]);
  });

  it('lists runs of every pipeline by branch, trigger, who and time, and GET /api/v1/runs takes the same filters', async () => {
    const scope = readableProjects(admin);
    expect((await listRuns(database.db, { scope, branch: 'feature' })).items.map((r) => r.id)).toEqual([shopRuns[2].id]);
    expect((await listRuns(database.db, { scope, trigger: 'api' })).items.map((r) => r.id)).toEqual([shopRuns[1].id]);
    expect((await listRuns(database.db, { scope, actorId: admin.userId })).items).toHaveLength(5);
    expect((await listRuns(database.db, { scope, environment: 'production' })).items).toHaveLength(3);
    expect((await listRuns(database.db, { scope, since: new Date(Date.now() + 60_000) })).items).toEqual([]);
    expect((await listRuns(database.db, { scope: readableProjects(alphaOnly) })).items).toHaveLength(3);

    const api = (query: Record<string, string>) =>
      perform<{ items: { id: string }[] }>(listRunsOp, { db: database.db, actor: admin, origin: '', request: null }, { params: {}, query, body: undefined });
    expect((await api({ branch: 'feature' })).items.map((r) => r.id)).toEqual([shopRuns[2].id]);
    expect((await api({ trigger: 'api', pipeline: shop })).items.map((r) => r.id)).toEqual([shopRuns[1].id]);
    expect((await api({ triggered_by: admin.userId, limit: '2' })).items).toHaveLength(2);
    expect((await api({ since: new Date(Date.now() + 60_000).toISOString() })).items).toEqual([]);
    expect((await api({ until: new Date(Date.now() + 60_000).toISOString(), pipeline: billing })).items).toHaveLength(2);
    await expect(api({ trigger: 'nonsense' })).rejects.toMatchObject({ code: 'bad_request' });
    await expect(api({ since: 'yesterday' })).rejects.toMatchObject({ code: 'bad_request' });
  });

  it('the all-runs view filters as its URL says, shows each run\'s pipeline, and a search replaces the list', async () => {
    const view = (query: Record<string, string>, actor = admin) =>
      perform<{ runs: { id: string; pipelineTitle: string }[]; filtered: boolean; search: unknown; options: { pipelines: { id: string }[] } }>(
        allRunsViewOp,
        { db: database.db, actor, origin: '', request: null },
        { params: {}, query, body: undefined },
      );
    const all = await view({});
    expect(all.runs).toHaveLength(5);
    expect(all.filtered).toBe(false);
    expect(new Set(all.runs.map((r) => r.pipelineTitle))).toEqual(new Set(['Shop release', 'billing']));
    const filtered = await view({ pipeline: shop, branch: 'main', trigger: 'manual' });
    expect(filtered.filtered).toBe(true);
    expect(filtered.runs.map((r) => r.id)).toEqual([shopRuns[0].id]);
    const searched = await view({ q: 'c0ffee' });
    expect(searched.search).toEqual({ q: 'c0ffee', understood: true });
    expect(searched.runs).toHaveLength(3);
    // A member of alpha is offered alpha's pipelines only.
    expect((await view({}, alphaOnly)).options.pipelines.map((p) => p.id)).toEqual([shop]);
  });

  it('the new-run form knows the params schema and where the run deploys, with protection and approval', async () => {
    await setEnvironmentProtection(database.db, admin, alphaId, 'production', 'deployer');
    const forAdmin = await loadNewRun(database.db, admin, shop);
    expect(forAdmin.environments).toEqual([
      { name: 'production', steps: [{ key: 'deploy', title: 'deploy' }], protectedFor: 'deployer', needsApproval: false, hold: null },
    ]);
    expect((await loadNewRun(database.db, alphaOnly, shop)).environments[0].needsApproval).toBe(true);
    expect((await loadNewRun(database.db, admin, billing)).environments).toEqual([]);
    const [project] = await database.db.select().from(projects).where(eq(projects.id, alphaId));
    expect(forAdmin.pipeline.project).toBe(project.key);
  });

  it('a params schema becomes form fields, and the form values become the params the server checks', async () => {
    const [version] = await database.db
      .select({ definition: sql<{ params: Record<string, unknown> }>`pv.definition` })
      .from(runs)
      .innerJoin(sql`pipeline_versions pv`, sql`pv.id = ${runs.pipelineVersionId}`)
      .where(eq(runs.id, shopRuns[0].id));
    const fields = paramFields(version.definition.params)!;
    expect(fields.map((f) => [f.name, f.kind, f.required])).toEqual([
      ['version', 'string', true],
      ['dry', 'boolean', false],
      ['region', 'enum', false],
      ['replicas', 'integer', false],
    ]);
    const values = initialValues(fields);
    expect(values).toEqual({ version: '1.0.0', replicas: '2', region: '', dry: false });
    expect(valuesToParams(fields, { ...values, replicas: '0', region: '1' })).toEqual({ version: '1.0.0', replicas: 0, region: 'us', dry: false });
    expect(valuesToParams(fields, { ...values, replicas: 'two' }).replicas).toBe('two');
    // What a form cannot show goes to the JSON editor.
    expect(paramFields({ type: 'object', properties: { tags: { type: 'array' } } })).toBeNull();
    expect(paramFields({ type: 'object', oneOf: [] })).toBeNull();
    expect(paramFields(null)).toEqual([]);
    expect(fieldOfPath('/replicas')).toBe('replicas');
    expect(fieldOfPath('')).toBeNull();
    // The server refuses what the form refuses, naming the field.
    await expect(triggerRun(database.db, admin, { pipelineId: shop, params: { replicas: 0 } })).rejects.toMatchObject({
      code: 'invalid_inputs',
      details: [{ path: '/replicas', message: 'must be >= 1' }],
    });
  });
});
