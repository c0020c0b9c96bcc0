import { makeWorkerUtils, type Runner, type Task, type WorkerUtils } from 'graphile-worker';
import { createPostgresDatabase } from './databases';
import { benchPool, silent, spawnTrue, startGraphile } from './graphile-pool';
import { ENQUEUE_CALLERS, spawnBenchProcess, type LatencyResult, type ThroughputResult } from './reprise-side';
import { fanOut, percentile, pollUntil, progress, sleep } from './stats';

interface Tally {
  done: number;
  failed: number;
  starts: Map<number, number>;
  finishes: Map<number, number>;
  dispatch: number[];
}

/** A fresh database with a running graphile-worker pool whose tasks record what they did. */
async function withGraphile<T>(adminUrl: string, measure: (utils: WorkerUtils, tally: Tally) => Promise<T>): Promise<T> {
  const scratch = await createPostgresDatabase(adminUrl, 'bench_engine_graphile');
  const tally: Tally = { done: 0, failed: 0, starts: new Map(), finishes: new Map(), dispatch: [] };
  const counted =
    (body: (payload: Record<string, number>, helpers: Parameters<Task>[1]) => Promise<void>): Task =>
    async (payload, helpers) => {
      try {
        await body(payload as Record<string, number>, helpers);
        tally.done++;
      } catch (error) {
        tally.failed++;
        throw error;
      }
    };
  const taskList: Record<string, Task> = {
    step: counted(() => spawnTrue()),
    dispatch: counted(async (p) => {
      tally.dispatch.push(Date.now() - p.enqueuedAt);
      await spawnTrue();
    }),
    chain: counted(async (p, helpers) => {
      tally.starts.set(p.i, performance.timeOrigin + performance.now());
      await spawnTrue();
      tally.finishes.set(p.i, performance.timeOrigin + performance.now());
      if (p.i + 1 < p.n) await helpers.addJob('chain', { i: p.i + 1, n: p.n }, { maxAttempts: 1 });
    }),
  };
  let runner: Runner | null = null;
  let utils: WorkerUtils | null = null;
  const pgPool = benchPool(scratch.url);
  try {
    utils = await makeWorkerUtils({ pgPool, logger: silent });
    await utils.migrate();
    runner = await startGraphile(pgPool, taskList);
    return await measure(utils, tally);
  } finally {
    await runner?.stop().catch((e: Error) => progress(`  graphile stop failed: ${e.message}`));
    if (utils) await Promise.resolve(utils.release()).catch(() => {});
    await pgPool.end().catch(() => {});
    await scratch.drop();
  }
}

async function jobsLeft(utils: WorkerUtils) {
  return utils.withPgClient(async (client) => {
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from graphile_worker.jobs');
    return rows[0].n;
  });
}

/** graphile deletes a job when it completes: "all done" is an empty jobs table and every task counted once. */
async function waitAllDone(utils: WorkerUtils, tally: Tally, expected: number, timeoutMs: number) {
  await pollUntil('graphile jobs to complete', async () => tally.done + tally.failed >= expected && (await jobsLeft(utils)) === 0, timeoutMs);
}

const check = async (utils: WorkerUtils, tally: Tally, expected: number) => {
  const left = await jobsLeft(utils);
  return {
    ok: tally.done === expected && tally.failed === 0 && left === 0,
    check: `${tally.done}/${expected} jobs ran \`true\`, ${tally.failed} failed, ${left} left in the queue`,
  };
};

const timeoutMs = (jobs: number) => 120_000 + jobs * 500;

/** `jobs` jobs added at once (addJobs, one statement): added → all completed. */
export async function graphileBatch(adminUrl: string, jobs: number): Promise<ThroughputResult> {
  return withGraphile(adminUrl, async (utils, tally) => {
    const started = performance.now();
    await utils.addJobs(Array.from({ length: jobs }, (_, i) => ({ identifier: 'step', payload: { i }, maxAttempts: 1 })));
    const enqueueSeconds = (performance.now() - started) / 1000;
    await waitAllDone(utils, tally, jobs, timeoutMs(jobs));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, enqueueSeconds, perSecond: jobs / seconds, ...(await check(utils, tally, jobs)) };
  });
}

/** `jobs` jobs added one by one (addJob each) by as many concurrent callers as Reprise's runs are triggered by. */
export async function graphileOneByOne(adminUrl: string, jobs: number): Promise<ThroughputResult> {
  return withGraphile(adminUrl, async (utils, tally) => {
    const started = performance.now();
    await fanOut(jobs, ENQUEUE_CALLERS, (i) => utils.addJob('step', { i }, { maxAttempts: 1 }));
    const enqueueSeconds = (performance.now() - started) / 1000;
    await waitAllDone(utils, tally, jobs, timeoutMs(jobs));
    const seconds = (performance.now() - started) / 1000;
    return { seconds, enqueueSeconds, perSecond: jobs / seconds, ...(await check(utils, tally, jobs)) };
  });
}

/**
 * `jobs` jobs added at once, run by `processes` graphile-worker pools, each a
 * process of its own (scripts/bench/graphile-process.ts, concurrency 8): the
 * control for Reprise's "2 workers vs 1". Completed jobs are deleted and a
 * failed one stays (maxAttempts 1), so all done is an empty queue.
 */
export async function graphileBatchInProcesses(adminUrl: string, jobs: number, processes: number): Promise<ThroughputResult> {
  const scratch = await createPostgresDatabase(adminUrl, 'bench_engine_graphile');
  const pgPool = benchPool(scratch.url, 2);
  let utils: WorkerUtils | null = null;
  let pools: { stop(): Promise<void> }[] = [];
  try {
    utils = await makeWorkerUtils({ pgPool, logger: silent });
    await utils.migrate();
    pools = await Promise.all(Array.from({ length: processes }, () => spawnBenchProcess('graphile-process.ts', scratch.url)));
    const started = performance.now();
    await utils.addJobs(Array.from({ length: jobs }, (_, i) => ({ identifier: 'step', payload: { i }, maxAttempts: 1 })));
    const enqueueSeconds = (performance.now() - started) / 1000;
    await pollUntil('graphile jobs to complete', async () => (await jobsLeft(utils!)) === 0, timeoutMs(jobs), 20);
    const seconds = (performance.now() - started) / 1000;
    return { seconds, enqueueSeconds, perSecond: jobs / seconds, ok: true, check: `${jobs} jobs added, the queue empty (none failed)` };
  } finally {
    await Promise.all(pools.map((p) => p.stop().catch(() => {})));
    if (utils) await Promise.resolve(utils.release()).catch(() => {});
    await pgPool.end().catch(() => {});
    await scratch.drop();
  }
}

/** A chain: each job adds the next when its `true` has finished; the gap is that finish → the next task's start. */
export async function graphileChain(adminUrl: string, steps: number): Promise<LatencyResult> {
  return withGraphile(adminUrl, async (utils, tally) => {
    await utils.addJob('chain', { i: 0, n: steps }, { maxAttempts: 1 });
    await waitAllDone(utils, tally, steps, timeoutMs(steps));
    const gaps = Array.from({ length: steps - 1 }, (_, i) => tally.starts.get(i + 1)! - tally.finishes.get(i)!);
    return { samples: gaps, p50: percentile(gaps, 50), p95: percentile(gaps, 95), max: Math.max(...gaps), ...(await check(utils, tally, steps)) };
  });
}

/** A trickle of single jobs, one every `everyMs`: time from just before addJob to the task's start. */
export async function graphileDispatch(adminUrl: string, count: number, everyMs: number): Promise<LatencyResult> {
  return withGraphile(adminUrl, async (utils, tally) => {
    await sleep(500);
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      await utils.addJob('dispatch', { i, enqueuedAt: Date.now() }, { maxAttempts: 1 });
      const wait = started + (i + 1) * everyMs - performance.now();
      if (wait > 0) await sleep(wait);
    }
    await waitAllDone(utils, tally, count, timeoutMs(count));
    const samples = tally.dispatch;
    return { samples, p50: percentile(samples, 50), p95: percentile(samples, 95), max: Math.max(...samples), ...(await check(utils, tally, count)) };
  });
}
