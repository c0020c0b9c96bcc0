import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * Upgrades of a database that already holds data: the migrations of a release
 * applied over those of an older one, on PGlite or on the PostgreSQL server
 * named by DATABASE_URL, as `openDatabase` runs them (drizzle's migrator).
 */
const MIGRATIONS = path.join(import.meta.dirname, 'migrations');
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** A migrations folder holding the migrations up to and including `tag`, as an older release shipped it. */
function migrationsUpTo(tag: string) {
  const journal = JSON.parse(fs.readFileSync(path.join(MIGRATIONS, 'meta', '_journal.json'), 'utf8'));
  const last = journal.entries.findIndex((e: { tag: string }) => e.tag === tag);
  if (last < 0) throw new Error(`no migration ${tag}`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-migrations-'));
  scratch.push(dir);
  fs.mkdirSync(path.join(dir, 'meta'));
  journal.entries = journal.entries.slice(0, last + 1);
  fs.writeFileSync(path.join(dir, 'meta', '_journal.json'), JSON.stringify(journal));
  for (const e of journal.entries) fs.copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

interface Scratch {
  migrate(folder: string): Promise<void>;
  query(text: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

async function scratchDatabase(): Promise<Scratch> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const { PGlite } = await import('@electric-sql/pglite');
    const { drizzle } = await import('drizzle-orm/pglite');
    const { migrate } = await import('drizzle-orm/pglite/migrator');
    const client = await PGlite.create();
    const db = drizzle(client);
    return {
      migrate: (folder) => migrate(db, { migrationsFolder: folder }),
      query: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
      close: () => client.close(),
    };
  }
  const { default: postgres } = await import('postgres');
  const { drizzle } = await import('drizzle-orm/postgres-js');
  const { migrate } = await import('drizzle-orm/postgres-js/migrator');
  const name = `reprise_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const target = new URL(url);
  target.pathname = `/${name}`;
  const client = postgres(target.toString(), { max: 1, onnotice: () => {} });
  return {
    migrate: (folder) => migrate(drizzle(client), { migrationsFolder: folder }),
    query: async (text) => [...(await client.unsafe(text))] as Record<string, unknown>[],
    async close() {
      await client.end();
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}

describe('upgrading a database that holds data', () => {
  it('0016: each pipeline goes on numbering its runs from its last number; a new pipeline starts at 1', async () => {
    const db = await scratchDatabase();
    try {
      await db.migrate(migrationsUpTo('0015_deployment_live_active'));
      await db.query(`insert into projects (key, title) values ('shop', 'Shop')`);
      await db.query(`insert into pipelines (project_id, name, title, last_run_number)
                      select id, 'deploy', 'Deploy', 41 from projects`);
      await db.query(`insert into pipelines (project_id, name, title) select id, 'never-run', 'Never run' from projects`);

      await db.migrate(MIGRATIONS);
      await db.query(`insert into pipelines (project_id, name, title) select id, 'new', 'New' from projects`);
      const next = async () =>
        (await db.query(`select name, reprise_next_run_number(id) as n from pipelines order by name`)).map((r) => [r.name, Number(r.n)]);
      expect(await next()).toEqual([
        ['deploy', 42],
        ['never-run', 1],
        ['new', 1],
      ]);
      expect(await next()).toEqual([
        ['deploy', 43],
        ['never-run', 2],
        ['new', 2],
      ]);
      const columns = await db.query(`select column_name from information_schema.columns where table_name = 'pipelines'`);
      expect(columns.map((c) => c.column_name)).not.toContain('last_run_number');
    } finally {
      await db.close();
    }
  });
});
