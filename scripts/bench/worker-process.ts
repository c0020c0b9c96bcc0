/**
 * A Reprise worker in a process of its own, as `npm run worker` runs one, for
 * the "2 workers vs 1" measurement: started by scripts/bench/reprise-side.ts
 * with BENCH_DATABASE_URL, says "ready" on stdout once it listens, and stops
 * (finishing its running steps) when its stdin closes.
 */
import { openDatabase } from '@/db/client';
import { startWorker } from '@/lib/engine/worker';

async function main() {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error('BENCH_DATABASE_URL is not set');
  const database = await openDatabase({ databaseUrl: url });
  const worker = await startWorker(database, {
    concurrency: 8,
    log: (m) => {
      if (!m.startsWith('started')) process.stderr.write(`[bench worker ${process.pid}] ${m}\n`);
    },
  });
  process.stdout.write('ready\n');
  process.stdin.resume();
  process.stdin.once('end', async () => {
    await worker.stop();
    await database.close();
    process.exit(0);
  });
}

main().catch((error: Error) => {
  process.stderr.write(`[bench worker] ${error.stack}\n`);
  process.exit(1);
});
