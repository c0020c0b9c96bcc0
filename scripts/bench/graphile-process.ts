/**
 * A graphile-worker pool in a process of its own (concurrency 8, tasks that
 * spawn `true`), the control for the "2 workers vs 1" measurement: started by
 * scripts/bench/graphile-side.ts with BENCH_DATABASE_URL (already migrated),
 * says "ready" on stdout once it listens, and stops when its stdin closes.
 */
import { benchPool, spawnTrue, startGraphile } from './graphile-pool';

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error('BENCH_DATABASE_URL is not set');
  const pgPool = benchPool(url);
  const runner = await startGraphile(pgPool, { step: () => spawnTrue() });
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
