import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as eventsRoute } from '@/app/api/events/route';
import { GET as runsRoute } from '@/app/api/v1/runs/route';
import { POST as tokensRoute } from '@/app/api/v1/tokens/route';
import { PATCH as userRoute } from '@/app/api/v1/users/[userId]/route';
import { GET as auditRoute } from '@/app/api/v1/audit/route';
import { apiTokens, auditEntries, projects } from '@/db/schema';
import type { Actor } from '../actor';
import { transact } from '../events';
import { triggerRun } from '../runs/trigger-run';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';
import { collectFrames, type Frame } from '../testing/sse-frames';
import { createTestDatabase, createTestUser, loadTestPipelines, waitFor } from '../testing/test-db';
import { setMember } from './members';
import { readableProjects } from './permissions';
import { actorForToken, createApiToken, issueToken, revokeToken } from './tokens';
import { findActor } from './users';

const pipeline = (project: string) => `
name: p-${project}
project: ${project}
steps:
  - key: only
    run: ["true"]
`;

const DELIVERY_MS = 60_000;

describe('tokens, roles, audit and events across projects', { timeout: 3 * DELIVERY_MS }, () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let runtime: Runtime;
  let admin: Actor;
  let viewerA: Actor;
  const projectIds = {} as Record<'a' | 'b', string>;
  const pipelineIds = {} as Record<'a' | 'b', string>;

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await buildRuntime(database, { worker: false });
    provideRuntime(runtime);
    admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, { 'a.yaml': pipeline('a'), 'b.yaml': pipeline('b') });
    for (const key of ['a', 'b'] as const) {
      const [p] = await database.db.select().from(projects).where(eq(projects.key, key));
      projectIds[key] = p.id;
      const [pl] = await database.db.query.pipelines.findMany({ where: (t, { eq: is }) => is(t.projectId, p.id) });
      pipelineIds[key] = pl.id;
    }
    const user = await createTestUser(database, 'member');
    await setMember(database.db, admin, projectIds.a, user.userId, 'viewer');
    viewerA = (await actorForToken(database.db, (await issueToken(database.db, { userId: user.userId, name: 'v' })).token))!;
  }, 180_000);
  afterAll(async () => {
    await runtime.hub.stop();
    await database.drop();
  });

  const call = async (handler: (r: Request, c?: { params: Promise<Record<string, string>> }) => Promise<Response>, token: string, init: { path: string; method?: string; body?: unknown; params?: Record<string, string> }) => {
    const response = await handler(
      new Request(`http://reprise.test${init.path}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.7' },
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      }),
      { params: Promise.resolve(init.params ?? {}) },
    );
    return { status: response.status, json: (await response.json()) as Record<string, unknown> & { items?: Record<string, unknown>[] } };
  };

  it('a token is shown once, stored only as a hash, and acts only in its project and below its role', async () => {
    const owner = await createTestUser(database, 'member');
    await setMember(database.db, admin, projectIds.a, owner.userId, 'operator');
    const ownerActor = (await actorForToken(database.db, (await issueToken(database.db, { userId: owner.userId, name: 's' })).token))!;
    await expect(createApiToken(database.db, ownerActor, { name: 'too high', projectId: projectIds.a, role: 'admin' })).rejects.toMatchObject({ code: 'forbidden' });
    await expect(createApiToken(database.db, ownerActor, { name: 'elsewhere', projectId: projectIds.b, role: 'viewer' })).rejects.toMatchObject({ code: 'not_found' });

    const created = await createApiToken(database.db, ownerActor, { name: 'ci', projectId: projectIds.a, role: 'viewer' });
    const stored = JSON.stringify(await database.db.select().from(apiTokens));
    expect(stored).not.toContain(created.token);

    const actor = (await actorForToken(database.db, created.token))!;
    expect(actor.token).toMatchObject({ id: created.id, projectId: projectIds.a, role: 'viewer' });
    expect(readableProjects(actor)).toEqual({ all: false, projectIds: [projectIds.a] });
    // Its owner is an operator, the token a viewer: the token may not retry.
    const runs = await call(runsRoute, created.token, { path: '/api/v1/runs' });
    expect(runs.status).toBe(200);
    const [tokenRow] = await database.db.select().from(apiTokens).where(eq(apiTokens.id, created.id));
    expect(tokenRow.lastUsedAt).not.toBeNull();

    // An admin's project token is narrowed too: it reads project a only.
    const adminToken = await createApiToken(database.db, admin, { name: 'a only', projectId: projectIds.a, role: 'operator' });
    await triggerRun(database.db, admin, { pipelineId: pipelineIds.b });
    await triggerRun(database.db, admin, { pipelineId: pipelineIds.a });
    const listed = await call(runsRoute, adminToken.token, { path: '/api/v1/runs' });
    expect(listed.json.items!.map((r) => r.project_id)).toEqual([projectIds.a]);
  });

  it('revoked, expired and deactivated-user tokens stop working at the next request', async () => {
    const created = await createTestUser(database, 'member');
    await setMember(database.db, admin, projectIds.a, created.userId, 'operator');
    const member = (await findActor(database.db, created.userId))!;
    const revoked = await createApiToken(database.db, member, { name: 'r', projectId: projectIds.a, role: 'viewer' });
    await revokeToken(database.db, member, revoked.id, 'leaked in a log');
    expect(await actorForToken(database.db, revoked.token)).toBeNull();
    expect((await call(runsRoute, revoked.token, { path: '/api/v1/runs' })).status).toBe(401);

    const expiring = await createApiToken(database.db, member, { name: 'e', projectId: projectIds.a, role: 'viewer', expiresAt: new Date(Date.now() + 60_000) });
    expect(await actorForToken(database.db, expiring.token)).not.toBeNull();
    await database.db.update(apiTokens).set({ expiresAt: sql`now() - interval '1 second'` }).where(eq(apiTokens.id, expiring.id));
    expect(await actorForToken(database.db, expiring.token)).toBeNull();

    const live = await createApiToken(database.db, member, { name: 'l', projectId: projectIds.a, role: 'viewer' });
    const adminToken = (await issueToken(database.db, { userId: admin.userId, name: 'admin' })).token;
    const deactivated = await call(userRoute, adminToken, {
      path: `/api/v1/users/${member.userId}`,
      method: 'PATCH',
      params: { userId: member.userId },
      body: { active: false, reason: 'left the company' },
    });
    expect(deactivated.status).toBe(200);
    expect((await call(runsRoute, live.token, { path: '/api/v1/runs' })).status).toBe(401);
  });

  it('every mutation is audited with who, which token, from where and why; entries cannot be changed or deleted', async () => {
    const adminToken = await issueToken(database.db, { userId: admin.userId, name: 'audited' });
    const created = await call(tokensRoute, adminToken.token, {
      path: '/api/v1/tokens',
      method: 'POST',
      body: { name: 'deploy bot', project: 'a', role: 'operator', reason: 'for the release train' },
    });
    expect(created.status).toBe(201);
    expect(typeof created.json.token).toBe('string');
    const audit = await call(auditRoute, adminToken.token, { path: '/api/v1/audit?action=token' });
    const entry = audit.json.items!.find((e) => e.target_id === created.json.id)!;
    expect(entry).toMatchObject({
      action: 'token.create',
      token_id: adminToken.id,
      address: '203.0.113.7',
      project: 'a',
      reason: 'for the release train',
      actor: { id: admin.userId, email: admin.email },
    });
    expect(JSON.stringify(audit.json)).not.toContain(created.json.token as string);

    await expect(database.db.update(auditEntries).set({ reason: 'rewritten' })).rejects.toThrow();
    await expect(database.db.delete(auditEntries)).rejects.toThrow();
    // A viewer of a sees a's entries only, and none of the instance's (users, sign-ins).
    const viewerToken = (await issueToken(database.db, { userId: viewerA.userId, name: 'v2' })).token;
    const seen = await call(auditRoute, viewerToken, { path: '/api/v1/audit' });
    expect(seen.status).toBe(200);
    expect(new Set(seen.json.items!.map((e) => e.project))).toEqual(new Set(['a']));
    expect((await call(auditRoute, viewerToken, { path: '/api/v1/audit?project=b' })).status).toBe(404);
  });

  it("a viewer of project a receives nothing of project b, live or on resume", async () => {
    const token = (await issueToken(database.db, { userId: viewerA.userId, name: 'events' })).token;
    const open = (lastEventId?: number) => {
      const abort = new AbortController();
      const into = { frames: [] as Frame[], named: [] as string[] };
      const headers: Record<string, string> = { authorization: `Bearer ${token}` };
      if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
      const request = new Request('http://reprise.test/api/events', { headers, signal: abort.signal });
      const ready = eventsRoute(request).then((r) => collectFrames(r.body!, into));
      return { ...into, ready, request, close: () => abort.abort() };
    };
    const live = open();
    await live.ready;
    const marker = `scope-${Date.now()}`;
    await transact(database.db, async (_tx, sink) => {
      sink.emit({ type: 'log.appended', projectId: projectIds.b, payload: { marker, project: 'b' } });
      sink.emit({ type: 'log.appended', projectId: projectIds.a, payload: { marker, project: 'a' } });
    });
    await waitFor('project a’s event', async () => live.frames.some((f) => f.data.data.marker === marker), DELIVERY_MS);
    const first = live.frames.find((f) => f.data.data.marker === marker)!;
    expect(live.frames.filter((f) => f.data.data.marker === marker).map((f) => f.data.data.project)).toEqual(['a']);
    live.close();

    // Resume from before both: the replay skips b's event as well.
    const resumed = open(first.id - 2);
    await resumed.ready;
    await transact(database.db, async (_tx, sink) => sink.emit({ type: 'log.appended', projectId: projectIds.a, payload: { marker: `${marker}-after`, project: 'a' } }));
    await waitFor('the event after', async () => resumed.frames.some((f) => f.data.data.marker === `${marker}-after`), DELIVERY_MS);
    expect(resumed.frames.every((f) => f.data.data.project !== 'b')).toBe(true);
    resumed.close();
  });
});
