/**
 * A graphile-worker pool in a process of its own (concurrency 8, tasks that
 * spawn `true`), the control for the "2 workers vs 1" measurement: started by
 * scripts/bench/graphile-side.ts with BENCH_DATABASE_URL (already migrated),
 * says "ready" on stdout once it listens, and stops when its stdin closes.
 */
import { EventEmitter } from 'node:events';
import { Logger, run, type WorkerEvents } from 'graphile-worker';
import pg from 'pg';
import { spawnTrue } from './graphile-side';

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error('BENCH_DATABASE_URL is not set');
  const pgPool = new pg.Pool({ connectionString: url, max: 10 });
  pgPool.on('error', () => {});
  pgPool.on('connect', (client) => client.on('error', () => {}));
  const events = new EventEmitter() as WorkerEvents;
  const listening = new Promise((resolve) => events.once('pool:listen:success', resolve));
  const runner = await run({
    pgPool,
    concurrency: 8,
    noHandleSignals: true,
    logger: new Logger(() => () => {}),
    taskList: { step: () => spawnTrue() },
    events,
  });
  await listening;
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.once('end', async () => {
    await runner.stop().catch(() => {});
    await pgPool.end().catch(() => {});
    process.exit(0);
  });
}

main().catch((error: Error) => {
  process.stderr.write(`[bench graphile process] ${error.stack}\n`);
  process.exit(1);
});
