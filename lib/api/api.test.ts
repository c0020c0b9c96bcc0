import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as pipelinesRoute from '@/app/api/v1/pipelines/route';
import * as triggerRoute from '@/app/api/v1/pipelines/[pipelineId]/runs/route';
import * as runsRoute from '@/app/api/v1/runs/route';
import * as runRoute from '@/app/api/v1/runs/[runId]/route';
import * as retryRoute from '@/app/api/v1/runs/[runId]/retry/route';
import * as cancelRoute from '@/app/api/v1/runs/[runId]/cancel/route';
import * as attemptsRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/attempts/route';
import * as itemRetryRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/retry/route';
import * as replayRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/replay/route';
import * as logsRoute from '@/app/api/v1/attempts/[attemptId]/logs/route';
import * as runViewRoute from '@/app/api/views/run/route';
import * as pipelinesViewRoute from '@/app/api/views/pipelines/route';
import * as bulkRetryRoute from '@/app/api/v1/runs/retry/route';
import { loadRunView } from '../views/run';
import { apiClient } from '../testing/api-client';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';

const PIPELINE = `
name: api
project: test
params:
  type: object
  properties:
    version: { type: string, default: "1.0.0" }
steps:
  - key: build
    run: ${countingStep('build')}
  - key: deploy
    needs: [build]
    inputs:
      version: "\${{ params.version }}"
      replicas: 1
    inputSchema:
      type: object
      required: [version, replicas]
      properties:
        version: { type: string }
        replicas: { type: integer, minimum: 1 }
    run: ${countingStep('deploy', 'while [ -e __SCRATCH__/deploy.hold ]; do sleep 0.1; done;')}
`;
const UNKNOWN = '00000000-0000-4000-8000-000000000000';

describe('HTTP API v1', () => {
  let f: EngineFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  let pipelineId: string;
  beforeAll(async () => {
    f = await engineFixture({ 'api.yaml': PIPELINE, 'broken.yaml': 'steps: [' });
    await f.startWorker();
    api = await apiClient(f.database, f.actor);
    pipelineId = await f.pipelineId('api');
  });
  afterAll(async () => {
    await api.runtime.hub.stop();
    await f.close();
  });

  const failedRun = async () => {
    fs.writeFileSync(path.join(f.scratch, 'deploy.fail'), '');
    const created = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: {},
    });
    await f.waitForRun(created.json.id);
    fs.rmSync(path.join(f.scratch, 'deploy.fail'));
    return created.json;
  };

  it('401 without an identity, or with an unknown token', async () => {
    const none = await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines', token: null });
    expect(none.status).toBe(401);
    expect(none.json.error.code).toBe('unauthenticated');
    expect((await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines', token: 'rp_nope' })).status).toBe(401);
  });

  it('lists pipelines with their params schema and load errors', async () => {
    const res = await api.call(pipelinesRoute.GET, { path: '/api/v1/pipelines' });
    expect(res.status).toBe(200);
    expect(res.json.items).toEqual([
      expect.objectContaining({
        id: pipelineId,
        project: 'test',
        name: 'api',
        version_hash: expect.stringMatching(/^[0-9a-f]{64}$/),
        params_schema: { type: 'object', properties: { version: { type: 'string', default: '1.0.0' } } },
      }),
    ]);
    expect(res.json.load_errors).toEqual([
      expect.objectContaining({ file: expect.stringMatching(/broken\.yaml$/), line: expect.any(Number) }),
    ]);
  });

  it('triggers a run (201) with html_url, params defaults, and 422 for bad params', async () => {
    const res = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: { commit: 'abc123', branch: 'main' },
    });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({
      number: expect.any(Number),
      status: 'queued',
      trigger: 'api',
      params: { version: '1.0.0' },
      commit: 'abc123',
      html_url: `http://reprise.test/runs/${res.json.id}`,
    });
    expect(res.json.items.map((i: { key: string }) => i.key)).toEqual(['build', 'deploy']);
    const bad = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: { params: { version: 7 } },
    });
    expect(bad.status).toBe(422);
    expect(bad.json.error.details).toEqual([{ path: '/version', message: 'must be string' }]);
    const missing = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${UNKNOWN}/runs`,
      params: { pipelineId: UNKNOWN },
      body: {},
    });
    expect(missing.status).toBe(404);
    const malformed = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: '{oops',
    });
    expect(malformed.status).toBe(400);
    const huge = await api.call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: { message: 'x'.repeat(1024 * 1024 + 10) },
    });
    expect(huge.status).toBe(413);
  });

  it('retries a failed run: 200, then 409 while it runs, 400 once it succeeded, 404 for unknown', async () => {
    const run = await failedRun();
    const retry = () =>
      api.call(retryRoute.POST, {
        method: 'POST',
        path: `/api/v1/runs/${run.id}/retry`,
        params: { runId: run.id },
        body: { reason: 'try again' },
      });
    // The retried step waits for this file to go, so the second retry meets it running.
    const hold = path.join(f.scratch, 'deploy.hold');
    fs.writeFileSync(hold, '');
    const first = await retry();
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ id: run.id, status: 'running', attempt: 2 });
    const second = await retry();
    expect(second.status).toBe(409);
    expect(second.json.error.message).toMatch(/^Already retried by Tester \d+ (just now|\d+ s ago)/);
    fs.rmSync(hold);
    await f.waitForRun(run.id);
    const third = await retry();
    expect(third.status).toBe(400);
    expect(third.json.error.code).toBe('wrong_state');
    const unknown = await api.call(retryRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${UNKNOWN}/retry`,
      params: { runId: UNKNOWN },
    });
    expect(unknown.status).toBe(404);
    const notAnId = await api.call(runRoute.GET, { path: '/api/v1/runs/nope', params: { runId: 'nope' } });
    expect(notAnId.status).toBe(404);
  });

  it('honours Idempotency-Key: same key and body → same answer; different body → refused', async () => {
    const run = await failedRun();
    const send = (key: string, body: unknown) =>
      api.call(retryRoute.POST, {
        method: 'POST',
        path: `/api/v1/runs/${run.id}/retry`,
        params: { runId: run.id },
        body,
        headers: { 'idempotency-key': key },
      });
    const results = await Promise.all(Array.from({ length: 5 }, () => send('key-1', { reason: 'double click' })));
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(new Set(results.map((r) => JSON.stringify(r.json))).size).toBe(1);
    expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(4);
    const other = await send('key-1', { reason: 'something else' });
    expect(other.status).toBe(422);
    expect(other.json.error.message).toMatch(/different request body/);
    await f.waitForRun(run.id);
    const detail = await api.call(runRoute.GET, { path: `/api/v1/runs/${run.id}`, params: { runId: run.id } });
    const deploy = detail.json.items.find((i: { key: string }) => i.key === 'deploy');
    expect(deploy.attempt_count).toBe(2);
  });

  it('shows attempts oldest first with superseded_by, and serves logs after a sequence number', async () => {
    const run = await failedRun();
    const detail = await api.call(runRoute.GET, { path: `/api/v1/runs/${run.id}`, params: { runId: run.id } });
    const deploy = detail.json.items.find((i: { key: string }) => i.key === 'deploy');
    expect(deploy.latest_attempt.error).toMatchObject({ exit_code: 3 });
    const retried = await api.call(itemRetryRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${run.id}/items/${deploy.id}/retry`,
      params: { runId: run.id, itemId: deploy.id },
      body: {},
    });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ kind: 'retry', number: 2, html_url: expect.stringContaining('#attempt-2') });
    await f.waitForRun(run.id);
    const list = await api.call(attemptsRoute.GET, {
      path: `/api/v1/runs/${run.id}/items/${deploy.id}/attempts`,
      params: { runId: run.id, itemId: deploy.id },
    });
    expect(list.json.items.map((a: { number: number; status: string }) => [a.number, a.status])).toEqual([
      [1, 'failed'],
      [2, 'succeeded'],
    ]);
    expect(list.json.items[0].superseded_by).toBe(list.json.items[1].id);
    const logs = await api.call(logsRoute.GET, {
      path: `/api/v1/attempts/${list.json.items[0].id}/logs`,
      params: { attemptId: list.json.items[0].id },
    });
    expect(logs.json.items.map((c: { text: string }) => c.text).join('')).toMatch(/running deploy attempt 1/);
    const after = await api.call(logsRoute.GET, {
      path: `/api/v1/attempts/${list.json.items[0].id}/logs?after=${logs.json.next_after}`,
      params: { attemptId: list.json.items[0].id },
    });
    expect(after.json).toEqual({ items: [], next_after: logs.json.next_after });
  });

  it('replays with inputs: 422 with paths, then 200', async () => {
    const run = await failedRun();
    const detail = await api.call(runRoute.GET, { path: `/api/v1/runs/${run.id}`, params: { runId: run.id } });
    const deploy = detail.json.items.find((i: { key: string }) => i.key === 'deploy');
    const replay = (body: unknown) =>
      api.call(replayRoute.POST, {
        method: 'POST',
        path: `/api/v1/runs/${run.id}/items/${deploy.id}/replay`,
        params: { runId: run.id, itemId: deploy.id },
        body,
      });
    const invalid = await replay({ inputs: { version: '2.0.0', replicas: 'many' } });
    expect(invalid.status).toBe(422);
    expect(invalid.json.error).toMatchObject({
      code: 'invalid_inputs',
      details: [{ path: '/replicas', message: 'must be integer' }],
    });
    const ok = await replay({ inputs: { version: '2.0.0', replicas: 2 }, reason: 'bigger' });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ kind: 'replay', inputs: { version: '2.0.0', replicas: 2 }, reason: 'bigger' });
    expect(ok.json.input_diff).toEqual([
      { path: '/version', before: '1.0.0', after: '2.0.0' },
      { path: '/replicas', before: 1, after: 2 },
    ]);
    await f.waitForRun(run.id);
  });

  it('cancels (400 when already finished) and lists runs newest first with keyset pagination', async () => {
    const run = await failedRun();
    const cancel = await api.call(cancelRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${run.id}/cancel`,
      params: { runId: run.id },
    });
    expect(cancel.status).toBe(400);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { json: { items: { id: string; created_at: string }[]; next_cursor: string | null } } =
        await api.call(runsRoute.GET, {
          path: `/api/v1/runs?pipeline=${pipelineId}&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        });
      seen.push(...page.json.items.map((r) => r.id));
      cursor = page.json.next_cursor;
    } while (cursor);
    const all = await api.call(runsRoute.GET, { path: `/api/v1/runs?pipeline=${pipelineId}&limit=100` });
    expect(seen).toEqual(all.json.items.map((r: { id: string }) => r.id));
    expect(new Set(seen).size).toBe(seen.length);
    const times = all.json.items.map((r: { created_at: string }) => r.created_at);
    expect([...times].sort().reverse()).toEqual(times);
    expect((await api.call(runsRoute.GET, { path: '/api/v1/runs?status=weird' })).status).toBe(400);
    expect((await api.call(runsRoute.GET, { path: '/api/v1/runs?cursor=garbage' })).status).toBe(400);
  });

  it('serves the dashboard views from the same loaders the pages render first', async () => {
    const run = await failedRun();
    const path = `/api/views/run?runId=${run.id}&step=deploy`;
    const served = await api.call(runViewRoute.GET, { path });
    expect(served.status).toBe(200);
    expect(served.headers.get('cache-control')).toBe('no-store');
    const rendered = await loadRunView(f.database.db, { runId: run.id, step: 'deploy' });
    // The door adds what the reader may do (an admin here: operate).
    expect({ ...served.json, now: null }).toEqual({ ...rendered, now: null, may: { operate: true } });
    expect(served.json.panel.attempts.map((a: { status: string }) => a.status)).toEqual(['failed']);
    expect(served.json.nodes.map((n: { key: string; status: string }) => [n.key, n.status])).toEqual([
      ['build', 'succeeded'],
      ['deploy', 'failed'],
    ]);

    expect((await api.call(runViewRoute.GET, { path, token: null })).status).toBe(401);
    expect((await api.call(runViewRoute.GET, { path: '/api/views/run' })).status).toBe(400);
    const unknownRun = await api.call(runViewRoute.GET, { path: `/api/views/run?runId=${UNKNOWN}` });
    expect(unknownRun.status).toBe(404);

    // Every pipeline's health from one ranked query: newest run first, and a rate over finished runs.
    const pipelines = await api.call(pipelinesViewRoute.GET, { path: '/api/views/pipelines' });
    const health = pipelines.json.pipelines.find((p: { id: string }) => p.id === pipelineId).health;
    expect(health.recent[0].id).toBe(run.id);
    expect(health.recent.length).toBeGreaterThan(1);
    expect(health.successRate).toBeGreaterThanOrEqual(0);
    expect(health.successRate).toBeLessThan(1);
    // The median measures runs that succeeded on their first attempt only (lib/runs/execution-time.ts).
    const firstTry = health.recent.filter(
      (r: { status: string; attempt: number }) => r.status === 'succeeded' && r.attempt === 1,
    );
    if (firstTry.length) expect(health.medianMs).toBeGreaterThan(0);
    else expect(health.medianMs).toBeNull();
  });

  it('retries several runs at once with a result per run', async () => {
    const [a, b] = [await failedRun(), await failedRun()];
    const path = '/api/v1/runs/retry';
    const body = { run_ids: [a.id, b.id, UNKNOWN], reason: 'registry back' };
    const first = await api.call(bulkRetryRoute.POST, { method: 'POST', path, body });
    expect(first.status).toBe(200);
    expect(first.json.results).toEqual([
      { run_id: a.id, ok: true, number: a.number, attempt: 2 },
      { run_id: b.id, ok: true, number: b.number, attempt: 2 },
      { run_id: UNKNOWN, ok: false, error: { code: 'not_found', message: expect.any(String) } },
    ]);
    // A double submit retries nothing twice: each run is running again (409), or already succeeded (400).
    const again = await api.call(bulkRetryRoute.POST, { method: 'POST', path, body });
    for (const r of again.json.results.slice(0, 2) as { ok: boolean; error: { code: string } }[]) {
      expect(r.ok).toBe(false);
      expect(['conflict', 'wrong_state']).toContain(r.error.code);
    }
    expect((await api.call(bulkRetryRoute.POST, { method: 'POST', path, body: { run_ids: [] } })).status).toBe(400);
    expect((await api.call(bulkRetryRoute.POST, { method: 'POST', path, body, token: null })).status).toBe(401);
    await f.waitForRun(a.id);
    await f.waitForRun(b.id);
  });
});
