import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createPostgresDatabase } from './databases';
import { flatPipeline } from './reprise-side';
import { percentile, pollUntil, progress, sleep } from './stats';

/**
 * The live event stream under load: the real app (scripts/server.mjs, embedded
 * worker, PostgreSQL) with N SSE clients connected while runs are triggered
 * through the API at about `eventsPerSecond` events a second. Each client
 * notes when each frame arrives; latency is that moment minus the event's
 * `at`. Meanwhile the runs list is requested every 200 ms: the API must keep
 * answering.
 */
export interface SseOptions {
  adminUrl: string;
  /**
   * Where the steps run: `process`, a worker process beside the app (`npm run
   * worker`, as a PostgreSQL deployment runs them), or `embedded`, inside the
   * app's own process (REPRISE_WORKER=embedded).
   */
  worker: 'process' | 'embedded';
  clientCounts: number[];
  eventsPerSecond: number;
  loadSeconds: number;
  port: number;
}

export interface SseResult {
  clients: number;
  connected: number;
  eventsPerSecond: number;
  latencies: { p50: number; p95: number; p99: number; max: number; samples: number };
  deliveredPerClient: { min: number; median: number; expected: number };
  api: { p50: number; p95: number; max: number; requests: number; failed: number };
  triggers: { sent: number; failed: number; target: number };
  ok: boolean;
  check: string;
}

// One agent for all clients: the default would queue sockets beyond its limit.
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

function request(base: string, token: string, method: string, pathname: string, body?: unknown, timeoutMs = 30_000) {
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = http.request(
      new URL(pathname, base),
      { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, timeout: timeoutMs },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

interface SseClient {
  received: number;
  connected: Promise<void>;
  close(): void;
}

const AT = Buffer.from('"at":"');
const FRAME_END = Buffer.from('\n\n');
const DATA_LINE = Buffer.from('\ndata: ');
const CONNECTED = Buffer.from(': connected');
// "2026-12-06T03:40:12.345Z"
const STAMP_LENGTH = 24;

/**
 * One SSE connection. Frames are found and read in the received bytes, never
 * decoded to strings: with 1,000 clients in this process, decoding and
 * splitting text per frame made the measuring process the bottleneck, and
 * its delays were counted as the server's.
 */
function connectClient(base: string, token: string, latencies: number[], counting: { on: boolean }): SseClient {
  let req: http.ClientRequest | null = null;
  let rest: Buffer | null = null;
  const client: SseClient = {
    received: 0,
    connected: new Promise<void>((resolve, reject) => {
      req = http.get(new URL('/api/events', base), { agent, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`events answered ${res.statusCode}`));
          res.resume();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          const now = Date.now();
          const bytes = rest ? Buffer.concat([rest, chunk]) : chunk;
          let start = 0;
          let end: number;
          while ((end = bytes.indexOf(FRAME_END, start)) >= 0) {
            const frame = bytes.subarray(start, end);
            start = end + 2;
            const at = frame.indexOf(AT);
            if (at < 0 || frame.indexOf(DATA_LINE) < 0) {
              if (frame.indexOf(CONNECTED) >= 0) resolve();
              continue;
            }
            if (!counting.on) continue;
            const stamp = Date.parse(frame.toString('latin1', at + AT.length, at + AT.length + STAMP_LENGTH));
            client.received++;
            latencies.push(now - stamp);
          }
          rest = start < bytes.length ? Buffer.from(bytes.subarray(start)) : null;
        });
        res.on('error', () => {});
      });
      req.on('error', reject);
    }),
    close: () => req?.destroy(),
  };
  return client;
}

async function startServer(options: SseOptions, databaseUrl: string, pipelinesDir: string, token: string) {
  const logFile = path.join(os.tmpdir(), `reprise-bench-next-${process.pid}.log`);
  const out = fs.openSync(logFile, 'w');
  // Its own process group, so the whole server (and any process it starts) is stopped by the group id we own.
  // The app's server as `npm start` runs it (scripts/server.mjs); BENCH_CPU_PROF=<dir> writes its CPU profile there.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...profile, path.resolve('scripts/server.mjs'), '-p', String(options.port)], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      REPRISE_WORKER: options.worker === 'embedded' ? 'embedded' : 'off',
      REPRISE_WORKER_CONCURRENCY: '8',
      REPRISE_BOOTSTRAP_TOKEN: token,
      REPRISE_DEMO: 'off',
      REPRISE_PIPELINES: pipelinesDir,
      AUTH_SECRET: randomBytes(24).toString('hex'),
      NODE_ENV: 'production',
    },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  // However this process ends (Ctrl-C included), the server it started must not outlive it.
  process.once('exit', () => {
    try {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  const base = `http://127.0.0.1:${options.port}`;
  await pollUntil(
    'the app to answer /api/health',
    async () => {
      if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}); see ${logFile}`);
      try {
        return (await request(base, token, 'GET', '/api/health', undefined, 2000)).status === 200;
      } catch {
        return false;
      }
    },
    120_000,
    250,
  );
  const worker = options.worker === 'process' ? startWorkerProcess(databaseUrl) : null;
  return { child, worker, base, logFile };
}

/** `npm run worker` against the same database, in its own process group. */
function startWorkerProcess(databaseUrl: string) {
  const logFile = path.join(os.tmpdir(), `reprise-bench-worker-${process.pid}.log`);
  const out = fs.openSync(logFile, 'w');
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('lib/engine/worker-main.ts')], {
    env: { ...process.env, DATABASE_URL: databaseUrl, REPRISE_WORKER_CONCURRENCY: '8' },
    stdio: ['ignore', out, out],
    detached: true,
  });
  fs.closeSync(out);
  process.once('exit', () => {
    try {
      if (child.exitCode === null && child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  });
  return child;
}

async function stopServer(child: ChildProcess) {
  if (child.exitCode !== null || !child.pid) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGTERM');
  const forced = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // already gone
    }
  }, 10_000);
  await exited;
  clearTimeout(forced);
}

export async function runSse(options: SseOptions): Promise<SseResult[]> {
  const scratch = await createPostgresDatabase(options.adminUrl, 'bench_engine_sse');
  const pipelinesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-sse-'));
  fs.writeFileSync(path.join(pipelinesDir, 'tick.yaml'), flatPipeline('tick', 1));
  const token = `bench-${randomBytes(16).toString('hex')}`;
  let server: Awaited<ReturnType<typeof startServer>> | null = null;
  try {
    progress(`SSE: starting the app's server (PostgreSQL; worker: ${options.worker})`);
    server = await startServer(options, scratch.url, pipelinesDir, token);
    const { base } = server;
    const listed = await request(base, token, 'GET', '/api/v1/pipelines');
    const pipelineId = (JSON.parse(listed.text) as { items?: { id: string }[] }).items?.[0]?.id;
    if (!pipelineId) throw new Error(`the app's server lists no pipeline (the server's log says why): ${listed.text.slice(0, 200)}`);
    const eventsPerRun = await measureEventsPerRun(base, token, pipelineId);
    progress(`SSE: one run of the pipeline makes ${eventsPerRun} events`);
    const results: SseResult[] = [];
    for (const clients of options.clientCounts) {
      results.push(await loadWith(base, token, pipelineId, clients, eventsPerRun, options));
    }
    return results;
  } finally {
    if (server?.worker) await stopServer(server.worker);
    if (server) await stopServer(server.child);
    await scratch.drop().catch((e: Error) => progress(`SSE: drop failed: ${e.message}`));
    fs.rmSync(pipelinesDir, { recursive: true, force: true });
  }
}

/** Triggers three runs with one client listening and counts their events, to pace the load at events, not runs. */
async function measureEventsPerRun(base: string, token: string, pipelineId: string) {
  const counting = { on: true };
  const client = connectClient(base, token, [], counting);
  await client.connected;
  for (let i = 0; i < 3; i++) await triggerViaApi(base, token, pipelineId);
  await pollUntil('the warm-up runs to finish', async () => await allRunsFinished(base, token), 60_000, 200);
  await sleep(1000);
  client.close();
  return Math.max(1, Math.round(client.received / 3));
}

async function triggerViaApi(base: string, token: string, pipelineId: string) {
  const answer = await request(base, token, 'POST', `/api/v1/pipelines/${pipelineId}/runs`, {});
  if (answer.status !== 201) throw new Error(`trigger answered ${answer.status}: ${answer.text.slice(0, 200)}`);
}

async function allRunsFinished(base: string, token: string) {
  const answer = JSON.parse((await request(base, token, 'GET', '/api/v1/runs?limit=100')).text) as { items: { status: string }[] };
  return answer.items.every((r) => ['succeeded', 'failed', 'cancelled'].includes(r.status));
}

async function loadWith(
  base: string,
  token: string,
  pipelineId: string,
  clients: number,
  eventsPerRun: number,
  options: SseOptions,
): Promise<SseResult> {
  progress(`SSE: connecting ${clients} clients`);
  const latencies: number[] = [];
  const counting = { on: false };
  const pool = Array.from({ length: clients }, () => connectClient(base, token, latencies, counting));
  const connections = await Promise.allSettled(
    pool.map((c) => Promise.race([c.connected, sleep(60_000).then(() => Promise.reject(new Error('no answer in 60 s')))])),
  );
  const connected = connections.filter((c) => c.status === 'fulfilled').length;
  progress(`SSE: ${connected}/${clients} connected; loading for ${options.loadSeconds} s`);

  const runsPerSecond = options.eventsPerSecond / eventsPerRun;
  const everyMs = 1000 / runsPerSecond;
  const triggers = { sent: 0, failed: 0, target: Math.round(runsPerSecond * options.loadSeconds) };
  const api = { samples: [] as number[], failed: 0, reasons: new Map<string, number>() };
  const apiFailed = (reason: string) => {
    api.failed++;
    api.reasons.set(reason, (api.reasons.get(reason) ?? 0) + 1);
  };
  const inFlight = new Set<Promise<unknown>>();
  let triggersInFlight = 0;
  counting.on = true;
  const started = performance.now();
  const loadEnds = started + options.loadSeconds * 1000;
  let nextTrigger = started;
  let nextProbe = started;
  while (performance.now() < loadEnds) {
    const now = performance.now();
    // Runs are fired on a schedule, not one after another: a slow API must not lower the load it is measured under.
    // Bounded so a stalled API cannot pile up requests without end; the achieved rate is reported beside the target.
    if (now >= nextTrigger && triggersInFlight < 100) {
      nextTrigger += everyMs;
      triggers.sent++;
      triggersInFlight++;
      const p = triggerViaApi(base, token, pipelineId)
        .catch(() => triggers.failed++)
        .finally(() => triggersInFlight--);
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    if (now >= nextProbe) {
      nextProbe += 200;
      const t = performance.now();
      const p = request(base, token, 'GET', '/api/v1/runs?limit=50', undefined, 30_000)
        .then((r) => (r.status === 200 ? api.samples.push(performance.now() - t) : apiFailed(`HTTP ${r.status} ${r.text.slice(0, 80)}`)))
        .catch((e: Error) => apiFailed(e.message));
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    }
    await sleep(Math.max(1, Math.min(nextTrigger, nextProbe) - performance.now()));
  }
  const loadMs = performance.now() - started;
  // Let what was triggered finish and reach the clients before counting.
  await Promise.race([Promise.allSettled([...inFlight]), sleep(30_000)]);
  await pollUntil('the load runs to finish', async () => await allRunsFinished(base, token).catch(() => false), 120_000, 500).catch(
    (e: Error) => progress(`SSE: ${e.message}`),
  );
  await sleep(3000);
  counting.on = false;
  pool.forEach((c) => c.close());
  await sleep(1000);

  const delivered = pool.map((c) => c.received).sort((a, b) => a - b);
  const expected = delivered[delivered.length - 1] ?? 0;
  const eventsSent = expected;
  const result: SseResult = {
    clients,
    connected,
    eventsPerSecond: (eventsSent / loadMs) * 1000,
    latencies: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.reduce((a, b) => Math.max(a, b), 0),
      samples: latencies.length,
    },
    deliveredPerClient: { min: delivered[0] ?? 0, median: percentile(delivered, 50), expected },
    api: {
      p50: percentile(api.samples, 50),
      p95: percentile(api.samples, 95),
      max: api.samples.reduce((a, b) => Math.max(a, b), 0),
      requests: api.samples.length + api.failed,
      failed: api.failed,
    },
    triggers,
    ok: connected === clients && triggers.failed === 0 && api.failed === 0 && delivered[0] === expected,
    check: `${connected}/${clients} connected; ${triggers.sent - triggers.failed}/${triggers.sent} triggers accepted; every client got ${delivered[0] === expected ? 'all' : `${delivered[0]}–${expected}`} of ${expected} events; ${api.failed} API failures${
      api.failed ? ` (${[...api.reasons].map(([reason, n]) => `${n}× ${reason}`).join('; ')})` : ''
    }`,
  };
  progress(`SSE ${clients}: ${result.check}`);
  return result;
}
