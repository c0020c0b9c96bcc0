import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, logChunks } from '@/db/schema';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
import { triggerRun } from '../runs/trigger-run';

const PIPELINES = {
  'steady.yaml': `
name: steady
project: test
steps:
  - key: work
    run: ${countingStep('work', 'echo starting; sleep 0.5; echo more output;')}
`,
  'slow.yaml': `
name: slow
project: test
steps:
  - key: slow
    run: ${countingStep('slow', 'sleep 2;')}
`,
};

/** The database refuses the next `count` writes of this kind, as a failing disk or a restart would. */
async function failNextWrites(f: EngineFixture, table: 'attempts' | 'log_chunks', count: number) {
  const name = `fault_${table}`;
  await f.db.execute(sql.raw(`create sequence if not exists ${name}_seq`));
  await f.db.execute(sql.raw(`select setval('${name}_seq', 1, false)`));
  await f.db.execute(
    sql.raw(`create or replace function ${name}() returns trigger as $$
      begin
        if ${table === 'attempts' ? "old.status = 'running' and new.status <> 'running' and" : ''} nextval('${name}_seq') <= ${count} then
          raise exception 'injected fault in %', tg_table_name;
        end if;
        return new;
      end $$ language plpgsql`),
  );
  await f.db.execute(sql.raw(`drop trigger if exists ${name} on ${table}`));
  await f.db.execute(
    sql.raw(`create trigger ${name} before ${table === 'attempts' ? 'update' : 'insert'} on ${table} for each row execute function ${name}()`),
  );
}

describe('a worker survives failed writes', () => {
  let f: EngineFixture;
  const messages: string[] = [];
  beforeAll(async () => {
    f = await engineFixture(PIPELINES, { leaseMs: 30_000, log: (m) => messages.push(m) });
    await f.startWorker();
  });
  afterAll(() => f.close());

  it('a finish and a log flush that fail are tried again: the step ran once and ended as it did', async () => {
    await failNextWrites(f, 'attempts', 2);
    await failNextWrites(f, 'log_chunks', 1);
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('steady') });
    expect((await f.waitForRun(run.id, undefined, 60_000)).status).toBe('succeeded');
    expect(f.executions('work')).toBe(1);
    const history = await f.attemptsOf((await f.item(run.id, 'work')).id);
    expect(history.map((a) => [a.kind, a.status])).toEqual([['initial', 'succeeded']]);
    const log = await f.db.select().from(logChunks).where(eq(logChunks.attemptId, history[0].id));
    expect(log.map((c) => c.text).join('')).toMatch(/starting[\s\S]*more output/);
    expect(messages.some((m) => /finishing .* failed, trying again/.test(m))).toBe(true);
    expect(messages.some((m) => /storing the log .* failed/.test(m))).toBe(true);

    // And it goes on working.
    const next = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('steady') });
    expect((await f.waitForRun(next.id, undefined, 60_000)).status).toBe('succeeded');
  }, 120_000);

  it.runIf(!!process.env.DATABASE_URL)(
    'a finish across dropped connections (the server restarting) is reported once, not lost',
    async () => {
      const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('slow') });
      await waitFor('the step to start', async () => f.executions('slow') > 0, 60_000);
      // Every connection of this database but ours is cut, the worker's included.
      await f.db.execute(
        sql`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      const done = await waitFor(
        'the run to finish',
        async () => {
          const [row] = await f.db
            .select({ status: attempts.status })
            .from(attempts)
            .where(eq(attempts.runId, run.id))
            .catch(() => [] as { status: string }[]);
          return row && row.status !== 'running' && row.status !== 'queued' ? row : null;
        },
        60_000,
      );
      expect(done.status).toBe('succeeded');
      expect(f.executions('slow')).toBe(1);
      expect((await f.waitForRun(run.id)).status).toBe('succeeded');
    },
    120_000,
  );
});
