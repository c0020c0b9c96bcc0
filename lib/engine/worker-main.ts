/**
 * `npm run worker`: a standalone worker process against DATABASE_URL. Run as
 * many as you like, on as many machines as you like; they share the queue
 * through PostgreSQL (FOR UPDATE SKIP LOCKED) and never take the same attempt.
 */
import { openDatabase } from '@/db/client';
import { retentionFromEnv, startRetention } from '../retention';
import { startWorker, workerOptionsFromEnv } from './worker';

async function main() {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error(
      'npm run worker needs DATABASE_URL (PostgreSQL). With the embedded database the worker runs inside `npm start`.',
    );
    process.exit(2);
  }
  // Every database call of the worker is caught where it is made; should one
  // slip through, it is logged rather than ending the process with its steps.
  process.on('unhandledRejection', (error) => console.error('[worker] unhandled rejection (kept running):', error));
  const retentionPolicy = retentionFromEnv();
  const database = await openDatabase({ databaseUrl });
  const worker = await startWorker(database, { ...workerOptionsFromEnv(), id: process.env.REPRISE_WORKER_ID || undefined });
  const retention = startRetention(database.db, retentionPolicy);
  const shutdown = async (signal: string) => {
    console.log(`[worker ${worker.id}] ${signal}: finishing running steps, taking no new ones`);
    await retention.stop();
    await worker.stop();
    await database.close();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
