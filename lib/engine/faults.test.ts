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
  // Single-quoted YAML: the shell sees exactly these bytes (printf turns \000 into NUL, \\u into \u).
  'binary.yaml': String.raw`
name: binary
project: test
steps:
  - key: nul
    run: ["sh", "-c", 'printf ''a\000b\n''; printf ''\377\376 not utf-8\n'' >&2; printf ''{"k\\u0000ey":"x\\u0000y","s":"\\ud800"}'' > $REPRISE_OUTPUTS']
  - key: after
    needs: [nul]
    inputs: { got: "$` + '{{ steps.nul.outputs.s }}' + String.raw`" }
    run: ["sh", "-c", 'head -c 3000000 /dev/zero | tr ''\0'' x; echo']
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

  it('NUL bytes, invalid UTF-8 and lone surrogates are stored made visible; a log past the cap is cut and says so', async () => {
    process.env.REPRISE_LOG_CAP_BYTES = String(1024 * 1024);
    let runId: string;
    try {
      const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('binary') });
      expect((await f.waitForRun(run.id, undefined, 60_000)).status).toBe('succeeded');
      runId = run.id;
    } finally {
      delete process.env.REPRISE_LOG_CAP_BYTES;
    }
    const logOf = async (key: string, runId: string) => {
      const [attempt] = await f.db.select().from(attempts).where(eq(attempts.workItemId, (await f.item(runId, key)).id));
      const chunks = await f.db.select().from(logChunks).where(eq(logChunks.attemptId, attempt.id));
      return { attempt, text: chunks.sort((a, b) => a.seq - b.seq).map((c) => c.text).join('') };
    };
    const nul = await logOf('nul', runId);
    expect(nul.text).toContain('a\u2400b');
    expect(nul.text).toContain('\ufffd');
    expect(nul.attempt.outputs).toEqual({ 'k\u2400ey': 'x\u2400y', s: '\ufffd' });
    const after = await logOf('after', runId);
    expect(after.attempt.inputs).toEqual({ got: '\ufffd' });
    expect(after.text.length).toBeLessThan(1024 * 1024 + 500);
    // 3,000,000 x and a newline, of which 1 MiB is kept.
    expect(after.text).toMatch(/log cut at 1 MiB: 1,951,425 more bytes were not stored/);
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
