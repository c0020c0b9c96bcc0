import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenOptions } from '@/db/client';
import { rowsOf } from '@/lib/engine/sql-rows';
import { createScratchPostgresDatabase } from '@/lib/testing/test-db';

/**
 * Upgrades of a database that already holds data: a database an older release
 * opened (its migrations only) and wrote to, opened again by this one, on a
 * PGlite folder or on the PostgreSQL server named by DATABASE_URL.
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
  for (const e of journal.entries)
    fs.copyFileSync(path.join(MIGRATIONS, `${e.tag}.sql`), path.join(dir, `${e.tag}.sql`));
  return dir;
}

/**
 * Where a database that outlives one opening lives: a folder for PGlite, or a new database on the
 * PostgreSQL server named by DATABASE_URL.
 */
async function lastingDatabase(): Promise<{ options: OpenOptions; remove(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (url) {
    const scratch = await createScratchPostgresDatabase(url);
    return { options: { databaseUrl: scratch.url }, remove: () => scratch.drop() };
  }
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-upgrade-'));
  return { options: { dataDir }, remove: async () => fs.rmSync(dataDir, { recursive: true, force: true }) };
}

describe('upgrading a database that holds data', () => {
  it('0016: each pipeline goes on numbering its runs from its last number; a new pipeline starts at 1', async () => {
    const where = await lastingDatabase();
    try {
      // An older release opens it, and writes pipelines.
      const older = await openDatabase({
        ...where.options,
        migrationsFolder: migrationsUpTo('0015_deployment_live_active'),
      });
      await older.db.execute(sql`insert into projects (key, title) values ('shop', 'Shop')`);
      await older.db.execute(sql`insert into pipelines (project_id, name, title, last_run_number)
                                 select id, 'deploy', 'Deploy', 41 from projects`);
      await older.db.execute(
        sql`insert into pipelines (project_id, name, title) select id, 'never-run', 'Never run' from projects`,
      );
      await older.close();

      // This release opens it: its migrations run then.
      const current = await openDatabase(where.options);
      const db = current.db;
      try {
        await db.execute(sql`insert into pipelines (project_id, name, title) select id, 'new', 'New' from projects`);
        const next = async () =>
          rowsOf(await db.execute(sql`select name, reprise_next_run_number(id) as n from pipelines order by name`)).map(
            (r) => [r.name, Number(r.n)],
          );
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
        const columns = rowsOf(
          await db.execute(sql`select column_name from information_schema.columns where table_name = 'pipelines'`),
        );
        expect(columns.map((c) => c.column_name)).not.toContain('last_run_number');
      } finally {
        await current.close();
      }
    } finally {
      await where.remove();
    }
  });
});
