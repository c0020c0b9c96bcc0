import fc from 'fast-check';
import { NextRequest } from 'next/server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import * as healthRoute from '@/app/api/health/route';
import * as liveRoute from '@/app/api/health/live/route';
import { proxy } from '@/proxy';
import type { Database } from '@/db/client';
import type { Actor } from '../actor';
import { allOperations, operations } from '../operations';
import type { AnyOperation } from '../operations/define';
import { route } from '../operations/rest';
import { publicOrigin, servedOverHttps } from '../paths';
import { databaseAnswers } from '../server/readiness';
import { buildRuntime, provideRuntime } from '../server/runtime';
import { apiClient } from '../testing/api-client';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { jsonDepth } from './handler';

const PIPELINE = `
name: doors
project: doors
steps:
  - key: build
    run: ["true"]
`;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';
const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The values a fuzzer tried that once reached PostgreSQL and came back as a 500. */
const NASTY = [
  '',
  '1',
  '-1',
  '0',
  '2147483648',
  '1e400',
  'NaN',
  '2024-02-30',
  '2024-02-30T00:00:00Z',
  '0000-01-01T00:00:00Z',
  'null',
  'a\u0000b',
  '\ud800',
  'x\udc00y',
  '%E0%A4%A',
  "'; select pg_sleep(10); --",
  '../../etc/passwd',
  'é'.repeat(300),
  UNKNOWN,
  cursorOf(['2024-02-30 00:00:00+00', UNKNOWN]),
  cursorOf(['1', UNKNOWN]),
  cursorOf(['2024-01-01 00:00:00+00', 'not-a-uuid']),
];

describe('doors that take anything and stay calm', () => {
  let database: Database & { drop(): Promise<void> };
  let actor: Actor;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let pipelineId: string;
  let runId: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    actor = await createTestUser(database);
    await loadTestPipelines(database, { 'doors.yaml': PIPELINE });
    api = await apiClient(database, actor);
    const pipelines = await api.call(route(operations.listPipelinesOp), { path: '/api/v1/pipelines' });
    pipelineId = pipelines.json.items.find((p: { name: string }) => p.name === 'doors').id;
    const run = await api.call(route(operations.triggerRunOp), { method: 'POST', path: `/api/v1/pipelines/${pipelineId}/runs`, params: { pipeline_id: pipelineId }, body: {} });
    expect(run.status).toBe(201);
    runId = run.json.id;
  }, 60_000);
  afterAll(async () => {
    await api.runtime.hub.stop();
    await database.drop();
  });
  afterEach(() => {
    delete process.env.REPRISE_TRUSTED_PROXY;
    delete process.env.REPRISE_PUBLIC_URL;
  });

  /** Calls a declared operation's REST door with a raw request. */
  async function send(op: AnyOperation, init: { path: string; params?: Record<string, string>; body?: string; headers?: Record<string, string> }) {
    const headers: Record<string, string> = { authorization: `Bearer ${api.token}`, ...init.headers };
    const request = new Request(`http://reprise.test${init.path}`, { method: op.method, headers, body: init.body });
    const response = await route(op)(request, { params: Promise.resolve(init.params ?? {}) });
    const text = response.headers.get('content-type')?.includes('json') ? await response.text() : (await response.body?.cancel(), '');
    return { status: response.status, json: text ? JSON.parse(text) : null, headers: response.headers };
  }
  const json = { 'content-type': 'application/json' };

  describe('refused with 400 before anything reaches PostgreSQL', () => {
    it('NUL in a path segment, a query value or anywhere in a body', async () => {
      const path = await send(operations.getRunOp, { path: '/api/v1/runs/x', params: { run_id: 'a\u0000' } });
      expect(path.status).toBe(400);
      const query = await send(operations.listRunsOp, { path: `/api/v1/runs?branch=${encodeURIComponent('main\u0000')}` });
      expect(query.status).toBe(400);
      expect(query.json.error.details).toEqual([{ path: '/branch', message: 'must not contain NUL characters' }]);
      const deep = await send(operations.triggerRunOp, {
        path: `/api/v1/pipelines/${pipelineId}/runs`,
        params: { pipeline_id: pipelineId },
        headers: json,
        body: JSON.stringify({ params: { nested: [{ value: 'x\u0000y' }] } }),
      });
      expect(deep.status).toBe(400);
      expect(deep.json.error.details).toEqual([{ path: '/params/nested/0/value', message: 'must not contain NUL characters' }]);
      const key = await send(operations.triggerRunOp, {
        path: `/api/v1/pipelines/${pipelineId}/runs`,
        params: { pipeline_id: pipelineId },
        headers: json,
        body: '{"params":{"a\\u0000":1}}',
      });
      expect(key.status).toBe(400);
    });

    it('lone surrogates in JSON', async () => {
      for (const body of ['{"reason":"\\ud800"}', '{"reason":"a\\udc00"}']) {
        const res = await send(operations.cancelRunOp, { path: `/api/v1/runs/${runId}/cancel`, params: { run_id: runId }, headers: json, body });
        expect(res.status).toBe(400);
        expect(res.json.error.details[0].message).toMatch(/surrogate/);
      }
      // A whole pair is an ordinary character.
      expect(jsonDepth('{"a":"\\ud83d\\ude00"}')).toBe(1);
    });

    it('JSON nested past 64 levels, measured without recursion', async () => {
      const deep = (n: number) => '{"params":' + '['.repeat(n) + ']'.repeat(n) + '}';
      expect(jsonDepth(deep(100_000))).toBe(100_001);
      expect(jsonDepth('{"a":"[[[[{{{{"}')).toBe(1);
      for (const n of [65, 5_000, 100_000]) {
        const res = await send(operations.triggerRunOp, { path: `/api/v1/pipelines/${pipelineId}/runs`, params: { pipeline_id: pipelineId }, headers: json, body: deep(n) });
        expect(res.status).toBe(400);
        expect(res.json.error.message).toMatch(/nested deeper than 64/);
      }
    });

    it('integers past what int4 holds, and dates that are no day', async () => {
      const logs = await send(operations.getLogsOp, { path: `/api/v1/attempts/${UNKNOWN}/logs?after=2147483648`, params: { attempt_id: UNKNOWN } });
      expect(logs.status).toBe(400);
      for (const until of ['1', '2024-02-30', '2024-02-30T00:00:00Z', '0000-01-01T00:00:00Z']) {
        const res = await send(operations.pipelineRunsViewOp, { path: `/api/views/pipeline-runs?pipelineId=${pipelineId}&until=${encodeURIComponent(until)}` });
        expect(res.status, until).toBe(400);
      }
      for (const cursor of [cursorOf(['2024-02-30 00:00:00+00', UNKNOWN]), cursorOf(['1', UNKNOWN]), cursorOf(['2024-01-01 25:00:00+00', UNKNOWN])]) {
        expect((await send(operations.listRunsOp, { path: `/api/v1/runs?cursor=${cursor}` })).status).toBe(400);
        expect((await send(operations.listAuditOp, { path: `/api/v1/audit?cursor=${cursor}` })).status).toBe(400);
      }
    });

    it('nested objects with unknown keys are refused, not stripped: every nested object in a body is strict', () => {
      const loose: string[] = [];
      const walk = (schema: z.ZodType, at: string) => {
        const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
        if (def.type === 'object') {
          if ((def.catchall as { _zod?: { def: { type: string } } } | undefined)?._zod?.def.type !== 'never') loose.push(at);
          for (const [k, v] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(v, `${at}/${k}`);
        }
        for (const inner of ['innerType', 'element', 'valueType', 'in', 'out']) if (def[inner]) walk(def[inner] as z.ZodType, at);
        if (Array.isArray(def.options)) for (const o of def.options as z.ZodType[]) walk(o, at);
      };
      for (const op of allOperations) {
        if (op.body) walk(op.body, `${op.id} body`);
        if (op.params) walk(op.params, `${op.id} path`);
      }
      expect(loose).toEqual([]);
    });
  });

  describe('bodies are JSON only', () => {
    it('415 for another media type; an empty body without one is fine', async () => {
      const cancel = (headers: Record<string, string>, body?: string) =>
        send(operations.cancelRunOp, { path: `/api/v1/runs/${runId}/cancel`, params: { run_id: runId }, headers, body });
      const form = await cancel({ 'content-type': 'application/x-www-form-urlencoded' }, 'reason=x');
      expect(form.status).toBe(415);
      expect(form.json.error.code).toBe('unsupported_media_type');
      expect((await cancel({ 'content-type': 'text/plain' }, '{"reason":"x"}')).status).toBe(415);
      expect((await cancel({}, '{"reason":"x"}')).status).toBe(415);
      expect((await cancel({})).status).toBe(200);
      // The run is cancelled now: a second cancel is refused for its state, which means the body was read.
      const again = await cancel({ 'content-type': 'application/json; charset=utf-8' }, '{"reason":"x"}');
      expect(again.json.error.code).toBe('wrong_state');
    });

    it('the API description lists 415 beside 413', async () => {
      const doc = (await send(operations.openApiOp, { path: '/api/v1/openapi.json' })).json;
      expect(doc.paths['/api/v1/runs/{run_id}/cancel'].post.responses).toHaveProperty('415');
    });
  });

  it('0 × 5xx: every door, given what a fuzzer sends in its path, query and body', async () => {
    const doors = allOperations.filter((op) => op.id !== 'events.stream');
    const nasty = fc.oneof(fc.constantFrom(...NASTY), fc.string({ unit: 'binary', maxLength: 40 }));
    const bodyValue = fc.oneof(nasty, fc.integer(), fc.constant(null), fc.array(nasty, { maxLength: 3 }), fc.dictionary(nasty, nasty, { maxKeys: 3 }));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...doors), fc.array(nasty, { minLength: 6, maxLength: 6 }), fc.dictionary(fc.string({ maxLength: 12 }), bodyValue, { maxKeys: 4 }), async (op, values, extra) => {
        const names = (schema?: { shape: object }) => Object.keys(schema?.shape ?? {});
        const params = Object.fromEntries(names(op.params).map((n, i) => [n, values[i % values.length]]));
        const query = new URLSearchParams(names(op.query).map((n, i) => [n, values[(i + 2) % values.length]]));
        const body = Object.fromEntries([...names(op.body).map((n, i): [string, unknown] => [n, values[(i + 4) % values.length]]), ...Object.entries(extra)]);
        const res = await send(op, { path: `/x?${query}`, params, headers: json, body: op.method === 'GET' ? undefined : JSON.stringify(body) });
        expect(res.status, `${op.id} ${JSON.stringify({ params, query: String(query), body })}`).toBeLessThan(500);
      }),
      { numRuns: 300 },
    );
  }, 240_000);

  describe('html_url points where the caller came from', () => {
    it('the Host the caller used, not the URL Next.js built', async () => {
      const res = await send(operations.getRunOp, { path: `/api/v1/runs/${runId}`, params: { run_id: runId }, headers: { host: '127.0.0.1:3301' } });
      expect(res.json.html_url).toBe(`http://127.0.0.1:3301/runs/${runId}`);
    });

    it('X-Forwarded-* only from a trusted proxy; REPRISE_PUBLIC_URL over all', async () => {
      const forwarded = { host: '127.0.0.1:3301', 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' };
      const get = () => send(operations.getRunOp, { path: `/api/v1/runs/${runId}`, params: { run_id: runId }, headers: forwarded });
      expect((await get()).json.html_url).toBe(`http://127.0.0.1:3301/runs/${runId}`);
      process.env.REPRISE_TRUSTED_PROXY = '1';
      expect((await get()).json.html_url).toBe(`https://evil.example/runs/${runId}`);
      process.env.REPRISE_PUBLIC_URL = 'https://reprise.example.com/';
      expect((await get()).json.html_url).toBe(`https://reprise.example.com/runs/${runId}`);
    });

    it('a Host that is no host name falls back to the request URL', () => {
      expect(publicOrigin({ url: 'http://localhost:3000/x', headers: new Headers({ host: 'a b/c' }) })).toBe('http://localhost:3000');
    });

    it('cookies are Secure exactly when the dashboard is served over https', () => {
      expect(servedOverHttps(new Headers({ host: 'x', 'x-forwarded-proto': 'https' }))).toBe(false);
      process.env.REPRISE_TRUSTED_PROXY = '1';
      expect(servedOverHttps(new Headers({ host: 'x', 'x-forwarded-proto': 'https' }))).toBe(true);
      process.env.REPRISE_PUBLIC_URL = 'http://reprise.local';
      expect(servedOverHttps(new Headers({ 'x-forwarded-proto': 'https' }))).toBe(false);
    });
  });

  describe('proxy', () => {
    const through = (path: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
      proxy(new NextRequest(`http://127.0.0.1:3301${path}`, { method: init.method ?? 'GET', headers: { host: '127.0.0.1:3301', ...init.headers } }));

    it('puts the security headers on every answer, with a fresh script nonce each time', () => {
      const a = through('/runs/x');
      const b = through('/api/v1/runs');
      const policy = a.headers.get('content-security-policy')!;
      expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]{16,}' 'strict-dynamic'/);
      for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"]) expect(policy).toContain(directive);
      expect(policy).not.toContain('unsafe-eval');
      expect(b.headers.get('content-security-policy')).not.toBe(policy);
      for (const res of [a, b]) {
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
        expect(res.headers.get('referrer-policy')).toBe('strict-origin-when-cross-origin');
        expect(res.headers.get('x-frame-options')).toBe('DENY');
      }
      // The page renders with the same nonce (Next.js reads it from the request's CSP header).
      expect(a.headers.get('x-middleware-request-content-security-policy')).toBe(policy);
    });

    it('400 JSON for a path that is not valid percent-encoding, or holds NUL', async () => {
      for (const path of ['/api/v1/runs/%E0%A4%A', '/runs/%ZZ', '/api/v1/runs/%00']) {
        const res = through(path);
        expect(res.status, path).toBe(400);
        expect((await res.json()).error.code).toBe('bad_request');
        expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      }
    });

    it('403 for a server action posted from another origin; its own origin passes', async () => {
      const foreign = through('/runs/x', { method: 'POST', headers: { 'next-action': 'abc', origin: 'https://evil.example' } });
      expect(foreign.status).toBe(403);
      expect((await foreign.json()).error.code).toBe('forbidden');
      expect(through('/runs/x', { method: 'POST', headers: { 'next-action': 'abc', origin: 'null' } }).status).toBe(403);
      const own = through('/runs/x', { method: 'POST', headers: { 'next-action': 'abc', origin: 'http://127.0.0.1:3301' } });
      expect(own.headers.get('x-middleware-next')).toBe('1');
    });
  });

  describe('health', () => {
    it('liveness answers without the database', async () => {
      const res = liveRoute.GET();
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ ok: true });
    });

    it('readiness runs a query each time: 503 once the database is gone', async () => {
      const own = await createTestDatabase();
      const runtime = await buildRuntime(own, { worker: false });
      provideRuntime(runtime);
      try {
        const up = await healthRoute.GET();
        expect(up.status).toBe(200);
        expect(await up.json()).toEqual({ ok: true });
        await runtime.hub.stop();
        await own.drop();
        const down = await healthRoute.GET();
        expect(down.status).toBe(503);
        expect(await down.json()).toEqual({ ok: false });
      } finally {
        provideRuntime(api.runtime);
      }
    });

    it('a database that does not answer in time is not ready', async () => {
      const never = () => new Promise<never>(() => {});
      expect(await databaseAnswers(never, 50)).toBe(false);
      expect(await databaseAnswers(() => Promise.resolve(database.db))).toBe(true);
    });
  });
});
