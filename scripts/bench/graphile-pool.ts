/**
 * graphile-worker as the benchmark runs it, in the bench process or in one of
 * its own (scripts/bench/graphile-process.ts). Nothing of Reprise is imported
 * here, so a graphile process is no bigger than it needs to be (a fork costs
 * more from a bigger process).
 */
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { Logger, run, type Runner, type TaskList, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { sleep } from './stats';

export const silent = new Logger(() => () => {});

/**
 * graphile-worker doing the work a Reprise step does: spawn `true` with piped
 * stdio and wait for it to close. Same machine, same PostgreSQL, concurrency 8,
 * its default settings otherwise.
 */
export function spawnTrue(): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('true', [], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.stderr.resume();
    child.once('error', reject);
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(`true exited with ${code}`))));
  });
}

/**
 * Our own pool, ended before the database is dropped: a pool graphile made
 * itself could still hold a connection then, and the drop's termination of it
 * arrived as an unhandled 'error' that ended the whole sitting.
 */
export function benchPool(url: string, max = 10 /* graphile-worker's default maxPoolSize */) {
  const pgPool = new pg.Pool({ connectionString: url, max });
  pgPool.on('error', () => {});
  pgPool.on('connect', (client) => client.on('error', () => {}));
  return pgPool;
}

/**
 * A running graphile-worker pool of concurrency 8, once it listens: jobs added
 * before would wait for its 2 s poll (Reprise's worker is measured once it
 * listens too).
 */
export async function startGraphile(pgPool: pg.Pool, taskList: TaskList): Promise<Runner> {
  const events = new EventEmitter() as WorkerEvents;
  const listening = new Promise((resolve) => events.once('pool:listen:success', resolve));
  const runner = await run({ pgPool, concurrency: 8, noHandleSignals: true, logger: silent, taskList, events });
  await Promise.race([listening, sleep(10_000)]);
  return runner;
}
