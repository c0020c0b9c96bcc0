/**
 * Benchmark: Reprise's engine side by side with graphile-worker (a plain
 * PostgreSQL job queue) in the same sitting, for issue 7's goals.
 *
 *   npm run bench:engine                       # PostgreSQL + PGlite sections, 3 pairs
 *   npm run bench:engine -- --pairs 1 --scenarios 1,2
 *   npm run build && npm run bench:engine -- --sse --sse-clients 100,1000
 *   npm run bench:engine -- --history-url postgres://…/seeded   # after npm run bench:seed
 *
 * Every measured run gets a fresh database (PostgreSQL: BENCH_POSTGRES_URL,
 * default postgres://postgres@127.0.0.1:5432/postgres; PGlite: a temp folder),
 * one worker of concurrency 8 and steps that run `true`; graphile-worker runs
 * tasks that spawn `true` the same way. The two systems alternate (the order
 * flips each pair) and medians are reported with every value beside them.
 * Each run is checked afterwards (attempts succeeded, graphile's queue empty);
 * a run that fails a check is marked ⚠ and listed at the end.
 * Tables go to stdout and bench-results/engine-<date>.md; progress to stderr.
 */
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { dropLeftovers, serverFacts } from './bench/databases';
import { buildIsCurrent } from './build-stamp.mjs';
import { graphileBatch, graphileBatchInProcesses, graphileChain, graphileDispatch, graphileOneByOne } from './bench/graphile-side';
import {
  inProcessWorker,
  repriseChain,
  repriseDispatch,
  repriseManyRuns,
  repriseOneRun,
  workerProcesses,
  ENQUEUE_CALLERS,
  type Backend,
  type LatencyResult,
  type ThroughputResult,
} from './bench/reprise-side';
import { runSse, type SseResult } from './bench/sse';
import { fmt, median, progress, ratio, spread, table } from './bench/stats';

const { values: args } = parseArgs({
  options: {
    pairs: { type: 'string', default: '3' },
    scenarios: { type: 'string', default: '1,2,3,4,5,6,7' },
    sizes: { type: 'string', default: '100,1000,2000' },
    sse: { type: 'boolean', default: false },
    'sse-clients': { type: 'string', default: '100,1000' },
    'sse-seconds': { type: 'string', default: '20' },
    'sse-port': { type: 'string', default: '3477' },
    // Where the steps run during the SSE load: a worker process beside the app (as `npm run worker`), or inside it.
    'sse-worker': { type: 'string', default: 'embedded' },
    'history-url': { type: 'string' },
    out: { type: 'string', default: 'bench-results' },
    'max-minutes': { type: 'string', default: '150' },
    // Smaller shapes for a quick smoke test of the benchmark itself; the figures are meant for the defaults.
    steps: { type: 'string', default: '400' },
    chain: { type: 'string', default: '100' },
    trickle: { type: 'string', default: '200' },
  },
});

const PAIRS = Number(args.pairs);
const SCENARIOS = new Set(args.scenarios.split(',').map(Number));
const SIZES = args.sizes.split(',').map(Number);
const ADMIN_URL = process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const POSTGRES: Backend = { kind: 'postgres', adminUrl: ADMIN_URL };
const PGLITE: Backend = { kind: 'pglite' };
const DEADLINE = Date.now() + Number(args['max-minutes']) * 60_000;

const STEPS = Number(args.steps);
const CHAIN = Number(args.chain);
const TRICKLE = Number(args.trickle);
const TRICKLE_EVERY_MS = 20;

interface Check {
  what: string;
  ok: boolean;
  detail: string;
}
const checks: Check[] = [];
const sections: string[] = [];

function emit(markdown: string) {
  sections.push(markdown);
  process.stdout.write(`${markdown}\n\n`);
}

/**
 * Runs one measurement, bounded by its own timeouts and by the sitting's
 * deadline; a failure is recorded (and shown as "–") instead of ending the sitting.
 */
async function measure<T extends { ok: boolean; check: string }>(what: string, run: () => Promise<T>): Promise<T | null> {
  if (Date.now() > DEADLINE) {
    checks.push({ what, ok: false, detail: 'skipped: the sitting ran past --max-minutes' });
    return null;
  }
  progress(`${what} …`);
  const started = performance.now();
  try {
    const result = await run();
    checks.push({ what, ok: result.ok, detail: result.check });
    progress(`${what}: ${((performance.now() - started) / 1000).toFixed(1)} s; ${result.ok ? 'ok' : 'CHECK FAILED'}: ${result.check}`);
    return result;
  } catch (error) {
    checks.push({ what, ok: false, detail: `failed: ${(error as Error).message}` });
    progress(`${what}: FAILED ${(error as Error).message}`);
    return null;
  }
}

/** Alternates the two systems, flipping who goes first each pair, so drift in the machine's load hits both alike. */
async function alternate<A, B>(label: string, a: [string, () => Promise<A>], b: [string, () => Promise<B>]) {
  const as: A[] = [];
  const bs: B[] = [];
  for (let pair = 0; pair < PAIRS; pair++) {
    const runA = async () => {
      const r = await measure(`${label}, ${a[0]} #${pair + 1}`, a[1] as () => Promise<A & { ok: boolean; check: string }>);
      if (r) as.push(r);
    };
    const runB = async () => {
      const r = await measure(`${label}, ${b[0]} #${pair + 1}`, b[1] as () => Promise<B & { ok: boolean; check: string }>);
      if (r) bs.push(r);
    };
    if (pair % 2 === 0) {
      await runA();
      await runB();
    } else {
      await runB();
      await runA();
    }
  }
  return [as, bs] as const;
}

const okOnly = <T extends { ok: boolean }>(rs: T[]) => rs.filter((r) => r.ok);
const warn = <T extends { ok: boolean }>(rs: T[]) => (rs.some((r) => !r.ok) ? ' ⚠' : '');
const rate = (rs: ThroughputResult[]) => median(okOnly(rs).map((r) => r.perSecond));

function throughputRow(name: string, rs: ThroughputResult[], unit: string) {
  return [
    `${name}${warn(rs)}`,
    `**${fmt(rate(rs))}** ${unit}`,
    spread(rs.map((r) => r.perSecond)),
    fmt(median(rs.map((r) => r.seconds)), 2),
    fmt(median(rs.map((r) => r.enqueueSeconds)), 2),
  ];
}

const throughputHeader = ['system', 'median', 'each run', 'seconds (median)', 'of which enqueuing (s)'];

const goals: { goal: string; value: string; met: boolean | null }[] = [];
function goal(name: string, value: number, met: (v: number) => boolean, shown = ratio(value, 1)) {
  goals.push({ goal: name, value: shown, met: Number.isFinite(value) ? met(value) : null });
}

const results: { s1?: [ThroughputResult[], ThroughputResult[]]; s2?: [ThroughputResult[], ThroughputResult[]] } = {};

async function scenarioOneRun() {
  const [reprise, graphile] = await alternate(
    `1. one run of ${STEPS} steps`,
    ['Reprise', () => repriseOneRun(POSTGRES, STEPS)],
    ['graphile', () => graphileBatch(ADMIN_URL, STEPS)],
  );
  results.s1 = [reprise, graphile];
  const r = ratio(rate(reprise), rate(graphile));
  emit(
    `## 1. One run of ${STEPS} independent \`true\` steps (PostgreSQL, concurrency 8)\n\n` +
      `Reprise: trigger → run finished. graphile-worker: ${STEPS} jobs added at once (addJobs) → all completed.\n\n` +
      table(throughputHeader, [
        throughputRow('Reprise', reprise, 'steps/s'),
        throughputRow('graphile-worker', graphile, 'jobs/s'),
      ]) +
      `\n\n**Reprise / graphile-worker: ${r}** (goal ≥ 1.0×)`,
  );
  goal(`${STEPS}-step run ≥ 1.0× graphile-worker`, rate(reprise) / rate(graphile), (v) => v >= 1);
}

async function scenarioManyRuns() {
  const [reprise, graphile] = await alternate(
    `2. ${STEPS} one-step runs`,
    ['Reprise', () => repriseManyRuns(POSTGRES, STEPS)],
    ['graphile', () => graphileOneByOne(ADMIN_URL, STEPS)],
  );
  results.s2 = [reprise, graphile];
  emit(
    `## 2. ${STEPS} one-step runs (PostgreSQL, concurrency 8)\n\n` +
      `Reprise: ${STEPS} runs triggered (triggerRun) by ${ENQUEUE_CALLERS} concurrent callers while the worker runs → the last run finished. ` +
      `graphile-worker: ${STEPS} jobs added one by one (addJob) by ${ENQUEUE_CALLERS} concurrent callers → all completed.\n\n` +
      table(throughputHeader, [
        throughputRow('Reprise', reprise, 'runs/s'),
        throughputRow('graphile-worker', graphile, 'jobs/s'),
      ]) +
      `\n\n**Reprise / graphile-worker: ${ratio(rate(reprise), rate(graphile))}** (goal ≥ 0.8×)`,
  );
  goal(`${STEPS} one-step runs ≥ 0.8× graphile-worker`, rate(reprise) / rate(graphile), (v) => v >= 0.8);
}

async function scenarioTwoWorkers() {
  const [one, two] = await alternate(
    `3. ${STEPS}-step run, worker processes`,
    ['1 worker process', () => repriseOneRun(POSTGRES, STEPS, workerProcesses(1))],
    ['2 worker processes', () => repriseOneRun(POSTGRES, STEPS, workerProcesses(2))],
  );
  // The control: whether a plain queue gets faster with a second process on this machine at all
  // (with 2 cores, spawning `true` can keep both busy already with one).
  const [gOne, gTwo] = await alternate(
    `3. ${STEPS} jobs, graphile-worker processes`,
    ['1 graphile process', () => graphileBatchInProcesses(ADMIN_URL, STEPS, 1)],
    ['2 graphile processes', () => graphileBatchInProcesses(ADMIN_URL, STEPS, 2)],
  );
  emit(
    `## 3. Two workers vs one (Reprise, PostgreSQL, one run of ${STEPS} steps)\n\n` +
      `Each worker is a process of its own (concurrency 8 each), as \`npm run worker\` runs; ` +
      `this process only triggers and watches. The control: graphile-worker, ${STEPS} jobs added at once, ` +
      `run by one or two processes of its own (concurrency 8 each).\n\n` +
      table(throughputHeader, [
        throughputRow('Reprise, 1 worker process', one, 'steps/s'),
        throughputRow('Reprise, 2 worker processes', two, 'steps/s'),
        throughputRow('graphile-worker, 1 process', gOne, 'jobs/s'),
        throughputRow('graphile-worker, 2 processes', gTwo, 'jobs/s'),
      ]) +
      `\n\n**2 workers / 1 worker: ${ratio(rate(two), rate(one))}** (goal > 1.0×); ` +
      `graphile-worker, 2 processes / 1: ${ratio(rate(gTwo), rate(gOne))}`,
  );
  goal('2 workers faster than 1', rate(two) / rate(one), (v) => v > 1);
}

async function scenarioSizes() {
  const perStep = (rs: ThroughputResult[]) => median(okOnly(rs).map((r) => 1000 / r.perSecond));
  const rows: (string | number)[][] = [];
  const medians = new Map<number, [number, number]>();
  for (const size of SIZES) {
    const [reprise, graphile] = await alternate(
      `4. one run of ${size} steps`,
      ['Reprise', () => repriseOneRun(POSTGRES, size)],
      ['graphile', () => graphileBatch(ADMIN_URL, size)],
    );
    const ms = (rs: ThroughputResult[]) => rs.map((r) => 1000 / r.perSecond);
    medians.set(size, [perStep(reprise), perStep(graphile)]);
    rows.push([
      size.toLocaleString('en-US'),
      `**${fmt(perStep(reprise), 1)}**${warn(reprise)}`,
      spread(ms(reprise)),
      `${fmt(perStep(graphile), 1)}${warn(graphile)}`,
      spread(ms(graphile)),
    ]);
  }
  const first = medians.get(SIZES[0]);
  const last = medians.get(SIZES[SIZES.length - 1]);
  const growth = first && last ? [last[0] / first[0], last[1] / first[1]] : [NaN, NaN];
  emit(
    `## 4. Time per step by run size (PostgreSQL, concurrency 8)\n\n` +
      `Wall time of one run (trigger → finished) divided by its steps; graphile-worker: that many jobs added at once.\n\n` +
      table(['steps in the run', 'Reprise ms/step (median)', 'each run', 'graphile-worker ms/job', 'each run'], rows) +
      `\n\n**${SIZES[SIZES.length - 1]} / ${SIZES[0]}: Reprise ${ratio(growth[0], 1)}, graphile-worker ${ratio(growth[1], 1)}** (goal ≤ 1.3×)`,
  );
  if (SIZES.length > 1) goal(`time per step at ${SIZES[SIZES.length - 1]} ≤ 1.3× that at ${SIZES[0]}`, growth[0], (v) => v <= 1.3);
}

function latencyRows(name: string, rs: LatencyResult[]) {
  return [
    `${name}${warn(rs)}`,
    `**${fmt(median(okOnly(rs).map((r) => r.p50)), 1)}**`,
    `**${fmt(median(okOnly(rs).map((r) => r.p95)), 1)}**`,
    fmt(median(okOnly(rs).map((r) => r.max)), 1),
    spread(rs.map((r) => r.p50)),
    spread(rs.map((r) => r.p95)),
  ];
}
const latencyHeader = ['system', 'p50 ms (median of runs)', 'p95 ms', 'max ms', 'p50 of each run', 'p95 of each run'];

async function scenarioChain() {
  const [reprise, graphile] = await alternate(
    `5. chain of ${CHAIN}`,
    ['Reprise', () => repriseChain(POSTGRES, CHAIN)],
    ['graphile', () => graphileChain(ADMIN_URL, CHAIN)],
  );
  const p50 = median(okOnly(reprise).map((r) => r.p50));
  emit(
    `## 5. Chain of ${CHAIN} steps: finish of one → start of the next (PostgreSQL)\n\n` +
      `Reprise: from \`attempts.finished_at\` of a step to \`started_at\` of the next (the database's clock). ` +
      `graphile-worker: a job adds the next one when its \`true\` has finished; the gap is that moment → the next task's start.\n\n` +
      table(latencyHeader, [latencyRows('Reprise', reprise), latencyRows('graphile-worker', graphile)]) +
      `\n\n(goal: Reprise p50 ≤ 5 ms)`,
  );
  goal('chain gap p50 ≤ 5 ms', p50, (v) => v <= 5, `${fmt(p50)} ms`);
}

async function scenarioDispatch() {
  const [reprise, graphile] = await alternate(
    `6. dispatch latency`,
    ['Reprise', () => repriseDispatch(POSTGRES, TRICKLE, TRICKLE_EVERY_MS)],
    ['graphile', () => graphileDispatch(ADMIN_URL, TRICKLE, TRICKLE_EVERY_MS)],
  );
  const p95 = [median(okOnly(reprise).map((r) => r.p95)), median(okOnly(graphile).map((r) => r.p95))];
  emit(
    `## 6. Dispatch latency, ready → started (PostgreSQL)\n\n` +
      `${TRICKLE} one-step runs / jobs, one every ${TRICKLE_EVERY_MS} ms, to an otherwise idle worker. ` +
      `Reprise: \`attempts.created_at\` → \`started_at\`. graphile-worker: \`Date.now()\` just before addJob (in the payload) → the task's start.\n\n` +
      table(latencyHeader, [latencyRows('Reprise', reprise), latencyRows('graphile-worker', graphile)]) +
      `\n\n**p95 Reprise / graphile-worker: ${ratio(p95[0], p95[1])}** (goal ≤ 2×)`,
  );
  goal('dispatch p95 ≤ 2× graphile-worker', p95[0] / p95[1], (v) => v <= 2);
}

async function scenarioEmbedded() {
  const [oneRun, manyRuns] = await alternate(
    `7. embedded (PGlite)`,
    [`one run of ${STEPS} steps`, () => repriseOneRun(PGLITE, STEPS, inProcessWorker)],
    [`${STEPS} one-step runs`, () => repriseManyRuns(PGLITE, STEPS)],
  );
  const pg1 = results.s1 ? rate(results.s1[0]) : NaN;
  const pg2 = results.s2 ? rate(results.s2[0]) : NaN;
  const row = (name: string, rs: ThroughputResult[], pg: number, unit: string) => [
    ...throughputRow(name, rs, unit),
    fmt(pg),
    `**${ratio(rate(rs), pg)}**`,
  ];
  emit(
    `## 7. Embedded mode (PGlite in a temp folder, worker in this process)\n\n` +
      `Same measurements as sections 1 and 2, on a file-backed PGlite database; the ratio is to Reprise on PostgreSQL in this sitting.\n\n` +
      table(
        [...throughputHeader, 'Reprise on PostgreSQL (§1/§2)', 'PGlite / PostgreSQL'],
        [row(`one run of ${STEPS} steps`, oneRun, pg1, 'steps/s'), row(`${STEPS} one-step runs`, manyRuns, pg2, 'runs/s')],
      ) +
      `\n\n(goal ≥ 0.5× of the PostgreSQL figure)`,
  );
  goal(`embedded ${STEPS}-step run ≥ 0.5× PostgreSQL`, rate(oneRun) / pg1, (v) => v >= 0.5);
  goal(`embedded ${STEPS} one-step runs ≥ 0.5× PostgreSQL`, rate(manyRuns) / pg2, (v) => v >= 0.5);
}

async function sectionHistory() {
  const url = args['history-url'];
  const script = path.resolve('scripts/bench-history.ts');
  if (!url || !fs.existsSync(script)) {
    emit(
      `## History lists and views at scale\n\nSkipped: ${
        !fs.existsSync(script) ? 'scripts/bench-history.ts is not in this tree' : 'no --history-url'
      }. Seed a database with \`npm run bench:seed -- --runs 100000\`, then \`npm run bench:engine -- --scenarios none --history-url <url>\`.`,
    );
    return;
  }
  progress('history: measuring lists and views');
  try {
    const { benchHistory } = (await import(script)) as {
      benchHistory: (u: string) => Promise<{ what: string; depth: string; p50_ms: number; p95_ms: number }[]>;
    };
    const rows = await benchHistory(url);
    emit(
      `## History lists and views (seeded database)\n\n` +
        table(
          ['what', 'depth', 'p50 ms', 'p95 ms'],
          rows.map((r) => [r.what, r.depth, fmt(r.p50_ms), `**${fmt(r.p95_ms)}**`]),
        ) +
        `\n\n(goal: p95 ≤ 30 ms at any depth)`,
    );
    const worst = Math.max(...rows.map((r) => r.p95_ms));
    goal('history lists and views p95 ≤ 30 ms', worst, (v) => v <= 30, `worst p95 ${fmt(worst)} ms`);
    checks.push({ what: 'history', ok: true, detail: `${rows.length} measures` });
  } catch (error) {
    checks.push({ what: 'history', ok: false, detail: `failed: ${(error as Error).message}` });
    emit(`## History lists and views\n\nFailed: ${(error as Error).message}`);
  }
}

async function sectionSse() {
  if (!args.sse) {
    emit('## Live events (SSE) under load\n\nSkipped: run `npm run build` and pass `--sse`.');
    return;
  }
  if (!fs.existsSync('.next/BUILD_ID')) {
    emit('## Live events (SSE) under load\n\nSkipped: no build in .next (run `npm run build` first).');
    return;
  }
  // A build of other sources would run the new migrations with the old code, and fail in ways that say nothing of the cause.
  if (!buildIsCurrent()) {
    checks.push({ what: 'SSE', ok: false, detail: 'the build in .next is not of the current sources' });
    emit('## Live events (SSE) under load\n\nSkipped: the build in .next is not of the current sources (run `npm run build` first).');
    return;
  }
  let rs: SseResult[];
  try {
    rs = await runSse({
      adminUrl: ADMIN_URL,
      clientCounts: args['sse-clients'].split(',').map(Number),
      eventsPerSecond: 90,
      loadSeconds: Number(args['sse-seconds']),
      port: Number(args['sse-port']),
      worker: args['sse-worker'] === 'embedded' ? 'embedded' : 'process',
    });
  } catch (error) {
    checks.push({ what: 'SSE', ok: false, detail: `failed: ${(error as Error).message}` });
    emit(`## Live events (SSE) under load\n\nFailed: ${(error as Error).message}`);
    return;
  }
  rs.forEach((r) => checks.push({ what: `SSE, ${r.clients} clients`, ok: r.ok, detail: r.check }));
  emit(
    `## Live events (SSE) under load\n\n` +
      `the app's server (\`scripts/server.mjs\`, as \`npm start\` runs it) on a fresh PostgreSQL database, the steps run by ${args['sse-worker'] === 'embedded' ? 'a worker inside the app (REPRISE_WORKER=embedded)' : 'a worker process beside it (`npm run worker`)'} (concurrency 8); runs of a one-step pipeline ` +
      `triggered through the API on a schedule for ${args['sse-seconds']} s; latency = the moment a client reads the frame − the event's \`at\`, ` +
      `over all clients; \`GET /api/v1/runs?limit=50\` every 200 ms meanwhile.\n\n` +
      table(
        ['clients', 'connected', 'runs triggered (target)', 'events/s', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'API p50 / p95 / max ms', 'API requests (failed)'],
        rs.map((r) => [
          `${r.clients}${r.ok ? '' : ' ⚠'}`,
          r.connected,
          `${r.triggers.sent} (${r.triggers.target})`,
          fmt(r.eventsPerSecond, 0),
          fmt(r.latencies.p50, 0),
          `**${fmt(r.latencies.p95, 0)}**`,
          fmt(r.latencies.p99, 0),
          fmt(r.latencies.max, 0),
          `${fmt(r.api.p50, 0)} / **${fmt(r.api.p95, 0)}** / ${fmt(r.api.max, 0)}`,
          `${r.api.requests} (${r.api.failed})`,
        ]),
      ) +
      `\n\n(goal at 1,000 clients: p95 ≤ 100 ms, and the API keeps answering)`,
  );
  const big = rs.find((r) => r.clients === 1000);
  if (big) goal('SSE p95 ≤ 100 ms at 1,000 clients', big.latencies.p95, (v) => v <= 100, `${fmt(big.latencies.p95, 0)} ms`);
}

async function header() {
  const facts = await serverFacts(ADMIN_URL);
  const commit = (() => {
    try {
      return execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
    } catch {
      return 'unknown';
    }
  })();
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return (
    `# Engine benchmark, ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC\n\n` +
    `Commit ${commit}; ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB; Node ${process.version}; ` +
    `PostgreSQL ${facts.version} (fsync ${facts.fsync}, synchronous_commit ${facts.sync_commit}, shared_buffers ${facts.shared_buffers}); ` +
    `graphile-worker ${graphileVersion()}; load average at start ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}.\n\n` +
    `Command: \`npm run bench:engine -- ${process.argv.slice(2).join(' ')}\` — ${PAIRS} pair(s) per scenario, medians; ` +
    `every run on a fresh database; steps and jobs spawn \`true\` with piped output.`
  );
}

function graphileVersion() {
  try {
    return (JSON.parse(fs.readFileSync('node_modules/graphile-worker/package.json', 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function summary() {
  const goalTable = goals.length
    ? table(
        ['goal (issue 7)', 'measured', 'met'],
        goals.map((g) => [g.goal, g.value, g.met === null ? '–' : g.met ? 'yes' : '**no**']),
      )
    : 'No goal measured.';
  const failed = checks.filter((c) => !c.ok);
  const checkList = checks.map((c) => `- ${c.ok ? 'ok' : '⚠ FAILED'} — ${c.what}: ${c.detail}`).join('\n');
  return (
    `## Goals\n\n${goalTable}\n\n` +
    `## Sanity checks (${checks.length - failed.length}/${checks.length} passed)\n\n` +
    `Figures marked ⚠ include a run that failed its check; medians use only the runs that passed.\n\n${checkList}`
  );
}

async function main() {
  const started = Date.now();
  emit(await header());
  if (SCENARIOS.has(1)) await scenarioOneRun();
  if (SCENARIOS.has(2)) await scenarioManyRuns();
  if (SCENARIOS.has(3)) await scenarioTwoWorkers();
  if (SCENARIOS.has(4)) await scenarioSizes();
  if (SCENARIOS.has(5)) await scenarioChain();
  if (SCENARIOS.has(6)) await scenarioDispatch();
  if (SCENARIOS.has(7)) await scenarioEmbedded();
  await sectionHistory();
  await sectionSse();
  emit(
    summary() +
      `\n\nThe sitting took ${fmt((Date.now() - started) / 60_000, 1)} min; load average at the end ` +
      `${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (the machine is shared: compare figures of one sitting only).`,
  );

  fs.mkdirSync(args.out, { recursive: true });
  const stamp = new Date().toISOString().slice(0, 16).replace('T', '-').replace(':', '');
  const file = path.join(args.out, `engine-${stamp}.md`);
  fs.writeFileSync(file, sections.join('\n\n') + '\n');
  progress(`written to ${file}`);
}

// Interrupted: drop this sitting's scratch databases (worker processes end with our stdin pipes; the SSE server is killed on exit).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    progress(`${signal}: dropping scratch databases`);
    void Promise.race([dropLeftovers(), new Promise((r) => setTimeout(r, 10_000))]).then(() => process.exit(130));
  });
}

main()
  .then(() => process.exit(0))
  .catch((error: Error) => {
    progress(`benchmark failed: ${error.stack}`);
    process.exit(1);
  });
