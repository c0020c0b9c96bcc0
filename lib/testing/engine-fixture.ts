import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, asc, eq } from 'drizzle-orm';
import { attempts, pipelines, runs, workItems } from '@/db/schema';
import { startWorker, type RunningWorker, type WorkerOptions } from '../engine/worker';
import { isFinishedRun } from '../runs/state';
import { createTestDatabase, createTestUser, loadTestPipelines, waitFor } from './test-db';

/**
 * Everything an engine test needs: a fresh database, an admin, a worker, and a
 * scratch folder where step scripts count their executions.
 */
export async function engineFixture(files: Record<string, string>, workerOptions: WorkerOptions = {}) {
  const database = await createTestDatabase();
  const actor = await createTestUser(database);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-scratch-'));
  const withScratch = Object.fromEntries(Object.entries(files).map(([n, c]) => [n, c.replaceAll('__SCRATCH__', scratch)]));
  const { report, dir } = await loadTestPipelines(database, withScratch);
  const workers: RunningWorker[] = [];
  const fixture = {
    database,
    db: database.db,
    actor,
    scratch,
    dir,
    report,
    async startWorker(options: WorkerOptions = {}) {
      const w = await startWorker(database, { pollMs: 100, reapMs: 200, log: () => {}, ...workerOptions, ...options });
      workers.push(w);
      return w;
    },
    async pipelineId(name: string) {
      const [p] = await database.db.select().from(pipelines).where(eq(pipelines.name, name));
      return p.id;
    },
    /** How many times a step's script ran, as counted in the scratch folder. */
    executions(key: string) {
      const file = path.join(scratch, `${key}.count`);
      return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).length : 0;
    },
    async waitForRun(runId: string, predicate: (status: string) => boolean = isFinishedRunStatus, timeoutMs = 20_000) {
      return waitFor(
        `run ${runId}`,
        async () => {
          const [run] = await database.db.select().from(runs).where(eq(runs.id, runId));
          return predicate(run.status) ? run : null;
        },
        timeoutMs,
      );
    },
    async items(runId: string) {
      return database.db.select().from(workItems).where(eq(workItems.runId, runId)).orderBy(asc(workItems.position));
    },
    async item(runId: string, key: string) {
      const [item] = await database.db
        .select()
        .from(workItems)
        .where(and(eq(workItems.runId, runId), eq(workItems.key, key)));
      return item;
    },
    async attemptsOf(itemId: string) {
      return database.db.select().from(attempts).where(eq(attempts.workItemId, itemId)).orderBy(asc(attempts.number));
    },
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await database.drop();
      fs.rmSync(scratch, { recursive: true, force: true });
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return fixture;
}

const isFinishedRunStatus = (s: string) => isFinishedRun(s as never);

/** A step that records each execution and fails while `__SCRATCH__/<key>.fail` exists. */
export function countingStep(key: string, extra = ''): string {
  return `["sh", "-c", "echo x >> __SCRATCH__/${key}.count; echo running ${key} attempt $REPRISE_ATTEMPT; ${extra} if [ -e __SCRATCH__/${key}.fail ]; then echo boom >&2; exit 3; fi; printf '{\\"from\\":\\"${key}\\",\\"n\\":%s}' $REPRISE_ATTEMPT > $REPRISE_OUTPUTS"]`;
}

export type EngineFixture = Awaited<ReturnType<typeof engineFixture>>;
