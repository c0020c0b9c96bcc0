import { eq, sql } from 'drizzle-orm';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '@/db/client';
import { projects, workItems } from '@/db/schema';
import { allOperations } from '.';
import { setMember } from '../auth/members';
import { issueToken } from '../auth/tokens';
import { setEnvironmentProtection } from '../deployments/environments';
import { triggerRun } from '../runs/trigger-run';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import type { AnyOperation } from './define';
import { route } from './rest';

/**
 * Every declared operation through its REST door with what a hostile or
 * careless client sends: hostile strings (NUL, lone surrogates, bad dates,
 * numbers past int4, markup, 10,000 characters) in path, query and body,
 * unknown keys at every depth, JSON nested thousands deep, truncated JSON,
 * other media types, and five callers (nobody, a garbage token, a viewer, an
 * outsider of the project, an admin). Two properties:
 *
 * - no answer is a 5xx: anything a client sends is refused with a 4xx;
 * - a refused request changes no row (the whole database is fingerprinted
 *   before and after; only the token's last use and the rate-limit counters,
 *   which every caller moves, are left out).
 *
 * The seed is fixed, so a failure reproduces; REPRISE_FUZZ_RUNS sets the
 * count.
 */
// 10,000 on PGlite; 2,000 more on PostgreSQL, which shares every door and would double the CI time for little.
const RUNS = Number(process.env.REPRISE_FUZZ_RUNS || (process.env.DATABASE_URL ? 2_000 : 10_000));
const SEED = 20261124;

const PIPELINE = (name: string, project: string, environment?: string) => `
name: ${name}
project: ${project}
steps:
  - key: build
    run: ["sh", "-c", "exit 1"]
    inputSchema:
      type: object
      properties:
        version: { type: string }
  - key: ship
    needs: [build]
    ${environment ? `environment: ${environment}` : ''}
    run: ["true"]
`;

/** Strings that found 500s before, and their relatives. */
const HOSTILE = [
  '',
  ' ',
  '\u0000',
  'run\u0000',
  '\ud800',
  'a\udfffb',
  '%',
  '%E0%A4%A',
  '%00',
  '../../etc/passwd',
  "'; drop table runs; --",
  '<script>alert(1)</script>',
  '\u001b]8;;javascript:alert(1)\u0007x\u001b]8;;\u0007',
  '\u202eevil',
  '😀',
  'x'.repeat(10_000),
  '1',
  '0',
  '-1',
  '2147483648',
  '-2147483649',
  '9223372036854775808',
  '99999999999999999999999999',
  '1e309',
  'NaN',
  'Infinity',
  '1.5',
  '2024-02-30',
  '2024-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  '275760-09-13T00:00:00Z',
  'null',
  'true',
  '[]',
  '{}',
  'admin',
  'viewer',
  'owner',
  'production',
  'staging',
  'alpha',
  'a@b',
  'new@example.test',
];

/** How deeply nested JSON is sent (the old server died at 5,000). */
const deep = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

describe('fuzzing every declared operation', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let runtime: Runtime;
  const tokens: Record<string, string | null> = { nobody: null, garbage: 'rp_not_a_token' };
  const known: Record<string, string> = {};

  beforeAll(async () => {
    database = await createTestDatabase();
    runtime = await buildRuntime(database, { worker: false });
    provideRuntime(runtime);
    const admin = await createTestUser(database, 'admin');
    await loadTestPipelines(database, {
      'a.yaml': PIPELINE('plain', 'alpha'),
      'p.yaml': PIPELINE('prod', 'alpha', 'production'),
      'b.yaml': PIPELINE('other', 'beta'),
    });
    const [alpha] = await database.db.select().from(projects).where(eq(projects.key, 'alpha'));
    const [beta] = await database.db.select().from(projects).where(eq(projects.key, 'beta'));
    await setEnvironmentProtection(database.db, admin, alpha.id, 'production', 'deployer');
    const pipelines = await database.db.query.pipelines.findMany();
    const plain = pipelines.find((p) => p.name === 'plain')!;
    const run = await triggerRun(database.db, admin, { pipelineId: plain.id });
    const [item] = await database.db.select().from(workItems).where(eq(workItems.runId, run.id));
    const [attempt] = await database.db.query.attempts.findMany({ where: (a, { eq: is }) => is(a.runId, run.id) });
    const viewer = await createTestUser(database, 'member');
    await setMember(database.db, admin, alpha.id, viewer.userId, 'viewer');
    const outsider = await createTestUser(database, 'member');
    await setMember(database.db, admin, beta.id, outsider.userId, 'admin');
    const revocable = await issueToken(database.db, {
      userId: admin.userId,
      name: 'fuzz',
      projectId: alpha.id,
      role: 'viewer',
    });
    Object.assign(known, {
      pipeline_id: plain.id,
      run_id: run.id,
      item_id: item.id,
      attempt_id: attempt.id,
      user_id: viewer.userId,
      token_id: revocable.id,
      project: 'alpha',
      name: 'staging',
      key: 'build',
    });
    tokens.admin = (await issueToken(database.db, { userId: admin.userId, name: 'fuzz admin' })).token;
    tokens.viewer = (await issueToken(database.db, { userId: viewer.userId, name: 'fuzz viewer' })).token;
    tokens.outsider = (await issueToken(database.db, { userId: outsider.userId, name: 'fuzz outsider' })).token;
  }, 180_000);

  afterAll(async () => {
    await runtime?.hub.stop();
    await database?.drop();
  });

  it(`answers ${RUNS} hostile requests without a 5xx, and a refused one changes nothing`, async () => {
    const operations = allOperations;
    const text = fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE) },
      { weight: 3, arbitrary: fc.constantFrom(...Object.values(known)) },
      { weight: 1, arbitrary: fc.uuid() },
      { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
    );
    const value: fc.Arbitrary<unknown> = fc.oneof(
      { weight: 6, arbitrary: text },
      {
        weight: 2,
        arbitrary: fc.oneof(fc.integer(), fc.constantFrom(2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 1, 1e308, -0, 0.5)),
      },
      { weight: 1, arbitrary: fc.boolean() },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.array(text, { maxLength: 4 }) },
      {
        weight: 2,
        arbitrary: fc.dictionary(
          fc.constantFrom('required_role', 'role', 'extra', '__proto__', 'constructor', '\u0000'),
          text,
          { maxKeys: 3 },
        ),
      },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    );
    const bodyOf = (op: AnyOperation) => {
      const keys = op.body ? Object.keys(op.body.shape) : [];
      const fields = keys.length
        ? fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: keys.length })
        : fc.constant({});
      return fc.oneof(
        { weight: 8, arbitrary: fields.map((b) => JSON.stringify(b)) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fields, fc.string({ maxLength: 12 }), value)
            .map(([b, k, v]) => JSON.stringify({ ...b, [k || 'unknown']: v })),
        },
        {
          weight: 2,
          arbitrary: fc.constantFrom(
            '',
            '{',
            'null',
            '[]',
            '"text"',
            '42',
            deep(100),
            deep(6_000),
            `{"reason":${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}}`,
            '{"reason":"\\u0000"}',
            '{"reason":"\\ud800"}',
            '{"inputs":{"version":"\\udfff"}}',
            '{"inputs":{"version":"1","\\u0000":1}}',
            '{"protection":{"required_role":"deployer","extra":true}}',
            '{"run_ids":["\\u0000"]}',
            '{"expires_at":"2024-02-30T00:00:00Z","name":"x","project":"alpha","role":"viewer"}',
            'reason=form-encoded',
          ),
        },
      );
    };
    const queryOf = (op: AnyOperation) => {
      const keys = [...(op.query ? Object.keys(op.query.shape) : []), 'extra'];
      return fc.dictionary(fc.constantFrom(...keys), text, { maxKeys: 4 });
    };
    const paramsOf = (op: AnyOperation) => {
      const names = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      return fc
        .tuple(
          ...names.map(() =>
            fc.oneof({ weight: 2, arbitrary: text }, { weight: 1, arbitrary: fc.constant(undefined) }),
          ),
        )
        .map((values) => Object.fromEntries(names.map((name, i) => [name, values[i] ?? known[name] ?? 'x'])));
    };
    const request = fc.integer({ min: 0, max: operations.length - 1 }).chain((index) => {
      const op = operations[index];
      return fc.record({
        op: fc.constant(op),
        caller: fc.constantFrom('nobody', 'garbage', 'viewer', 'outsider', 'admin', 'admin'),
        params: paramsOf(op),
        query: queryOf(op),
        body: bodyOf(op),
        contentType: fc.constantFrom(
          'application/json',
          'application/json',
          'application/json',
          'application/json; charset=utf-8',
          'text/plain',
          'application/x-www-form-urlencoded',
          null,
        ),
        idempotencyKey: fc.option(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), { freq: 4 }),
      });
    });

    const handlers = new Map(operations.map((op) => [op, route(op)]));
    let before = await fingerprint(database.db);
    const seen = new Map<string, number>();
    const outcome = await fc.check(
      fc.asyncProperty(request, async (r) => {
        const path = r.op.path.replace(/\{(\w+)\}/g, (_, name: string) =>
          encodeURIComponent(toWellFormed(r.params[name])),
        );
        const url = new URL(`http://reprise.test${path}`);
        for (const [k, v] of Object.entries(r.query)) url.searchParams.append(k, v);
        const headers = new Headers();
        if (tokens[r.caller]) headers.set('authorization', `Bearer ${tokens[r.caller]}`);
        if (r.contentType) headers.set('content-type', r.contentType);
        if (r.idempotencyKey) headers.set('idempotency-key', r.idempotencyKey.replace(/[^\x20-\x7e]/g, ''));
        const hasBody = r.op.method !== 'GET' && r.op.method !== 'DELETE';
        const response = await handlers.get(r.op)!(
          new Request(url, { method: r.op.method, headers, body: hasBody ? r.body : undefined }),
          {
            params: Promise.resolve(r.params),
          },
        );
        const status = response.status;
        const answer =
          r.op.id === 'events.stream' && status === 200 ? (await response.body?.cancel(), '') : await response.text();
        seen.set(`${Math.floor(status / 100)}xx`, (seen.get(`${Math.floor(status / 100)}xx`) ?? 0) + 1);
        expect(
          status,
          `${r.op.id} ${r.op.method} ${url.pathname}${url.search} as ${r.caller}, body ${JSON.stringify(r.body.slice(0, 200))}: ${answer.slice(0, 300)}`,
        ).toBeLessThan(500);
        const after = await fingerprint(database.db);
        if (status >= 400)
          expect(after, `${r.op.id} ${url.pathname}${url.search} refused with ${status} but changed rows`).toEqual(
            before,
          );
        before = after;
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
    // The request is in the error's message; fast-check's own report would print whole schemas and 6,000-deep bodies.
    if (outcome.failed) throw outcome.errorInstance;
    console.info(`fuzz: ${RUNS} requests`, Object.fromEntries(seen));
    // The generator reaches every kind of answer, so the properties are not vacuous.
    expect(seen.get('2xx') ?? 0, JSON.stringify(Object.fromEntries(seen))).toBeGreaterThan(RUNS / 50);
    expect(seen.get('4xx') ?? 0).toBeGreaterThan(RUNS / 2);
  }, 1_800_000);
});

/** encodeURIComponent throws on a lone surrogate; a browser would send U+FFFD. */
const toWellFormed = (s: string) =>
  s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');

/** Every row of every table, hashed; the tokens' last use and the rate-limit counters move on every call and are left out. */
async function fingerprint(db: Db) {
  const rowsOf = (result: unknown) =>
    (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as Record<string, string>[];
  tables ??= rowsOf(
    await db.execute(sql`select tablename from pg_tables where schemaname = current_schema() order by tablename`),
  )
    .map((r) => r.tablename)
    .filter((name) => name !== 'rate_limits');
  const digest = tables
    .map(
      (name) =>
        `select '${name}' as name, count(*) || ':' || coalesce(sum(hashtext((to_jsonb(x) - 'last_used_at')::text)), 0) as digest from "${name}" x`,
    )
    .join(' union all ');
  return Object.fromEntries(rowsOf(await db.execute(sql.raw(digest))).map((r) => [r.name, r.digest]));
}
let tables: string[] | undefined;
