import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployments, projects, users, workItems } from '@/db/schema';
import { allOperations } from '.';
import { setMember } from '../auth/members';
import type { ProjectRole } from '../auth/roles';
import { issueToken } from '../auth/tokens';
import { setEnvironmentProtection } from '../deployments/environments';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { triggerRun } from '../runs/trigger-run';
import { isMutation, type AnyOperation } from './define';
import { OPERATION, snakeCase, type RouteHandler } from './rest';

const ROOT = path.resolve(__dirname, '../..');
const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'];

/**
 * Doors that are not made from a declaration, each for a reason. Adding a file
 * here is a decision a reviewer sees; a new door anywhere else without a
 * declaration fails the tests below.
 */
const UNDECLARED_DOORS: Record<string, string> = {
  'app/api/auth/[...nextauth]/route.ts': "next-auth's own sign-in/sign-out/callback endpoints (CSRF-checked by next-auth)",
  'app/api/health/route.ts': 'readiness probe: public, answers ok or not and nothing else',
  'app/api/health/live/route.ts': 'liveness probe: public, answers ok and nothing else',
};

function filesUnder(dir: string, match: (file: string) => boolean): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : filesUnder(full, match);
    return match(full) ? [full] : [];
  });
}

const relative = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

/** `app/api/v1/runs/[runId]/retry/route.ts` → `/api/v1/runs/{run_id}/retry`. */
const declaredPathOf = (file: string) =>
  '/' +
  relative(file)
    .replace(/^app\//, '')
    .replace(/\/route\.ts$/, '')
    .split('/')
    .filter((segment) => !/^\(.*\)$/.test(segment))
    .map((segment) => segment.replace(/^\[(\w+)\]$/, (_, name: string) => `{${snakeCase(name)}}`))
    .join('/');

describe('every door is made from a declaration', () => {
  const routeFiles = filesUnder(path.join(ROOT, 'app'), (f) => /\/route\.tsx?$/.test(f));
  const actionFiles = [...filesUnder(path.join(ROOT, 'app'), (f) => /\.tsx?$/.test(f)), ...filesUnder(path.join(ROOT, 'lib'), (f) => /\.tsx?$/.test(f))].filter(
    (f) => /^\s*['"]use server['"]/.test(fs.readFileSync(f, 'utf8')),
  );

  it('finds the route files and the server actions', () => {
    expect(routeFiles.length).toBeGreaterThan(20);
    expect(actionFiles.map(relative).sort()).toEqual(['app/actions/access.ts', 'app/actions/auth.ts', 'app/actions/deployments.ts', 'app/actions/runs.ts']);
  });

  it('each route handler is route(op) of a declared operation at the same path and method', async () => {
    const served = new Map<AnyOperation, string>();
    for (const file of routeFiles) {
      const name = relative(file);
      if (UNDECLARED_DOORS[name]) continue;
      const module = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      const handlers = Object.entries(module).filter(([key]) => HTTP_METHODS.includes(key));
      expect(handlers.length, `${name} exports a handler`).toBeGreaterThan(0);
      for (const [method, handler] of handlers) {
        const op = (handler as RouteHandler)[OPERATION];
        expect(op, `${name} ${method} is made with route(op)`).toBeTruthy();
        expect(allOperations, `${name} ${method}: ${op.id} is in lib/operations`).toContain(op);
        expect(`${op.method} ${op.path}`, name).toBe(`${method} ${declaredPathOf(file)}`);
        expect(served.has(op), `${op.id} has one route`).toBe(false);
        served.set(op, name);
      }
    }
    const unserved = allOperations.filter((op) => !served.has(op)).map((op) => op.id);
    expect(unserved, 'every declared operation has its route').toEqual([]);
  });

  it('each server action is action(op) or a declared public door', async () => {
    for (const file of actionFiles) {
      const module = (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
      for (const [name, value] of Object.entries(module)) {
        const declared = (value as { [OPERATION]?: { id: string; permission: string } })[OPERATION];
        expect(declared, `${relative(file)} ${name} is made from a declaration`).toBeTruthy();
        if (declared!.permission !== 'public') expect(allOperations, name).toContain(declared);
      }
    }
  });

  it('every mutation that is not public names a permission above reading', () => {
    for (const op of allOperations.filter(isMutation)) {
      expect(['public', 'project.read'], op.id).not.toContain(op.permission);
    }
  });
});

/**
 * Every declared operation through its REST door, as five people: nobody
 * (401), a viewer of the project (403 on every mutation), an outsider who is a
 * member of another project only (404: the object's existence is not
 * leaked), an operator (refused production once it is protected), and the
 * role each operation needs (allowed).
 */
describe('who may use each door', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let runtime: Runtime;
  const tokens = {} as Record<'admin' | 'viewer' | 'operator' | 'deployer' | 'projectAdmin' | 'outsider', string>;
  const ids = {} as Record<string, string>;

  const failing = (name: string, environment?: string) => `
name: ${name}
project: alpha
steps:
  - key: build
    run: ["sh", "-c", "exit 1"]
  - key: ship
    needs: [build]
    ${environment ? `environment: ${environment}` : ''}
    run: ["true"]
`;

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await buildRuntime(database, { worker: false });
    provideRuntime(runtime);
    const admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, {
      'a.yaml': failing('plain'),
      'p.yaml': failing('prod', 'production'),
      'b.yaml': failing('other').replace('project: alpha', 'project: beta'),
      // Its first step deploys: triggering it records a deployment.
      'd.yaml': 'name: deploy\nproject: alpha\nsteps:\n  - key: ship\n    environment: staging\n    run: ["true"]\n',
    });
    const [alpha] = await database.db.select().from(projects).where(eq(projects.key, 'alpha'));
    const [beta] = await database.db.select().from(projects).where(eq(projects.key, 'beta'));
    await setEnvironmentProtection(database.db, admin, alpha.id, 'production', 'deployer');
    const pipelines = await database.db.query.pipelines.findMany();
    const plain = pipelines.find((p) => p.name === 'plain')!;
    const run = await triggerRun(database.db, admin, { pipelineId: plain.id });
    const [item] = await database.db.select().from(workItems).where(eq(workItems.runId, run.id));
    const [attempt] = await database.db.query.attempts.findMany({ where: (a, { eq: is }) => is(a.runId, run.id) });
    ids.pipeline_id = plain.id;
    ids.prod_pipeline_id = pipelines.find((p) => p.name === 'prod')!.id;
    ids.run_id = run.id;
    ids.item_id = item.id;
    ids.attempt_id = attempt.id;
    ids.project = 'alpha';
    const deployRun = await triggerRun(database.db, admin, { pipelineId: pipelines.find((p) => p.name === 'deploy')!.id });
    const [deployment] = await database.db.select().from(deployments).where(eq(deployments.runId, deployRun.id));
    ids.deployment_id = deployment.id;
    ids.environment_id = deployment.environmentId;

    const member = async (role: ProjectRole | null, projectId = alpha.id) => {
      const user = await createTestUser(database, 'member');
      if (role) await setMember(database.db, admin, projectId, user.userId, role);
      return { user, token: (await issueToken(database.db, { userId: user.userId, name: 'door test' })).token };
    };
    tokens.admin = (await issueToken(database.db, { userId: admin.userId, name: 'admin' })).token;
    tokens.viewer = (await member('viewer')).token;
    tokens.operator = (await member('operator')).token;
    tokens.deployer = (await member('deployer')).token;
    tokens.projectAdmin = (await member('admin')).token;
    tokens.outsider = (await member('admin', beta.id)).token;
    const someone = await member('viewer');
    ids.user_id = someone.user.userId;
    await database.db.insert(users).values({ email: 'door-newcomer@example.test', name: 'Newcomer', passwordHash: '!not-a-hash' });
    const ownToken = await issueToken(database.db, { userId: admin.userId, name: 'to revoke', projectId: alpha.id, role: 'viewer' });
    ids.token_id = ownToken.id;
  }, 180_000);
  afterAll(async () => {
    await runtime.hub.stop();
    await database.drop();
  });

  /** A valid input for each operation, so that only the caller decides the answer. */
  const BODIES: Record<string, unknown> = {
    'runs.trigger': {},
    'runs.retry': { reason: 'door test' },
    'runs.cancel': { reason: 'door test' },
    'runs.bulk_retry': { run_ids: [] as string[] },
    'attempts.retry': { reason: 'door test' },
    'attempts.replay': { reason: 'door test' },
    'users.create': { email: 'new-user@example.test', name: 'New', password: 'long enough password' },
    'users.update': { name: 'Renamed' },
    'members.set': { role: 'viewer' },
    // Someone with an account who is in no project yet (made in beforeAll).
    'members.add': { email: 'door-newcomer@example.test', role: 'viewer' },
    'environments.protect': { protection: { required_role: 'deployer' } },
    'tokens.create': { name: 'ci', project: 'alpha', role: 'viewer' },
    'deployments.rollback': { reason: 'door test' },
    'environments.hold': { reason: 'door test' },
    'environments.release': { reason: 'door test' },
  };
  const QUERIES: Record<string, string> = {
    'views.pipeline_runs': 'pipelineId={pipeline_id}',
    'views.pipeline_definition': 'pipelineId={pipeline_id}&from=1&to=1',
    'views.pipeline_durations': 'pipelineId={pipeline_id}',
    'views.run': 'runId={run_id}',
    'views.step': 'runId={run_id}&key=build',
    'views.environment': 'environmentId={environment_id}',
    'views.environment_compare': 'environmentId={environment_id}',
    'views.deployment': 'deploymentId={deployment_id}',
    'views.new_run': 'pipelineId={pipeline_id}',
    'views.run_search': 'q=%231',
  };

  async function call(op: AnyOperation, token: string | null, overrides: Record<string, string> = {}) {
    const values: Record<string, string> = { ...ids, name: 'staging', ...overrides };
    const fill = (s: string) => s.replace(/\{(\w+)\}/g, (_, k: string) => values[k]);
    const params = Object.fromEntries([...op.path.matchAll(/\{(\w+)\}/g)].map(([, k]) => [k.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase()), values[k]]));
    const query = QUERIES[op.id] ? `?${fill(QUERIES[op.id])}` : '';
    let body = BODIES[op.id];
    if (op.id === 'runs.bulk_retry') body = { run_ids: [values.run_id] };
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (token) headers.authorization = `Bearer ${token}`;
    const request = new Request(`http://reprise.test${fill(op.path)}${query}`, {
      method: op.method,
      headers,
      body: op.method === 'GET' || op.method === 'DELETE' ? undefined : JSON.stringify(body ?? {}),
    });
    const module = await import(/* @vite-ignore */ routeFileOf(op));
    const handler = (module as Record<string, RouteHandler>)[op.method];
    const response = await handler(request, { params: Promise.resolve(params) });
    if (op.id === 'events.stream' && response.status === 200) await response.body?.cancel();
    return response.status;
  }

  const routeFileOf = (op: AnyOperation) =>
    path.join(
      ROOT,
      'app',
      ...op.path
        .slice(1)
        .split('/')
        .map((s) => s.replace(/^\{(\w+)\}$/, (_, k: string) => `[${k.replace(/_(\w)/g, (_m, c: string) => c.toUpperCase())}]`)),
      'route.ts',
    );

  it('no identity: 401 everywhere but the public doors', async () => {
    for (const op of allOperations) {
      const status = await call(op, null);
      if (op.permission === 'public') expect(status, op.id).toBe(200);
      else expect(status, op.id).toBe(401);
    }
  });

  it("an outsider (another project's admin) gets 404 for this project's objects, reads and writes alike", async () => {
    for (const op of allOperations.filter((o) => o.project)) {
      expect(await call(op, tokens.outsider), op.id).toBe(404);
    }
  });

  it('a viewer reads but every mutation is refused with 403', async () => {
    for (const op of allOperations.filter((o) => o.project)) {
      const status = await call(op, tokens.viewer);
      if (isMutation(op)) expect(status, op.id).toBe(403);
      else expect(status, op.id).toBe(200);
    }
    for (const op of allOperations.filter((o) => o.permission === 'instance.admin')) {
      expect(await call(op, tokens.viewer), op.id).toBe(403);
    }
  });

  it('an operator may operate, but not deploy to a protected environment; a deployer may', async () => {
    const trigger = allOperations.find((o) => o.id === 'runs.trigger')!;
    expect(await call(trigger, tokens.operator)).toBe(201);
    // The operator may start a run that deploys to production: its deploy step waits for a deployer's approval.
    expect(await call(trigger, tokens.operator, { pipeline_id: ids.prod_pipeline_id })).toBe(201);
    expect(await call(trigger, tokens.deployer, { pipeline_id: ids.prod_pipeline_id })).toBe(201);
    const protect = allOperations.find((o) => o.id === 'environments.protect')!;
    expect(await call(protect, tokens.deployer)).toBe(403);
    expect(await call(protect, tokens.projectAdmin)).toBe(200);
    // Staging is now protected: the operator may not act on its deployments or its hold; a deployer may.
    const op = (id: string) => allOperations.find((o) => o.id === id)!;
    for (const id of ['deployments.retry', 'deployments.redeploy', 'deployments.rollback', 'environments.hold']) {
      expect(await call(op(id), tokens.operator), id).toBe(403);
    }
    expect(await call(op('environments.hold'), tokens.deployer)).toBe(200);
    expect(await call(op('environments.release'), tokens.operator)).toBe(403);
    expect(await call(op('environments.release'), tokens.deployer)).toBe(200);
  });

  it('the role each door needs is let through (never 401, 403 or 404)', async () => {
    // A token is revoked by its owner or an admin of its project (the token to revoke is alpha's).
    const tokenFor = (op: AnyOperation) =>
      op.permission === 'instance.admin'
        ? tokens.admin
        : op.permission === 'project.admin' || op.id === 'tokens.revoke'
          ? tokens.projectAdmin
          : // Staging was protected above: deploying there needs a deployer.
            op.id.startsWith('deployments.') || op.id.startsWith('environments.') || op.id === 'attempts.approve'
            ? tokens.deployer
            : tokens.operator;
    for (const op of allOperations) {
      const status = await call(op, tokenFor(op));
      expect([401, 403, 404], `${op.id} answered ${status}`).not.toContain(status);
      expect(status, op.id).toBeLessThan(500);
    }
  });
});
