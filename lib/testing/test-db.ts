import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type Database } from '@/db/client';
import { users } from '@/db/schema';
import type { Actor } from '../actor';
import { hashPassword } from '../auth/passwords';
import { actorOf } from '../auth/users';
import { loadPipelineFiles } from '../pipelines/loader';

/**
 * A fresh database for one test file: in-memory PGlite by default, or a new
 * database on the PostgreSQL server named by DATABASE_URL (dropped after).
 */
export async function createTestDatabase(): Promise<Database & { drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const database = await openDatabase({ dataDir: null });
    return { ...database, drop: () => database.close() };
  }
  const scratch = await createScratchPostgresDatabase(url);
  const database = await openDatabase({ databaseUrl: scratch.url });
  return {
    ...database,
    async drop() {
      await database.close();
      await scratch.drop();
    },
  };
}

/** A new, empty database on the PostgreSQL server of `serverUrl`, and how to drop it. */
export async function createScratchPostgresDatabase(serverUrl: string) {
  const { default: postgres } = await import('postgres');
  const name = `reprise_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = postgres(serverUrl, { max: 1, onnotice: () => {} });
      await again.unsafe(`drop database if exists ${name} with (force)`);
      await again.end();
    },
  };
}

/** An instance admin acting as itself, for tests and benchmarks that call the domain directly. */
export const adminActor = (user: { id: string; email: string; name: string }): Actor => ({
  userId: user.id,
  email: user.email,
  name: user.name,
  instanceRole: 'admin',
  memberships: new Map(),
  token: null,
  address: null,
});

let userCount = 0;
// Every test user has the same password: hashed once per process (scrypt is slow on purpose).
let testPasswordHash: Promise<string> | null = null;
export async function createTestUser(database: Database, role: 'admin' | 'member' = 'admin'): Promise<Actor> {
  const email = `user${++userCount}-${randomUUID().slice(0, 6)}@example.test`;
  const [user] = await database.db
    .insert(users)
    .values({ email, name: `Tester ${userCount}`, role, passwordHash: await (testPasswordHash ??= hashPassword('correct horse battery')) })
    .returning();
  return actorOf(database.db, user);
}

/** Writes pipeline files to a temporary folder and loads them. */
export async function loadTestPipelines(database: Database, files: Record<string, string>) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-pipelines-'));
  for (const [name, content] of Object.entries(files)) fs.writeFileSync(path.join(dir, name), content);
  const report = await loadPipelineFiles(database.db, dir, () => {});
  return { dir, report };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
