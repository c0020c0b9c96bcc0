import { count, eq } from 'drizzle-orm';
import { openDatabase, type Database } from '@/db/client';
import { pipelines, runs, users } from '@/db/schema';
import { oidcConfig } from '../auth/oidc-config';
import { ensureBootstrapToken } from '../auth/tokens';
import { startWorker, workerOptionsFromEnv, type RunningWorker } from '../engine/worker';
import { EventHub } from '../event-hub';
import { rateLimitsFromEnv } from '../rate-limit';
import { retentionFromEnv, startRetention } from '../retention';
import { loadPipelineFiles, pipelinesDir, watchPipelines } from '../pipelines/loader';
import { triggerRun } from '../runs/trigger-run';
import { actorOf, SERVICE_PASSWORD } from '../auth/users';

export interface Runtime {
  database: Database;
  hub: EventHub;
  worker: RunningWorker | null;
  stop(): Promise<void>;
}

const GLOBAL_KEY = Symbol.for('reprise.runtime');
type WithRuntime = typeof globalThis & { [GLOBAL_KEY]?: Promise<Runtime> };

/**
 * The process-wide runtime: one database handle, one LISTEN connection (the
 * event hub), the pipeline loader and — in the embedded mode — the worker.
 * Kept on globalThis because Next.js bundles instrumentation, pages and route
 * handlers separately and each would otherwise open its own copy.
 */
export function getRuntime(): Promise<Runtime> {
  const g = globalThis as WithRuntime;
  g[GLOBAL_KEY] ??= startRuntime().catch((error) => {
    delete g[GLOBAL_KEY];
    throw error;
  });
  return g[GLOBAL_KEY];
}

export async function getDb() {
  return (await getRuntime()).database.db;
}

/** At server start: a database that cannot be opened (locked, unreachable) ends the process with the reason. */
export async function startOrExit() {
  try {
    await getRuntime();
  } catch (error) {
    console.error(`[reprise] could not start: ${(error as Error).message}`);
    process.exit(1);
  }
}

/** Tests hand the route handlers their own database instead of the process-wide one. */
export function provideRuntime(runtime: Runtime) {
  (globalThis as WithRuntime)[GLOBAL_KEY] = Promise.resolve(runtime);
}

async function startRuntime(): Promise<Runtime> {
  const log = (m: string) => console.log(`[reprise] ${m}`);
  // A malformed setting stops the start with its reason, not the first request that needs it.
  rateLimitsFromEnv();
  // A malformed single sign-on setting stops the start, with the variable and the reason.
  const sso = oidcConfig();
  if (sso) log(`single sign-on through ${sso.issuer}`);
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const database = await openDatabase({ databaseUrl });
  log(databaseUrl ? 'using PostgreSQL (DATABASE_URL)' : `using the embedded database in ${process.env.REPRISE_DATA_DIR || '.data'}`);
  const dir = pipelinesDir();
  await loadPipelineFiles(database.db, dir, log);
  const stopWatching = watchPipelines(database.db, dir, log);
  if (process.env.REPRISE_BOOTSTRAP_TOKEN) await ensureBootstrapToken(database.db, process.env.REPRISE_BOOTSTRAP_TOKEN);

  // Embedded: PGlite can be opened by one process only, so the worker lives
  // here. With PostgreSQL, workers are separate `npm run worker` processes
  // unless REPRISE_WORKER=embedded asks for one in the app too.
  const embedded = databaseUrl ? process.env.REPRISE_WORKER === 'embedded' : process.env.REPRISE_WORKER !== 'off';
  const runtime = await buildRuntime(database, { worker: embedded, onStop: stopWatching, retention: true });
  if (process.env.REPRISE_DEMO !== 'off') await seedDemoHistory(database, log);
  stopOnSignals(runtime, log);
  return runtime;
}

/**
 * On SIGTERM/SIGINT: stop taking work, give running steps a few seconds, close
 * the database (the embedded one must be closed to release its lock cleanly).
 * Steps still running when the time is up end as `lost` and are retried.
 */
function stopOnSignals(runtime: Runtime, log: (m: string) => void) {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    const deadline = new Promise((resolve) => setTimeout(resolve, 10_000).unref());
    void Promise.race([runtime.stop(), deadline]).finally(() => process.exit(0));
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/** The event hub and (optionally) a worker and the retention sweep around an open database. */
export async function buildRuntime(
  database: Database,
  options: { worker: boolean; onStop?: () => void; retention?: boolean },
): Promise<Runtime> {
  const retention = options.retention ? startRetention(database.db, retentionFromEnv()) : null;
  const hub = new EventHub(database);
  await hub.start();
  const worker = options.worker ? await startWorker(database, workerOptionsFromEnv()) : null;
  const stopWatching = options.onStop ?? (() => {});
  return {
    database,
    hub,
    worker,
    async stop() {
      stopWatching();
      await retention?.stop();
      await worker?.stop();
      await hub.stop();
      await database.close();
    },
  };
}

/**
 * On a fresh database, start one run of each demo pipeline so the first page a
 * newcomer opens already has history: a release failed at staging (retry it),
 * a training run failed at deploy (replay it with a fixed endpoint).
 */
async function seedDemoHistory(database: Database, log: (m: string) => void) {
  const db = database.db;
  const [{ n }] = await db.select({ n: count() }).from(runs);
  if (n > 0) return;
  const demo = await db.select().from(pipelines);
  const wanted = ['release', 'training', 'prompt'].map((name) => demo.find((p) => p.name === name)).filter((p) => !!p);
  if (wanted.length === 0) return;
  await db
    .insert(users)
    .values({ email: 'demo@reprise.local', name: 'Reprise demo', role: 'member', passwordHash: SERVICE_PASSWORD })
    .onConflictDoNothing();
  const [demoUser] = await db.select().from(users).where(eq(users.email, 'demo@reprise.local'));
  // The demo's service user acts as an admin of the demo project, nowhere else.
  const actor = await actorOf(db, { ...demoUser, role: 'admin' });
  for (const p of wanted) {
    if (!p.currentVersionId) continue;
    await triggerRun(db, actor, {
      pipelineId: p.id,
      commit: '3f9c2a1e8b7d6c5f4a3b2c1d0e9f8a7b6c5d4e3f',
      branch: 'main',
      message: p.name === 'release' ? 'Bump checkout service to 1.4.2' : `Demo run of ${p.name}`,
    });
  }
  log(`seeded ${wanted.length} demo runs`);
}
