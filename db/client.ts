import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql, type ExtractTablesWithRelations, type SQL } from 'drizzle-orm';
import { PgDialect, type PgDatabase, type PgQueryResultHKT, type PgTransaction } from 'drizzle-orm/pg-core';
import * as schema from './schema';

export type Schema = typeof schema;
export type Db = PgDatabase<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;
/** Either a database handle or an open transaction: reads accept both. */
export type Conn = Db | Tx;

export interface Database {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** Subscribes to a NOTIFY channel; resolves to an unsubscribe function. */
  listen(channel: string, onNotify: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PostgreSQL URL; without it an embedded PGlite database is used. */
  databaseUrl?: string;
  /** Folder of the embedded database; `null` keeps it in memory (tests). */
  dataDir?: string | null;
  /** The migrations applied on opening: db/migrations, or an older release's (upgrade tests). */
  migrationsFolder?: string;
}

const MIGRATIONS_FOLDER = () => path.join(process.cwd(), 'db', 'migrations');

export async function openDatabase(options: OpenOptions): Promise<Database> {
  const migrations = options.migrationsFolder ?? MIGRATIONS_FOLDER();
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, migrations)
    : openPglite(options.dataDir === undefined ? defaultDataDir() : options.dataDir, migrations);
}

export function defaultDataDir() {
  return path.resolve(/*turbopackIgnore: true*/ process.env.REPRISE_DATA_DIR || '.data');
}

async function openPostgres(url: string, migrationsFolder: string): Promise<Database> {
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');

  // Several app instances and workers may start at once: one migrates, the
  // others wait on the advisory lock and then find nothing left to do.
  const migrator = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await migrator`select pg_advisory_lock(727274)`;
    await migrate(drizzle(migrator), { migrationsFolder });
    await migrator`select pg_advisory_unlock(727274)`;
  } finally {
    await migrator.end();
  }

  const pool = Number(process.env.REPRISE_DB_POOL || 10);
  const client = postgres(url, { max: pool, onnotice: () => {} });
  // The engine's statements (see executePrepared) on connections of their own,
  // where prepared statements keep one generic plan.
  const hot = postgres(url, { max: pool, onnotice: () => {}, connection: { plan_cache_mode: 'force_generic_plan' } });
  const db = drizzle(client, { schema }) as unknown as Db;
  preparedClients.set(db, hot);
  return {
    db,
    kind: 'postgres',
    async listen(channel, onNotify) {
      const sub = await client.listen(channel, (payload) => onNotify(payload));
      return () => sub.unlisten();
    },
    close: async () => {
      await Promise.all([client.end({ timeout: 5 }), hot.end({ timeout: 5 })]);
    },
  };
}

type PreparedClient = import('postgres').Sql;

const preparedClients = new WeakMap<Db, PreparedClient>();
/** PGlite (one session): each hot statement's name once it is prepared there, by its text. */
const pglitePrepared = new WeakMap<Db, Map<string, Promise<string>>>();
const dialect = new PgDialect();

/**
 * Runs one of the engine's hot statements (a claim, a finish, a settle): the
 * same long text thousands of times a second. drizzle sends every query
 * unprepared, so PostgreSQL parsed and planned these on each call — more
 * CPU than running them. On PostgreSQL they are prepared once per connection
 * and keep a generic plan (their parameters are ids and small JSON documents:
 * no value changes what the best plan is). PGlite's one session prepares
 * them with PREPARE and runs them with EXECUTE, the values as literals.
 * Not for transactions: each call is a statement of its own.
 */
export async function executePrepared(db: Db, query: SQL): Promise<unknown> {
  const { sql: text, params } = dialect.sqlToQuery(query);
  const client = preparedClients.get(db);
  if (client) return client.unsafe(text, params as never[], { prepare: true });
  const names = pglitePrepared.get(db);
  // A transaction (an operation run inside another's) runs it as any query.
  if (!names) return db.execute(query);
  let name = names.get(text);
  if (!name) {
    // Named after the text: a session where it exists already has this very statement.
    const prepared = `reprise_hot_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
    name = db
      .execute(sql.raw(`prepare ${prepared} as ${text}`))
      .catch((error: unknown) => {
        if (!/already exists/.test(String((error as { cause?: unknown }).cause ?? error))) throw error;
      })
      .then(() => prepared);
    // A statement that failed to prepare is prepared again next time.
    name.catch(() => names.delete(text));
    names.set(text, name);
  }
  return db.execute(sql.raw(`execute ${await name}(${params.map(sqlLiteral).join(', ')})`));
}

/**
 * A value as an SQL literal, for EXECUTE. Strings are quoted with their
 * quotes doubled (standard_conforming_strings is on: a backslash is itself);
 * the hot statements cast every parameter, so a literal needs no type.
 */
function sqlLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  const text = value instanceof Date ? value.toISOString() : typeof value === 'string' ? value : JSON.stringify(value);
  if (text.includes('\0')) throw new Error('a NUL character cannot be sent to PostgreSQL');
  return `'${text.replaceAll("'", "''")}'`;
}

async function openPglite(dataDir: string | null, migrationsFolder: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { drizzle } = await import('drizzle-orm/pglite');
  const { migrate } = await import('drizzle-orm/pglite/migrator');

  const releaseLock = dataDir ? await acquireDataDirLock(dataDir) : () => {};
  try {
    if (dataDir) await initDataDirInChild(dataDir);
    const client = await PGlite.create({
      dataDir: dataDir ?? undefined,
      startParams: [...PGlite.defaultStartParams, ...PGLITE_EXTRA_START_PARAMS],
    });
    const db = drizzle(client, { schema });
    await migrate(db, { migrationsFolder });
    pglitePrepared.set(db, new Map());
    return {
      db: db as unknown as Db,
      kind: 'pglite',
      async listen(channel, onNotify) {
        const unsub = await client.listen(channel, onNotify);
        return () => unsub();
      },
      async close() {
        await client.close();
        releaseLock();
      },
    };
  } catch (error) {
    releaseLock();
    throw error;
  }
}

/**
 * PostgreSQL's default 128 MB of shared buffers all become resident in
 * PGlite's WASM memory once touched, i.e. in the app's own RSS. 16 MB holds
 * the hot pages of a Reprise database; the rest stays in the OS page cache,
 * which the data folder's files go through anyway.
 */
const PGLITE_EXTRA_START_PARAMS = ['-c', 'shared_buffers=16MB'];

/**
 * A new folder needs initdb, which PGlite runs in a second WASM instance of
 * its own; the ~400 MB it leaves behind is freed only whenever V8 next
 * collects, and an idle server may not for a long time. Running initdb in a
 * short-lived child process returns that memory at once.
 */
async function initDataDirInChild(dataDir: string) {
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) return;
  const { execFile } = await import('node:child_process');
  const script = `const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(process.argv[1]);
    await db.close();`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', script, dataDir],
      { cwd: process.cwd() },
      (error, _out, stderr) =>
        error
          ? reject(new Error(`Could not create the embedded database in ${dataDir}: ${stderr || error.message}`))
          : resolve(),
    ),
  );
}

export class DataDirLockedError extends Error {}

const LOCK_FILE = 'reprise.lock';

/**
 * PGlite has no lock across processes: two processes on one folder both
 * "work" and silently lose writes. The second process must refuse to start,
 * and a lock left by a process that died must not block the next start.
 *
 * On Linux the lock is an abstract Unix socket named after the folder: the
 * kernel makes the bind atomic and drops it when the process dies, however it
 * dies, so there is no stale state to take over and no race in taking it
 * over. The pid file beside the data only names the holder in the refusal.
 * Elsewhere a lock file is used (see acquireLockFile for what it cannot do).
 * Resolves to the function that releases the lock.
 */
export async function acquireDataDirLock(
  dataDir: string,
  { mechanism = process.platform === 'linux' ? 'socket' : 'file' }: { mechanism?: 'socket' | 'file' } = {},
): Promise<() => void> {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockFile = path.join(dataDir, LOCK_FILE);
  const release =
    mechanism === 'socket' ? await acquireLockSocket(dataDir, lockFile) : acquireLockFile(dataDir, lockFile);
  let released = false;
  const releaseOnce = () => {
    if (released) return;
    released = true;
    process.off('exit', releaseOnce);
    release();
  };
  process.once('exit', releaseOnce);
  return releaseOnce;
}

/**
 * Abstract sockets belong to the network namespace: two containers that share
 * the folder but not the network do not see each other's lock. The name comes
 * from the folder's device and inode rather than its path, so the same folder
 * reached through a symlink, a bind mount or after a rename is one lock.
 */
async function acquireLockSocket(dataDir: string, lockFile: string): Promise<() => void> {
  const { createHash } = await import('node:crypto');
  const net = await import('node:net');
  const { dev, ino } = fs.statSync(dataDir, { bigint: true });
  const name = `\0reprise-pglite-${createHash('sha256').update(`${dev}:${ino}`).digest('hex').slice(0, 40)}`;
  const server = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(name, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw error;
    throw new DataDirLockedError(lockedMessage(dataDir, await waitForLiveHolder(lockFile)));
  }
  // Held for the life of the process, but must not keep it alive by itself.
  server.unref();
  writePidFile(lockFile);
  return () => {
    removePidFileIfOurs(lockFile);
    server.close();
  };
}

/**
 * The pid file is written just after the socket is bound, so a process refused
 * in between may still read the previous (dead) holder's pid: wait a little
 * for the live one rather than name the wrong process.
 */
async function waitForLiveHolder(lockFile: string): Promise<number | null> {
  for (let waited = 0; waited < 2_000; waited += 50) {
    const holder = readHolder(lockFile);
    if (holder && isAlive(holder)) return holder;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return null;
}

/**
 * Fallback where abstract sockets do not exist (macOS, Windows). The lock file
 * appears whole and at once (a fully written temporary file is hard-linked to
 * its name, which fails if the name exists), and a stale lock is taken over by
 * one process at a time (an exclusive mkdir guard; the stale state is checked
 * again under it). What remains: a process that dies inside the few
 * instructions of a takeover leaves the guard behind, and a guard older than
 * GUARD_STALE_MS is removed, so two processes starting at that very moment
 * could still race; a dead holder's pid reused by another program makes us
 * refuse (the safe side); pids mean nothing across containers.
 */
function acquireLockFile(dataDir: string, lockFile: string): () => void {
  const ours = `${lockFile}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(ours, String(process.pid));
  try {
    for (let tries = 0; tries < 50; tries++) {
      if (linkExclusive(ours, lockFile)) return () => removePidFileIfOurs(lockFile);
      const holder = readHolder(lockFile);
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new DataDirLockedError(lockedMessage(dataDir, holder));
      }
      takeOverStaleLock(lockFile, holder);
    }
  } finally {
    fs.rmSync(ours, { force: true });
  }
  throw new DataDirLockedError(`Could not take the lock on ${lockFile}.`);
}

const GUARD_STALE_MS = 10_000;

function takeOverStaleLock(lockFile: string, staleHolder: number | null) {
  const guard = `${lockFile}.takeover`;
  try {
    fs.mkdirSync(guard);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    removeIfOlder(guard, GUARD_STALE_MS);
    sleepSync(20);
    return;
  }
  try {
    // Another process may have taken over between our read and the guard.
    const holder = readHolder(lockFile);
    if (holder === staleHolder && !(holder && isAlive(holder))) fs.rmSync(lockFile, { force: true });
  } finally {
    fs.rmdirSync(guard);
  }
}

function linkExclusive(source: string, target: string) {
  try {
    fs.linkSync(source, target);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function removeIfOlder(file: string, ms: number) {
  try {
    if (Date.now() - fs.statSync(file).mtimeMs > ms) fs.rmdirSync(file);
  } catch {
    // gone already, or taken again by another process
  }
}

function sleepSync(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function lockedMessage(dataDir: string, holder: number | null) {
  return (
    `The embedded database in ${dataDir} is in use by ${holder ? `process ${holder}` : 'another process'}. ` +
    'Only one Reprise process may open it: stop that process, or set DATABASE_URL ' +
    'to run several processes against PostgreSQL.'
  );
}

/** Written whole under a temporary name and renamed, so a reader never sees it half written. */
function writePidFile(lockFile: string) {
  const temp = `${lockFile}.${process.pid}.tmp`;
  fs.writeFileSync(temp, String(process.pid));
  fs.renameSync(temp, lockFile);
}

function readHolder(lockFile: string): number | null {
  try {
    return Number(fs.readFileSync(lockFile, 'utf8').trim()) || null;
  } catch {
    return null;
  }
}

function removePidFileIfOurs(lockFile: string) {
  if (readHolder(lockFile) === process.pid) fs.rmSync(lockFile, { force: true });
}

function isAlive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
