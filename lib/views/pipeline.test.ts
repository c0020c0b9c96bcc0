import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import {
  attempts,
  pipelines,
  runs,
  workItems,
  type AttemptKind,
  type AttemptStatus,
  type RunStatus,
} from '@/db/schema';
import type { Actor } from '../actor';
import { loadPipelineFiles } from '../pipelines/loader';
import { pipelineRunDurations, stepAttemptDurations, summarizeDurations } from '../pipelines/durations';
import { triggerRun } from '../runs/trigger-run';
import { MASK } from '../secrets';
import { createTestDatabase, createTestUser, loadTestPipelines } from '../testing/test-db';
import { loadPipelineDefinition, loadPipelineDurations } from './pipeline';
import { loadRunView } from './run';
import { loadStepView } from './step';

const V1 = `name: ship
title: Ship it
project: shop
params:
  type: object
  properties:
    version: { type: string, default: "1.0.0" }
steps:
  - key: build
    title: Build the image
    run: ["sh", "-c", "echo build <b>bold</b>"]
  - key: test
    run: ["true"]
  - key: deploy
    needs: [build, test]
    environment: staging
    timeout: "10m"
    retry: { attempts: 3, backoff: "5s", transientExitCodes: [75] }
    env: { REGION: eu-west-1 }
    inputs: { image: "app:1", token: "hunter2-secret", version: "\${{ params.version }}" }
    inputSchema:
      type: object
      properties:
        image: { type: string }
        token: { type: string, x-secret: true }
    run: ["./deploy.sh", "--fast"]
`;
// Same graph, another command and timeout for deploy.
const V2 = V1.replace('["./deploy.sh", "--fast"]', '["./deploy.sh", "--careful"]').replace(
  'timeout: "10m"',
  'timeout: "20m"',
);
// Another graph: a step more.
const V3 = `${V2}  - key: notify
    needs: [deploy]
    run: ["true"]
`;

describe('the pipeline page: definition, versions, durations', () => {
  let database: Database & { drop(): Promise<void> };
  let actor: Actor;
  let dir: string;
  let pipelineId: string;

  const reload = async (source: string) => {
    fs.writeFileSync(path.join(dir, 'ship.yaml'), source);
    const report = await loadPipelineFiles(database.db, dir, () => {});
    expect(report.errors).toEqual([]);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    actor = await createTestUser(database);
    ({ dir } = await loadTestPipelines(database, { 'ship.yaml': V1 }));
    const [p] = await database.db.select().from(pipelines).where(eq(pipelines.name, 'ship'));
    pipelineId = p.id;
  });

  afterAll(async () => {
    await database?.drop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("shows each step's command, inputs, schema, retry, timeout, environment, variables and concurrency, secrets masked", async () => {
    const view = await loadPipelineDefinition(database.db, { pipelineId });
    expect(view.pipeline).toMatchObject({ id: pipelineId, name: 'ship', title: 'Ship it', project: 'shop' });
    expect(view.params).toMatchObject({ properties: { version: { default: '1.0.0' } } });
    expect(view.steps.map((s) => s.key)).toEqual(['build', 'test', 'deploy']);
    const deploy = view.steps.find((s) => s.key === 'deploy')!;
    expect(deploy).toMatchObject({
      needs: ['build', 'test'],
      run: ['./deploy.sh', '--fast'],
      timeoutMs: 600_000,
      env: { REGION: 'eu-west-1' },
      environment: 'staging',
      concurrency: { group: 'environment:staging', limit: 1 },
      retry: { attempts: 3, backoffMs: 5000, transientExitCodes: [75] },
      inputs: { image: 'app:1', token: MASK, version: '${{ params.version }}' },
    });
    expect(deploy.inputSchema).toMatchObject({ properties: { token: { 'x-secret': true } } });
    expect(view.steps[0]).toMatchObject({
      title: 'Build the image',
      run: ['sh', '-c', 'echo build <b>bold</b>'],
      timeoutMs: null,
      environment: null,
      concurrency: null,
    });
    // The graph is laid out like a run's: every step has a place, every need an edge.
    expect(Object.keys(view.layout!.nodes).sort()).toEqual(['build', 'deploy', 'test']);
    expect(view.layout!.edges.map((e) => `${e.from}->${e.to}`).sort()).toEqual(['build->deploy', 'test->deploy']);
    // The YAML source as written, but for the secret.
    expect(view.current!.number).toBe(1);
    expect(view.current!.source).toContain('echo build <b>bold</b>');
    expect(view.current!.source).toContain(`token: "${MASK}"`);
    expect(JSON.stringify(view)).not.toContain('hunter2-secret');
    expect(view.versions).toHaveLength(1);
    // One version: it is compared with itself.
    expect(view.compare).toMatchObject({ from: { number: 1 }, to: { number: 1 }, steps: [] });
  });

  it('numbers the versions in the order they were loaded and compares any two, by default the current one with the one before', async () => {
    await reload(V2);
    await reload(V3);
    const view = await loadPipelineDefinition(database.db, { pipelineId });
    expect(view.versions.map((v) => [v.number, v.current])).toEqual([
      [3, true],
      [2, false],
      [1, false],
    ]);
    expect(view.current!.number).toBe(3);
    expect(view.compare!.from.number).toBe(2);
    expect(view.compare!.to.number).toBe(3);
    expect(view.compare!.structureChanged).toBe(true);
    expect(view.compare!.steps).toEqual([{ key: 'notify', change: 'added', fields: [] }]);

    const oneTwo = await loadPipelineDefinition(database.db, { pipelineId, from: '1', to: '2' });
    expect(oneTwo.compare!.structureChanged).toBe(false);
    expect(oneTwo.compare!.steps).toEqual([{ key: 'deploy', change: 'changed', fields: ['command', 'timeout'] }]);
    expect(oneTwo.compare!.from.source).toContain('--fast');
    expect(oneTwo.compare!.to.source).toContain('--careful');
    expect(oneTwo.compare!.from.source).not.toContain('hunter2-secret');

    // Backwards works too; numbers the pipeline does not have fall back to the defaults.
    const back = await loadPipelineDefinition(database.db, { pipelineId, from: '3', to: '1' });
    expect(back.compare!.steps).toEqual([
      { key: 'deploy', change: 'changed', fields: ['command', 'timeout'] },
      { key: 'notify', change: 'removed', fields: [] },
    ]);
    const odd = await loadPipelineDefinition(database.db, { pipelineId, from: '0', to: '99' });
    expect([odd.compare!.from.number, odd.compare!.to.number]).toEqual([2, 3]);

    // A file put back as it was makes its old version current again, numbered as before.
    await reload(V1);
    const again = await loadPipelineDefinition(database.db, { pipelineId });
    expect(again.versions.map((v) => v.number)).toEqual([3, 2, 1]);
    expect(again.current!.number).toBe(1);
    expect(again.steps.find((s) => s.key === 'notify')).toBeUndefined();
    await reload(V3);
  });

  /** A run of the pipeline whose attempts are written with the times given, in seconds after `t0`. */
  async function runWith(
    t0: number,
    spec: {
      status: RunStatus;
      attempt: number;
      attempts: {
        key: string;
        n: number;
        kind: AttemptKind;
        status: AttemptStatus;
        runAttempt: number;
        queued?: number;
        from: number | null;
        to: number | null;
      }[];
    },
  ) {
    const run = await triggerRun(database.db, actor, { pipelineId });
    const items = await database.db.select().from(workItems).where(eq(workItems.runId, run.id));
    await database.db.delete(attempts).where(eq(attempts.runId, run.id));
    const at = (s: number | null) => (s === null ? null : new Date(t0 + s * 1000));
    for (const a of spec.attempts) {
      await database.db.insert(attempts).values({
        runId: run.id,
        workItemId: items.find((i) => i.key === a.key)!.id,
        number: a.n,
        kind: a.kind,
        status: a.status,
        runAttempt: a.runAttempt,
        createdAt: at(a.queued ?? a.from ?? 0)!,
        startedAt: at(a.from),
        finishedAt: at(a.to),
      });
    }
    // The run's own times span the idle hours before its retry: none of that is execution.
    await database.db
      .update(runs)
      .set({
        status: spec.status,
        attempt: spec.attempt,
        createdAt: new Date(t0 - 3600_000),
        startedAt: new Date(t0),
        finishedAt: new Date(t0 + 5 * 3600_000),
      })
      .where(eq(runs.id, run.id));
    return run;
  }

  it("charts each run's first run attempt by the one execution-time rule, never the idle hours before a retry", async () => {
    const t0 = Date.now() - 86400_000 * 3;
    // Run A: build 0–2 s and test 1–3 s in parallel, deploy 10–11 s after
    // waiting 7 s for its environment, failing (11 s first start to last end,
    // 5 s in steps); retried five hours later in run attempt 2, which succeeded.
    const a = await runWith(t0, {
      status: 'succeeded',
      attempt: 2,
      attempts: [
        { key: 'build', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 0, to: 2 },
        { key: 'test', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 1, to: 3 },
        { key: 'deploy', n: 1, kind: 'initial', status: 'failed', runAttempt: 1, from: 10, to: 11 },
        { key: 'deploy', n: 2, kind: 'retry', status: 'succeeded', runAttempt: 2, from: 5 * 3600, to: 5 * 3600 + 4 },
      ],
    });
    // Run B: deploy failed and its automatic retry (same run attempt) succeeded: a success.
    const b = await runWith(t0 + 60_000, {
      status: 'succeeded',
      attempt: 1,
      attempts: [
        { key: 'build', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 0, to: 1 },
        { key: 'test', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 0, to: 1 },
        { key: 'deploy', n: 1, kind: 'initial', status: 'failed', runAttempt: 1, from: 1, to: 2 },
        { key: 'deploy', n: 2, kind: 'auto_retry', status: 'succeeded', runAttempt: 1, from: 7, to: 9 },
      ],
    });
    // Run C: still running.
    const c = await runWith(t0 + 120_000, {
      status: 'running',
      attempt: 1,
      attempts: [{ key: 'build', n: 1, kind: 'initial', status: 'running', runAttempt: 1, from: 0, to: null }],
    });

    const points = await pipelineRunDurations(database.db, pipelineId);
    expect(points.map((p) => p.runId)).toEqual([a.id, b.id, c.id]);
    expect(points[0]).toMatchObject({
      number: a.number,
      outcome: 'failed',
      status: 'succeeded',
      attempts: 2,
      executionMs: 11_000,
      stepsMs: 5000,
    });
    expect(points[1]).toMatchObject({ outcome: 'succeeded', attempts: 1, executionMs: 9000, stepsMs: 5000 });
    expect(points[2]).toMatchObject({ outcome: 'running', executionMs: null });

    const view = await loadPipelineDurations(database.db, { pipelineId });
    expect(view.summary).toEqual({ medianMs: 9000, medianOf: 1, streak: { outcome: 'succeeded', count: 1 }, count: 3 });

    // A step's chart: each attempt's own started → finished, oldest first.
    const deploy = await stepAttemptDurations(database.db, pipelineId, 'deploy');
    expect(deploy.map((d) => [d.runNumber, d.number, d.kind, d.status, d.executionMs])).toEqual([
      [a.number, 1, 'initial', 'failed', 1000],
      [a.number, 2, 'retry', 'succeeded', 4000],
      [b.number, 1, 'initial', 'failed', 1000],
      [b.number, 2, 'auto_retry', 'succeeded', 2000],
    ]);
    const step = await loadStepView(database.db, { runId: a.id, key: 'deploy' });
    expect(step.durations.points).toHaveLength(4);
    expect(step.durations.summary).toMatchObject({
      medianMs: 2000,
      medianOf: 2,
      streak: { outcome: 'succeeded', count: 1 },
    });
    // Only the last `limit` runs count.
    expect(await stepAttemptDurations(database.db, pipelineId, 'deploy', 1)).toEqual([]);
    expect((await pipelineRunDurations(database.db, pipelineId, 2)).map((p) => p.runId)).toEqual([b.id, c.id]);
  });

  it('lays out a run attempt as a timeline: each step queued, started, ended, with the attempts it replaced', async () => {
    const t0 = Date.now() - 86400_000;
    const run = await runWith(t0, {
      status: 'succeeded',
      attempt: 2,
      attempts: [
        { key: 'build', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 0, to: 2 },
        { key: 'test', n: 1, kind: 'initial', status: 'succeeded', runAttempt: 1, from: 1, to: 3 },
        // Queued a second before it started.
        { key: 'deploy', n: 1, kind: 'initial', status: 'failed', runAttempt: 1, queued: 3, from: 4, to: 5 },
        { key: 'deploy', n: 2, kind: 'auto_retry', status: 'failed', runAttempt: 1, from: 10, to: 11 },
        { key: 'deploy', n: 3, kind: 'retry', status: 'succeeded', runAttempt: 2, from: 3600, to: 3603 },
      ],
    });
    const latest = await loadRunView(database.db, { runId: run.id });
    const rows = Object.fromEntries(
      latest.timeline.map((r) => [r.key, r.bars.map((b) => [b.number, b.runAttempt, b.status, b.earlier])]),
    );
    expect(latest.timeline.map((r) => r.key)).toEqual(['build', 'test', 'deploy', 'notify']);
    expect(rows).toEqual({
      build: [[1, 1, 'succeeded', true]],
      test: [[1, 1, 'succeeded', true]],
      deploy: [
        [1, 1, 'failed', true],
        [2, 1, 'failed', true],
        [3, 2, 'succeeded', false],
      ],
      notify: [],
    });
    const first = await loadRunView(database.db, { runId: run.id, attempt: '1' });
    const deploy = first.timeline.find((r) => r.key === 'deploy')!;
    expect(deploy.bars.map((b) => [b.number, b.earlier])).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(deploy.bars[0]).toMatchObject({
      queuedAt: new Date(t0 + 3000).toISOString(),
      startedAt: new Date(t0 + 4000).toISOString(),
      finishedAt: new Date(t0 + 5000).toISOString(),
    });
    expect(first.timeline.find((r) => r.key === 'build')!.bars.map((b) => b.earlier)).toEqual([false]);
  });

  it('summarizes a series in words: the median of successes and the latest streak', () => {
    const p = (executionMs: number | null, outcome: string) => ({ executionMs, outcome });
    expect(
      summarizeDurations([
        p(1000, 'succeeded'),
        p(3000, 'succeeded'),
        p(9000, 'failed'),
        p(200, 'failed'),
        p(null, 'running'),
      ]),
    ).toEqual({
      medianMs: 1000,
      medianOf: 2,
      streak: { outcome: 'failed', count: 2 },
      count: 5,
    });
    expect(summarizeDurations([p(500, 'lost'), p(700, 'failed')])).toMatchObject({
      medianMs: 500,
      streak: { outcome: 'failed', count: 2 },
    });
    expect(summarizeDurations([])).toEqual({ medianMs: null, medianOf: 0, streak: null, count: 0 });
  });
});
