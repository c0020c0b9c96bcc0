import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * A fresh PostgreSQL database per measured run, so no run reads rows, dead
 * tuples or cached plans left by the one before it.
 */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

// Databases created and not yet dropped, so an interrupted sitting (Ctrl-C) leaves none behind.
const live = new Map<string, () => Promise<void>>();

export async function dropLeftovers() {
  await Promise.allSettled([...live.values()].map((drop) => drop()));
}

export async function createPostgresDatabase(adminUrl: string, prefix: string): Promise<ScratchDatabase> {
  const { default: postgres } = await import('postgres');
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  const drop = async () => {
    live.delete(name);
    const again = postgres(adminUrl, { max: 1, onnotice: () => {} });
    try {
      await again.unsafe(`drop database if exists ${name} with (force)`);
    } finally {
      await again.end();
    }
  };
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
    live.set(name, drop);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop };
}

/** A temporary folder for a file-backed PGlite database, as `npm start` uses one. */
export function createPgliteFolder(): { dataDir: string; remove(): void } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-pglite-'));
  const dataDir = path.join(root, 'data');
  return { dataDir, remove: () => fs.rmSync(root, { recursive: true, force: true }) };
}

export async function serverFacts(adminUrl: string) {
  const { default: postgres } = await import('postgres');
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const [row] = await admin`select current_setting('server_version') as version, current_setting('fsync') as fsync,
      current_setting('synchronous_commit') as sync_commit, current_setting('shared_buffers') as shared_buffers`;
    return row as unknown as { version: string; fsync: string; sync_commit: string; shared_buffers: string };
  } finally {
    await admin.end();
  }
}
