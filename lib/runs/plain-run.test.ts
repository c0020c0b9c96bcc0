import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, auditEntries, concurrencyGroups, events, pipelines, runs, workItems } from '@/db/schema';
import { transact } from '../events';
import { pipelineVersion } from '../pipelines/version-cache';
import { engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { rowsOf } from '../engine/sql-rows';
import { startPlainRun } from './plain-run';
import { nextRunNumber } from './run-number';
import { createRun, triggerRun } from './trigger-run';

// Params in inputs, a step that needs two others, inputs that wait for outputs, a concurrency group named by a param.
const PIPELINES = {
  'plain.yaml': `
name: plain
project: test
params:
  type: object
  properties:
    region: { type: string, default: eu }
steps:
  - key: build
    inputs: { region: "\${{ params.region }}", replicas: 2 }
    concurrency: { group: "build-\${{ params.region }}", limit: 2 }
    run: ["sh", "-c", "echo '{\\"image\\":\\"app:1\\"}' > $REPRISE_OUTPUTS"]
  - key: lint
    run: ["true"]
  - key: ship
    needs: [build, lint]
    inputs: { image: "\${{ steps.build.outputs.image }}" }
    run: ["true"]
`,
};

/** What a run is made of, without the ids and times that differ between two runs. */
async function shapeOf(f: EngineFixture, runId: string) {
  const [run] = await f.db.select().from(runs).where(eq(runs.id, runId));
  const items = await f.db.select().from(workItems).where(eq(workItems.runId, runId)).orderBy(asc(workItems.position));
  const firsts = await f.db.select().from(attempts).where(eq(attempts.runId, runId));
  const [audit] = await f.db
    .select()
    .from(auditEntries)
    .where(and(eq(auditEntries.targetId, runId), eq(auditEntries.action, 'run.trigger')));
  const written = await f.db.select().from(events).where(eq(events.runId, runId)).orderBy(asc(events.id));
  const byItem = new Map(items.map((i) => [i.id, i.key]));
  const attemptKey = new Map(firsts.map((a) => [a.id, byItem.get(a.workItemId)]));
  return {
    run: { status: run.status, attempt: run.attempt, params: run.params, trigger: run.trigger, environment: run.environment },
    items: items.map((i) => ({
      key: i.key,
      position: i.position,
      needs: i.needs,
      dependents: i.dependents,
      unmetNeeds: i.unmetNeeds,
      status: i.status,
      attemptCount: i.attemptCount,
      concurrencyKey: i.concurrencyKey,
      concurrencyLimit: i.concurrencyLimit,
      latestIsFirst: i.latestAttemptId === firsts.find((a) => a.workItemId === i.id)?.id,
    })),
    attempts: firsts
      .map((a) => ({
        key: byItem.get(a.workItemId),
        number: a.number,
        kind: a.kind,
        status: a.status,
        inputs: a.inputs,
        inputsPending: a.inputsPending,
        runAttempt: a.runAttempt,
        triggeredBy: a.triggeredBy,
        pipelineVersionId: a.pipelineVersionId,
        concurrencyKey: a.concurrencyKey,
      }))
      .sort((a, b) => String(a.key).localeCompare(String(b.key))),
    audit: { action: audit.action, actorId: audit.actorId, projectId: audit.projectId, details: { ...audit.details, number: 0 } },
    events: written
      .map((e) => ({
        type: e.type,
        payload: {
          ...e.payload,
          run_id: '-',
          ...('number' in e.payload && e.type === 'run.created' ? { number: 0 } : {}),
          ...('item_id' in e.payload ? { item_id: byItem.get(e.payload.item_id as string) } : {}),
          ...('attempt_id' in e.payload ? { attempt_id: attemptKey.get(e.payload.attempt_id as string) } : {}),
        },
      }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
  };
}

describe('a run that deploys nowhere starts in one statement', () => {
  let f: EngineFixture;
  beforeAll(async () => {
    f = await engineFixture(PIPELINES);
  }, 120_000);
  afterAll(() => f.close());

  it('writes what the general start writes: run, items, first attempts, group, audit entry and events', async () => {
    const pipelineId = await f.pipelineId('plain');
    const [pipeline] = await f.db.select().from(pipelines).where(eq(pipelines.id, pipelineId));
    const version = await pipelineVersion(f.db, pipeline.currentVersionId!);
    const spec = {
      pipelineId,
      projectId: pipeline.projectId,
      version,
      params: { region: 'us' },
      trigger: 'api' as const,
      commit: 'abc123',
      branch: 'main',
      message: 'ship it',
    };
    const plain = await startPlainRun(f.db, f.actor, spec);
    const general = await transact(f.db, (tx, sink) => createRun(tx, sink, f.actor, { ...spec, number: 99 }));
    expect(plain).toMatchObject({ status: 'queued', number: 1, gitCommit: 'abc123', gitBranch: 'main', params: { region: 'us' } });
    expect(plain.createdAt).toBeInstanceOf(Date);
    expect(await shapeOf(f, plain.id)).toEqual(await shapeOf(f, general.id));

    const [group] = await f.db
      .select()
      .from(concurrencyGroups)
      .where(inArray(concurrencyGroups.key, [`${pipeline.projectId}:build-us`]));
    expect(group).toMatchObject({ name: 'build-us', limit: 2 });
  });

  it('numbers runs without gaps or repeats when many start at once, and each runs to the end', async () => {
    const pipelineId = await f.pipelineId('plain');
    const started = await Promise.all(Array.from({ length: 20 }, () => triggerRun(f.db, f.actor, { pipelineId })));
    const numbers = started.map((r) => r.number).sort((a, b) => a - b);
    expect(new Set(numbers).size).toBe(20);
    expect(numbers[19] - numbers[0]).toBe(19);
    await f.startWorker({ concurrency: 8 });
    for (const run of started) expect((await f.waitForRun(run.id, undefined, 60_000)).status).toBe('succeeded');
  }, 120_000);

  it('numbers each pipeline on its own, however its row was written; a number taken by a failed start is never handed out again', async () => {
    const [plain] = await f.db.select().from(pipelines).where(eq(pipelines.id, await f.pipelineId('plain')));
    // Written directly, as a test or a script would: it gets its sequence with its row.
    const [copy] = await f.db
      .insert(pipelines)
      .values({ projectId: plain.projectId, name: 'plain-copy', title: 'Copy', currentVersionId: plain.currentVersionId })
      .returning();
    expect((await triggerRun(f.db, f.actor, { pipelineId: copy.id })).number).toBe(1);
    expect((await triggerRun(f.db, f.actor, { pipelineId: copy.id })).number).toBe(2);

    const failed = transact(f.db, async (tx) => {
      expect(await nextRunNumber(tx, copy.id)).toBe(3);
      throw new Error('the start failed after taking its number');
    });
    await expect(failed).rejects.toThrow('the start failed');
    expect((await triggerRun(f.db, f.actor, { pipelineId: copy.id })).number).toBe(4);
    const before = (await triggerRun(f.db, f.actor, { pipelineId: plain.id })).number;
    expect((await triggerRun(f.db, f.actor, { pipelineId: plain.id })).number).toBe(before + 1);

    // A sequence comes and goes with its row.
    const [gone] = await f.db.insert(pipelines).values({ projectId: plain.projectId, name: 'gone', title: 'Gone' }).returning();
    const sequenceOf = async (id: string) =>
      rowsOf(await f.db.execute(sql`select to_regclass(reprise_run_number_sequence(${id}::uuid))::text as seq`))[0].seq;
    expect(await sequenceOf(gone.id)).toMatch(/^run_numbers_[0-9a-f]{32}$/);
    await f.db.delete(pipelines).where(eq(pipelines.id, gone.id));
    expect(await sequenceOf(gone.id)).toBeNull();
  });
});
