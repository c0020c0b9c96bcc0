import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GET as eventsRoute } from '@/app/api/events/route';
import * as triggerRoute from '@/app/api/v1/pipelines/[pipelineId]/runs/route';
import * as runRoute from '@/app/api/v1/runs/[runId]/route';
import * as attemptsRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/attempts/route';
import * as replayRoute from '@/app/api/v1/runs/[runId]/items/[itemId]/replay/route';
import * as logsRoute from '@/app/api/v1/attempts/[attemptId]/logs/route';
import * as auditRoute from '@/app/api/v1/audit/route';
import * as runViewRoute from '@/app/api/views/run/route';
import * as stepViewRoute from '@/app/api/views/step/route';
import { apiClient } from '../testing/api-client';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { collectFrames, type Frame } from '../testing/sse-frames';
import { waitFor } from '../testing/test-db';
import { rowsOf } from '../engine/sql-rows';
import { MASK } from '../secrets';

const SECRET = 'whk-Secret-Value-93f1';
const ROTATED = 'whk-Rotated-Value-27ab';
const NESTED = 'nested-pw-5521x';
const CLEAR = [SECRET, ROTATED, NESTED];
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

// The step prints its secrets (plainly, and inside its inputs file), writes
// one into its outputs and its error, and proves what it got with a hash.
const SCRIPT = [
  'echo "token=$REPRISE_INPUT_WEBHOOK_TOKEN"',
  'cat "$REPRISE_INPUTS"; echo',
  'hash=$(printf %s "$REPRISE_INPUT_WEBHOOK_TOKEN" | sha256sum | cut -c1-64)',
  'if [ -e __SCRATCH__/notify.fail ]; then echo "refused $REPRISE_INPUT_WEBHOOK_TOKEN" >&2; exit 3; fi',
  'printf \'{"sha":"%s","length":%d,"echo":"%s"}\' "$hash" "${#REPRISE_INPUT_WEBHOOK_TOKEN}" "$REPRISE_INPUT_WEBHOOK_TOKEN" > "$REPRISE_OUTPUTS"',
].join('\n');

const PIPELINE = `
name: secrets
project: test
steps:
  - key: prepare
    run: ["sh", "-c", "echo preparing"]
  - key: notify
    needs: [prepare]
    inputs:
      channel: "#ops"
      webhook_token: "${SECRET}"
      auth: { user: ann, password: "${NESTED}" }
    inputSchema:
      type: object
      required: [channel, webhook_token]
      properties:
        channel: { type: string, minLength: 1 }
        webhook_token: { type: string, minLength: 8, x-secret: true }
        auth:
          type: object
          properties:
            user: { type: string }
            password: { type: string, writeOnly: true }
    run: ["sh", "${path.join('__SCRATCH__', 'notify.sh')}"]
`;

/** Opens /api/events as a browser would, collecting every frame until closed. */
function openStream(token: string) {
  const abort = new AbortController();
  const into = { frames: [] as Frame[], named: [] as string[] };
  const request = new Request('http://reprise.test/api/events', {
    headers: { authorization: `Bearer ${token}` },
    signal: abort.signal,
  });
  const ready = eventsRoute(request).then((response) => collectFrames(response.body!, into));
  return { frames: into.frames, ready, request, close: () => abort.abort() };
}

describe('secret inputs', { timeout: 240_000 }, () => {
  let f: EngineFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  beforeAll(async () => {
    f = await engineFixture({ 'secrets.yaml': PIPELINE });
    fs.writeFileSync(path.join(f.scratch, 'notify.sh'), SCRIPT.replaceAll('__SCRATCH__', f.scratch));
    api = await apiClient(f.database, f.actor);
    await f.startWorker();
  }, 180_000);
  afterAll(async () => {
    await api.runtime.hub.stop();
    await f.close();
  });

  it('reach the step, and no read path, log, audit entry or event holds them, through a failure and two replays', async () => {
    const stream = openStream(api.token);
    await stream.ready;
    /** Every answer the API gave, to search at the end. */
    const answers: unknown[] = [];
    const call = async (...args: Parameters<typeof api.call>) => {
      const res = await api.call(...args);
      answers.push(res.json);
      return res;
    };

    const pipelineId = await f.pipelineId('secrets');
    fs.writeFileSync(path.join(f.scratch, 'notify.fail'), '');
    const created = await call(triggerRoute.POST, {
      method: 'POST',
      path: `/api/v1/pipelines/${pipelineId}/runs`,
      params: { pipelineId },
      body: {},
    });
    expect(created.status).toBe(201);
    const runId: string = created.json.id;
    await f.waitForRun(runId);
    fs.rmSync(path.join(f.scratch, 'notify.fail'));
    const notify = await f.item(runId, 'notify');
    const attemptsPath = {
      path: `/api/v1/runs/${runId}/items/${notify.id}/attempts`,
      params: { runId, itemId: notify.id },
    };

    const run = await call(runRoute.GET, { path: `/api/v1/runs/${runId}`, params: { runId } });
    const failed = run.json.items.find((i: { key: string }) => i.key === 'notify').latest_attempt;
    expect(failed.status).toBe('failed');
    expect(failed.inputs).toEqual({ channel: '#ops', webhook_token: MASK, auth: { user: 'ann', password: MASK } });
    expect(failed.error.message).toBe(`Step exited with code 3: refused ${MASK}`);

    // Replay as the editor would: the inputs as shown, one field edited, the secret left masked.
    const shown = (await call(attemptsRoute.GET, attemptsPath)).json.items.at(-1).inputs;
    const kept = await call(replayRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${runId}/items/${notify.id}/replay`,
      params: { runId, itemId: notify.id },
      body: { inputs: { ...shown, channel: '#dev' }, reason: 'new channel' },
    });
    expect(kept.status).toBe(200);
    expect(kept.json.inputs).toEqual({ channel: '#dev', webhook_token: MASK, auth: { user: 'ann', password: MASK } });
    expect(kept.json.input_diff).toEqual([{ path: '/channel', before: '#ops', after: '#dev' }]);
    await f.waitForRun(runId);

    const rotated = await call(replayRoute.POST, {
      method: 'POST',
      path: `/api/v1/runs/${runId}/items/${notify.id}/replay`,
      params: { runId, itemId: notify.id },
      body: { inputs: { ...shown, channel: '#dev', webhook_token: ROTATED }, reason: 'rotated the token' },
    });
    expect(rotated.status).toBe(200);
    expect(rotated.json.input_diff).toEqual([{ path: '/webhook_token', before: MASK, after: MASK, secret: true }]);
    await f.waitForRun(runId);

    // The step really got each value: the clear ones are stored for it, its outputs hash what it received.
    const stored = await f.attemptsOf(notify.id);
    expect(stored.map((a) => a.inputs.webhook_token)).toEqual([SECRET, SECRET, ROTATED]);
    expect(stored.map((a) => (a.inputs.auth as { password: string }).password)).toEqual([NESTED, NESTED, NESTED]);
    expect(stored.map((a) => a.status)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect(stored[1].outputs).toEqual({ sha: sha256(SECRET), length: SECRET.length, echo: MASK });
    expect(stored[2].outputs).toEqual({ sha: sha256(ROTATED), length: ROTATED.length, echo: MASK });

    // Every read path, as the dashboard and API clients use them.
    await call(runRoute.GET, { path: `/api/v1/runs/${runId}`, params: { runId } });
    const history = await call(attemptsRoute.GET, attemptsPath);
    expect(history.json.items.map((a: { inputs: unknown }) => a.inputs)).toEqual([
      { channel: '#ops', webhook_token: MASK, auth: { user: 'ann', password: MASK } },
      { channel: '#dev', webhook_token: MASK, auth: { user: 'ann', password: MASK } },
      { channel: '#dev', webhook_token: MASK, auth: { user: 'ann', password: MASK } },
    ]);
    await call(stepViewRoute.GET, { path: `/api/views/step?runId=${runId}&key=notify` });
    await call(runViewRoute.GET, { path: `/api/views/run?runId=${runId}&step=notify` });
    const logs: string[] = [];
    for (const attempt of stored) {
      const page = await call(logsRoute.GET, {
        path: `/api/v1/attempts/${attempt.id}/logs`,
        params: { attemptId: attempt.id },
      });
      logs.push(page.json.items.map((c: { text: string }) => c.text).join(''));
      const file = await logsRoute.GET(
        new Request(`http://reprise.test/api/v1/attempts/${attempt.id}/logs?format=text`, {
          headers: { authorization: `Bearer ${api.token}` },
        }),
        { params: Promise.resolve({ attemptId: attempt.id }) },
      );
      expect(file.status).toBe(200);
      answers.push(await file.text());
    }
    expect(logs[0]).toContain(`token=${MASK}`);
    expect(logs[0]).toContain(`"password":"${MASK}"`);
    const audit = await call(auditRoute.GET, { path: '/api/v1/audit?action=item' });
    expect(audit.json.items.find((e: { reason: string }) => e.reason === 'rotated the token').details.diff).toEqual([
      { path: '/webhook_token', before: MASK, after: MASK, secret: true },
    ]);

    const [{ last }] = rowsOf(
      await f.db.execute(sql`select max(id)::int as last from events where run_id = ${runId}::uuid`),
    ) as { last: number }[];
    await waitFor(
      'every event of the run on the stream',
      async () => stream.frames.some((frame) => frame.id >= last),
      60_000,
    );
    stream.close();

    const text = async (query: ReturnType<typeof sql>) => JSON.stringify(rowsOf(await f.db.execute(query)));
    const places: Record<string, string> = {
      'API answers': JSON.stringify(answers),
      'event stream': JSON.stringify(stream.frames),
      'audit rows': await text(sql`select * from audit_entries`),
      'log rows': await text(sql`select * from log_chunks`),
      'event rows': await text(sql`select * from events`),
      // The attempts' inputs hold the clear values for the step; nothing else of theirs may.
      'attempts, but their inputs': await text(
        sql`select id, outputs, error, input_overrides, input_diff, reason from attempts`,
      ),
      'runs and items': await text(sql`select r.*, w.* from runs r join work_items w on w.run_id = r.id`),
    };
    for (const [where, content] of Object.entries(places)) {
      for (const secret of CLEAR) expect(content.includes(secret), `${secret} in ${where}`).toBe(false);
    }
    expect(places['event stream']).toContain(runId);
  });
});
