import { spawn } from 'node:child_process';
import { adminActor } from '../../lib/testing/test-db';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql, type SQL } from 'drizzle-orm';
import { openDatabase, type Database } from '@/db/client';
import { pipelines, users } from '@/db/schema';
import type { Actor } from '@/lib/actor';
import { startWorker, type RunningWorker } from '@/lib/engine/worker';
import { loadPipelineFiles } from '@/lib/pipelines/loader';
import { triggerRun } from '@/lib/runs/trigger-run';
import { createPgliteFolder, createPostgresDatabase } from './databases';
import { fanOut, percentile, pollUntil, progress, sleep } from './stats';

/** Where Reprise's side of a measurement runs: a fresh PostgreSQL database, or a file-backed PGlite folder. */
export type Backend = { kind: 'postgres'; adminUrl: string } | { kind: 'pglite' };

export const flatPipeline = (name: string, steps: number) =>
  `name: ${name}\nproject: bench\nsteps:\n` +
  Array.from({ length: steps }, (_, i) => `  - key: s${i}\n    run: ["true"]`).join('\n') +
  '\n';

export const chainPipeline = (name: string, steps: number) =>
  `name: ${name}\nproject: bench\nsteps:\n` +
  Array.from({ length: steps }, (_, i) => `  - key: s${i}\n${i ? `    needs: [s${i - 1}]\n` : ''}    run: ["true"]`).join('\n') +
  '\n';

/** One scenario run's world: a fresh database with one pipeline loaded and an admin to trigger it. */
interface Fixture {
  database: Database;
  url: string | null;
  actor: Actor;
  pipelineId: string;
  close(): Promise<void>;
}

async function openFixture(backend: Backend, pipelineYaml: string): Promise<Fixture> {
  const pipelinesDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-pipelines-'));
  fs.writeFileSync(path.join(pipelinesDir, 'bench.yaml'), pipelineYaml);
  let database: Database;
  let url: string | null = null;
  let dispose: () => Promise<void>;
  if (backend.kind === 'postgres') {
    const scratch = await createPostgresDatabase(backend.adminUrl, 'bench_engine_reprise');
    url = scratch.url;
    database = await openDatabase({ databaseUrl: scratch.url });
    dispose = () => scratch.drop();
  } else {
    const folder = createPgliteFolder();
    database = await openDatabase({ dataDir: folder.dataDir });
    dispose = () => Promise.resolve(folder.remove());
  }
  try {
    const report = await loadPipelineFiles(database.db, pipelinesDir, () => {});
    if (report.errors.length) throw new Error(`bench pipeline did not load: ${report.errors[0].message}`);
    const [user] = await database.db
      .insert(users)
      .values({ email: 'bench@example.test', name: 'Bench', passwordHash: '!service', role: 'admin' })
      .returning();
    const [pipeline] = await database.db.select({ id: pipelines.id }).from(pipelines);
    return {
      database,
      url,
      actor: adminActor(user),
      pipelineId: pipeline.id,
      async close() {
        await database.close().catch(() => {});
        await dispose();
        fs.rmSync(pipelinesDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await database.close().catch(() => {});
    await dispose();
    throw error;
  }
}

const quietWorkerLog = (m: string) => {
  if (!m.startsWith('started')) progress(`  worker: ${m}`);
};

type WorkerHost = (fixture: Fixture) => Promise<{ stop(): Promise<void> }>;

/** The worker in this process, as the embedded mode and the issue's measurements run it. */
export const inProcessWorker: WorkerHost = async (fixture) => {
  const worker: RunningWorker = await startWorker(fixture.database, { concurrency: 8, log: quietWorkerLog });
  return worker;
};

/** `count` workers, each a process of its own (scripts/bench/worker-process.ts), as `npm run worker` runs them. */
export const workerProcesses =
  (count: number): WorkerHost =>
  async (fixture) => {
    if (!fixture.url) throw new Error('worker processes need PostgreSQL');
    const children = await Promise.all(Array.from({ length: count }, () => spawnBenchProcess('worker-process.ts', fixture.url!)));
    return {
      async stop() {
        await Promise.all(children.map((c) => c.stop()));
      },
    };
  };

/** A process running `script` (of scripts/bench) on `databaseUrl`: ready once it says so, stopped by closing its stdin. */
export async function spawnBenchProcess(script: string, databaseUrl: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, script)], {
    env: { ...process.env, BENCH_DATABASE_URL: databaseUrl },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${script} did not start within 60 s`)), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${script} exited (${code}) before it was ready`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(killer);
    },
  };
}

export interface ThroughputResult {
  seconds: number;
  /** Time spent enqueuing (triggering), included in `seconds`. */
  enqueueSeconds: number;
  perSecond: number;
  check: string;
  ok: boolean;
}

/** Counts what really ran, so a figure is never reported for steps that silently did not execute. */
async function verify(db: Database['db'], expectedRuns: number, expectedSteps: number) {
  const [row] = await rowsOf<{
    runs: number;
    runs_ok: number;
    attempts: number;
    attempts_ok: number;
    items_ok: number;
  }>(db, sql`
    select (select count(*) from runs)::int as runs,
           (select count(*) from runs where status = 'succeeded')::int as runs_ok,
           (select count(*) from attempts)::int as attempts,
           (select count(*) from attempts where status = 'succeeded')::int as attempts_ok,
           (select count(*) from work_items where status = 'succeeded')::int as items_ok`);
  const ok =
    row.runs === expectedRuns &&
    row.runs_ok === expectedRuns &&
    row.attempts_ok === expectedSteps &&
    row.attempts === expectedSteps &&
    row.items_ok === expectedSteps;
  return { ok, check: `${row.runs_ok}/${expectedRuns} runs succeeded, ${row.attempts_ok}/${expectedSteps} attempts succeeded (${row.attempts} attempts)` };
}

async function unfinishedRuns(db: Database['db']) {
  const [row] = await rowsOf<{ n: number }>(db, sql`select count(*)::int as n from runs where status not in ('succeeded', 'failed', 'cancelled')`);
  return row.n;
}

/** drizzle's postgres-js driver answers `execute` with an array of rows, the PGlite one with `{ rows }`. */
async function rowsOf<T>(db: Database['db'], query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

export const ENQUEUE_CALLERS = 8;

/**
 * Per-run time limit: generous for today's engine (~150 ms a step at 2,000 steps) on a busy shared
 * machine (a 400-step run once took 220 s under a load average of 17), still bounded.
 */
export const runTimeoutMs = (steps: number, backend: Backend) => (backend.kind === 'pglite' ? 2 : 1) * (120_000 + steps * 1000);

async function withFixture<T>(
  backend: Backend,
  yaml: string,
  host: WorkerHost,
  measure: (f: Fixture) => Promise<T>,
): Promise<T> {
  const fixture = await openFixture(backend, yaml);
  let worker: { stop(): Promise<void> } | null = null;
  try {
    worker = await host(fixture);
    return await measure(fixture);
  } finally {
    await worker?.stop().catch((e: Error) => progress(`  worker stop failed: ${e.message}`));
    await fixture.close();
  }
}

/** One run of `steps` independent steps: trigger → run finished. */
export async function repriseOneRun(backend: Backend, steps: number, host: WorkerHost = inProcessWorker): Promise<ThroughputResult> {
  return withFixture(backend, flatPipeline('flat', steps), host, async ({ database, actor, pipelineId }) => {
    const started = performance.now();
    await triggerRun(database.db, actor, { pipelineId });
    const enqueueSeconds = (performance.now() - started) / 1000;
    await pollUntil('the run to finish', async () => (await unfinishedRuns(database.db)) === 0, runTimeoutMs(steps, backend));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, enqueueSeconds, perSecond: steps / seconds, ...(await verify(database.db, 1, steps)) };
  });
}

/**
 * `count` runs of one step each, triggered by ENQUEUE_CALLERS concurrent callers (as API clients
 * would) while the worker runs: first trigger → last run finished. One caller alone would measure
 * the round trips of triggering, not the engine.
 */
export async function repriseManyRuns(backend: Backend, count: number): Promise<ThroughputResult> {
  return withFixture(backend, flatPipeline('one', 1), inProcessWorker, async ({ database, actor, pipelineId }) => {
    const started = performance.now();
    await fanOut(count, ENQUEUE_CALLERS, () => triggerRun(database.db, actor, { pipelineId }));
    const enqueueSeconds = (performance.now() - started) / 1000;
    await pollUntil('the runs to finish', async () => (await unfinishedRuns(database.db)) === 0, runTimeoutMs(count, backend));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, enqueueSeconds, perSecond: count / seconds, ...(await verify(database.db, count, count)) };
  });
}

export interface LatencyResult {
  samples: number[];
  p50: number;
  p95: number;
  max: number;
  check: string;
  ok: boolean;
}

const latency = (samples: number[], check: { ok: boolean; check: string }): LatencyResult => ({
  samples,
  p50: percentile(samples, 50),
  p95: percentile(samples, 95),
  max: Math.max(...samples),
  ...check,
});

/** A chain of `steps` (each needs the one before): finish of one → start of the next, from the attempts' own timestamps. */
export async function repriseChain(backend: Backend, steps: number): Promise<LatencyResult> {
  return withFixture(backend, chainPipeline('chain', steps), inProcessWorker, async ({ database, actor, pipelineId }) => {
    await triggerRun(database.db, actor, { pipelineId });
    await pollUntil('the chain to finish', async () => (await unfinishedRuns(database.db)) === 0, runTimeoutMs(steps, backend));
    const rows = await rowsOf<{ started: string; finished: string }>(database.db, sql`
      select extract(epoch from a.started_at) * 1000 as started, extract(epoch from a.finished_at) * 1000 as finished
      from attempts a join work_items w on w.id = a.work_item_id
      where a.status = 'succeeded' order by w.position`);
    const gaps = rows.slice(1).map((row, i) => Number(row.started) - Number(rows[i].finished));
    return latency(gaps, await verify(database.db, 1, steps));
  });
}

/**
 * A trickle of one-step runs, one every `everyMs`, to an otherwise idle
 * worker: how long a ready attempt waits before it starts
 * (attempts.created_at → started_at, both the database's clock).
 */
export async function repriseDispatch(backend: Backend, count: number, everyMs: number): Promise<LatencyResult> {
  return withFixture(backend, flatPipeline('one', 1), inProcessWorker, async ({ database, actor, pipelineId }) => {
    await sleep(500);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      await triggerRun(database.db, actor, { pipelineId });
      const next = started + (i + 1) * everyMs;
      const wait = next - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await pollUntil('the trickle to finish', async () => (await unfinishedRuns(database.db)) === 0, runTimeoutMs(count, backend));
    const rows = await rowsOf<{ ms: string }>(database.db, sql`select extract(epoch from (started_at - created_at)) * 1000 as ms from attempts where status = 'succeeded'`);
    return latency(
      rows.map((r) => Number(r.ms)),
      await verify(database.db, count, count),
    );
  });
}
