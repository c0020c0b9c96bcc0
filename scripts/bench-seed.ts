/**
 * Seeds a realistic run history, so anyone can reproduce the history
 * benchmarks (scripts/bench-history.ts) at scale:
 *
 *   npm run bench:seed -- --runs 100000 [--database-url URL] [--force: drop the database first]
 *
 * Five pipelines of ten steps in two projects (one deploys to staging and
 * production) are loaded from YAML through the project's own loader; then, in
 * batches, set-based inserts write runs spread over 90 days (mostly succeeded,
 * ~8% failed, some cancelled, some retried by an operator, a few running),
 * ten work items a run, their attempts (flaky steps auto-retried, failed ones
 * retried up to twice; finished attempts are written finished, as the
 * immutability trigger only guards updates), a log line each, deployments
 * with per-environment versions, and the audit of each trigger.
 * Nothing executes: this is history, not load.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { eq, getTableName, sql } from 'drizzle-orm';
import { openDatabase, type Db } from '@/db/client';
import {
  attempts,
  auditEntries,
  deployments,
  environments,
  logChunks,
  pipelines,
  pipelineVersions,
  projects,
  runs,
  users,
  workItems,
} from '@/db/schema';
import { loadPipelineFiles } from '@/lib/pipelines/loader';

export const DEFAULT_BENCH_URL = 'postgres://postgres@127.0.0.1:5432/reprise_bench_history';
const BATCH = 5000;
const DAYS = 90;
/** Runs still running at the end of the history: what the overview's "running now" shows. */
const RUNNING = 5;

interface StepSpec {
  key: string;
  needs?: string[];
  environment?: string;
  /** Typical duration in seconds. */
  seconds: number;
}

const BUILD_STEPS: StepSpec[] = [
  { key: 'checkout', seconds: 4 },
  { key: 'install', seconds: 45 },
  { key: 'lint', seconds: 20 },
  { key: 'typecheck', seconds: 30 },
  { key: 'unit-tests', seconds: 120 },
  { key: 'build', seconds: 90 },
  { key: 'package', seconds: 25 },
  { key: 'integration-tests', seconds: 240 },
  { key: 'publish', seconds: 15 },
  { key: 'notify', seconds: 2 },
];
const DEPLOY_STEPS: StepSpec[] = [
  { key: 'checkout', seconds: 4 },
  { key: 'install', seconds: 45 },
  { key: 'unit-tests', seconds: 120 },
  { key: 'build', seconds: 90 },
  { key: 'image', seconds: 60 },
  { key: 'migrate-staging', seconds: 10 },
  { key: 'deploy-staging', environment: 'staging', seconds: 40 },
  { key: 'smoke-tests', seconds: 30 },
  { key: 'approve', seconds: 5 },
  { key: 'deploy-production', environment: 'production', seconds: 60 },
];
const PIPELINES = [
  { name: 'web', project: 'shop', title: 'Web storefront', steps: DEPLOY_STEPS },
  { name: 'api', project: 'shop', title: 'Shop API', steps: BUILD_STEPS },
  { name: 'mobile', project: 'shop', title: 'Mobile app', steps: BUILD_STEPS },
  { name: 'etl', project: 'data', title: 'Nightly ETL', steps: BUILD_STEPS },
  { name: 'models', project: 'data', title: 'Model training', steps: BUILD_STEPS },
];
const ACTORS = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Ken Thompson', 'Margaret Hamilton', 'Donald Knuth'];

/** Each step needs the one before: a chain, so times add up like a real run's. */
function pipelineYaml(p: (typeof PIPELINES)[number]) {
  const steps = p.steps.map((s, i) => {
    const lines = [`  - key: ${s.key}`, `    run: ["true"]`, `    inputs: { position: ${i} }`];
    if (i > 0) lines.push(`    needs: [${p.steps[i - 1].key}]`);
    if (s.environment) lines.push(`    environment: ${s.environment}`);
    return lines.join('\n');
  });
  return `name: ${p.name}\nproject: ${p.project}\ntitle: ${p.title}\nsteps:\n${steps.join('\n')}\n`;
}

export interface SeedOptions {
  runs: number;
  databaseUrl?: string;
  force?: boolean;
  log?: (line: string) => void;
}

export async function benchSeed({ runs: total, databaseUrl = DEFAULT_BENCH_URL, force = false, log = console.log }: SeedOptions) {
  const started = Date.now();
  await prepareDatabase(databaseUrl, force);
  const database = await openDatabase({ databaseUrl });
  try {
    const db = database.db;
    const [{ count }] = await db.select({ count: sql<number>`count(*)::int` }).from(runs);
    if (count > 0) throw new Error(`${databaseUrl} already holds ${count} runs; pass --force to replace the database.`);
    await seedHistory(db, total, log);
    log('analyze…');
    await db.execute(sql`analyze`);
    const counts = await tableCounts(db);
    log(Object.entries(counts).map(([t, n]) => `${t} ${n.toLocaleString('en')}`).join(', '));
    log(`seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return counts;
  } finally {
    await database.close();
  }
}

/** Writes `total` runs of history into an empty database (PostgreSQL or PGlite): the bench and the plan tests share it. */
export async function seedHistory(db: Db, total: number, log: (line: string) => void = () => {}) {
  const setup = await loadBenchPipelines(db);
  const t0 = Date.now() / 1000 - DAYS * 86400;
  const spacing = (DAYS * 86400) / total;
  for (let lo = 0; lo < total; lo += BATCH) {
    const hi = Math.min(lo + BATCH, total) - 1;
    const batchStarted = Date.now();
    await db.transaction((tx) => seedBatch(tx as unknown as Db, { lo, hi, total, t0, spacing, ...setup }));
    log(`runs ${lo + 1}–${hi + 1} of ${total} in ${((Date.now() - batchStarted) / 1000).toFixed(1)} s`);
  }
  // Each pipeline's next run number follows its seeded runs (lib/runs/run-number.ts).
  await db.execute(sql`
    select setval(reprise_run_number_sequence(p.id)::regclass, greatest(n.last, 1), n.last > 0)
    from pipelines p, lateral (select coalesce(max(r.number), 0) as last from runs r where r.pipeline_id = p.id) n`);
}

/**
 * Makes the bench database when it is missing; with `replace`, drops it first. The bench database is a
 * scratch database of its own: replacing it whole is simpler than emptying it, and audit entries cannot
 * be deleted anyway (migration 0008 guards them).
 */
async function prepareDatabase(databaseUrl: string, replace: boolean) {
  const { default: postgres } = await import('postgres');
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  const quoted = `"${name.replaceAll('"', '""')}"`;
  url.pathname = '/postgres';
  const admin = postgres(url.toString(), { max: 1, onnotice: () => {} });
  try {
    if (replace) await admin.unsafe(`drop database if exists ${quoted} with (force)`);
    const found = await admin`select 1 from pg_database where datname = ${name}`;
    if (!found.length) await admin.unsafe(`create database ${quoted}`);
  } finally {
    await admin.end();
  }
}

async function loadBenchPipelines(db: Db) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-pipelines-'));
  try {
    for (const p of PIPELINES) fs.writeFileSync(path.join(dir, `${p.name}.yaml`), pipelineYaml(p));
    const report = await loadPipelineFiles(db, dir, () => {});
    if (report.errors.length) throw new Error(`bench pipelines failed to load: ${JSON.stringify(report.errors)}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const actorIds: string[] = [];
  for (const [i, name] of ACTORS.entries()) {
    const email = `bench-${i}@example.test`;
    await db.insert(users).values({ email, name, passwordHash: '!bench', role: 'member' }).onConflictDoNothing();
    const [user] = await db.select({ id: users.id }).from(users).where(eq(users.email, email));
    actorIds.push(user.id);
  }
  const pipelineRows = [];
  const stepRows = [];
  for (const [ord, p] of PIPELINES.entries()) {
    const [row] = await db
      .select({ id: pipelines.id, projectId: pipelines.projectId, versionId: pipelines.currentVersionId })
      .from(pipelines)
      .innerJoin(projects, eq(projects.id, pipelines.projectId))
      .innerJoin(pipelineVersions, eq(pipelineVersions.id, pipelines.currentVersionId))
      .where(sql`${projects.key} = ${p.project} and ${pipelines.name} = ${p.name}`);
    pipelineRows.push({
      ord,
      id: row.id,
      project_id: row.projectId,
      version_id: row.versionId,
      // The run's environment is its first deploy step's, as triggerRun records it.
      environment: p.steps.find((s) => s.environment)?.environment ?? null,
    });
    for (const [position, s] of p.steps.entries()) {
      stepRows.push({ pipeline_ord: ord, position, key: s.key, needs: position ? [p.steps[position - 1].key] : [], environment: s.environment ?? null, seconds: s.seconds });
      if (s.environment) {
        await db.insert(environments).values({ projectId: row.projectId, name: s.environment }).onConflictDoNothing();
      }
    }
  }
  return { pipelineRows, stepRows, actorIds };
}

interface Batch {
  lo: number;
  hi: number;
  total: number;
  t0: number;
  spacing: number;
  pipelineRows: Record<string, unknown>[];
  stepRows: Record<string, unknown>[];
  actorIds: string[];
}

/**
 * One batch of runs, computed in temporary tables (the run's fate, each
 * item's fate and attempts with their times) and then written with one
 * insert per table, with the columns the engine writes.
 */
async function seedBatch(db: Db, b: Batch) {
  const pipes = JSON.stringify(b.pipelineRows);
  const steps = JSON.stringify(b.stepRows);
  const actors = `{${b.actorIds.join(',')}}`;
  const P = b.pipelineRows.length;
  // Run numbers follow g per pipeline and creation times grow with g (jitter
  // below one spacing), so numbers and times agree as they do in real life.
  await db.execute(sql`
    create temp table b_runs on commit drop as
    with p as (select * from jsonb_to_recordset(${pipes}::jsonb) as p(ord int, id uuid, project_id uuid, version_id uuid, environment text)),
    g as (
      select g, random() as u_status, random() as u_branch, random() as u_trigger,
        (${actors}::uuid[])[1 + floor(random() * ${b.actorIds.length})::int] as actor
      from generate_series(${b.lo}::int, ${b.hi}::int) g
    )
    select g.g, gen_random_uuid() as id, p.ord as pipeline_ord, p.id as pipeline_id, p.project_id, p.version_id, p.environment,
      g.g / ${P}::int + 1 as number,
      to_timestamp(${b.t0}::float8 + g.g * ${b.spacing}::float8 + random() * ${b.spacing}::float8 * 0.5) as created_at,
      case when g.g >= ${b.total}::int - ${RUNNING}::int then 'running'
           when g.u_status < 0.08 then 'failed'
           when g.u_status < 0.10 then 'cancelled'
           when g.u_status < 0.13 then 'retried'
           else 'succeeded' end as fate,
      floor(random() * 10)::int as fail_pos,
      case when g.u_trigger < 0.55 then 'api' when g.u_trigger < 0.80 then 'manual' when g.u_trigger < 0.95 then 'schedule' else 'redeploy' end as trigger,
      case when g.u_trigger < 0.80 or g.u_trigger >= 0.95 then g.actor end as triggered_by,
      case when g.u_branch < 0.6 then 'main' when g.u_branch < 0.65 then 'release/' || (g.g % 7) else 'feature/' || (floor(g.u_branch * 1000)::int % 40) end as git_branch,
      substr(md5(g.g::text) || md5((g.g + 1)::text), 1, 40) as git_commit,
      'Change ' || g.g as git_message
    from g join p on p.ord = g.g % ${P}::int
  `);
  await db.execute(sql`alter table b_runs add column started_at timestamptz, add column finished_at timestamptz`);
  await db.execute(sql`update b_runs set started_at = created_at + (1 + random() * 2) * interval '1 second'`);

  // Each item's fate and how many attempts it took; times add up along the chain.
  await db.execute(sql`
    create temp table b_items on commit drop as
    with s as (select * from jsonb_to_recordset(${steps}::jsonb) as s(pipeline_ord int, position int, key text, needs text[], environment text, seconds float8)),
    fated as (
      select r.id as run_id, gen_random_uuid() as id, s.position, s.key, s.needs, s.environment, r.fate, r.fail_pos,
        s.seconds * (0.7 + 0.6 * random()) as seconds, random() as u,
        case
          when r.fate in ('succeeded', 'retried') or s.position < r.fail_pos then 'succeeded'
          when s.position = r.fail_pos then case r.fate when 'failed' then 'failed' when 'cancelled' then 'cancelled' else 'running' end
          when r.fate = 'running' then 'pending'
          else 'skipped'
        end as status
      from b_runs r join s on s.pipeline_ord = r.pipeline_ord
    ),
    counted as (
      select f.*,
        case
          when f.fate = 'retried' and f.position = f.fail_pos then 2
          when f.status = 'succeeded' then case when f.u < 0.94 then 1 when f.u < 0.99 then 2 else 3 end
          when f.status = 'failed' then 1 + floor(f.u * 3)::int
          when f.status in ('cancelled', 'running') then 1
          else 0
        end as n
      from fated f
    )
    select c.*,
      coalesce(sum(c.n * (c.seconds + 2)) over (partition by c.run_id order by c.position rows between unbounded preceding and 1 preceding), 0)
        -- An operator's retry comes ten minutes after the failure it answers.
        + case when c.fate = 'retried' and c.position > c.fail_pos then 600 else 0 end as offset_s
    from counted c
  `);

  await db.execute(sql`
    create temp table b_att on commit drop as
    select gen_random_uuid() as id, i.id as work_item_id, i.run_id, i.key, i.environment, k as number,
      case when k = 1 then 'initial' when i.fate = 'retried' and i.position = i.fail_pos then 'retry' else 'auto_retry' end as kind,
      case when k < i.n then 'failed' else i.status end as status,
      case when i.fate = 'retried' and (i.position > i.fail_pos or (i.position = i.fail_pos and k = 2)) then 2 else 1 end as run_attempt,
      i.position = i.fail_pos and i.fate = 'retried' and k = 2 as operator_retry,
      r.started_at + (i.offset_s + (k - 1) * (i.seconds + 2)
        + case when i.fate = 'retried' and i.position = i.fail_pos and k = 2 then 600 else 0 end) * interval '1 second' as started_at,
      i.seconds
    from b_items i join b_runs r on r.id = i.run_id cross join generate_series(1, i.n) k
  `);
  await db.execute(sql`
    alter table b_att add column finished_at timestamptz, add column retry_of uuid, add column deployment_id uuid, add column retried_deployment uuid
  `);
  await db.execute(sql`
    update b_att a set
      finished_at = case when a.status = 'running' then null else a.started_at + a.seconds * interval '1 second' end,
      retry_of = l.prev_id,
      deployment_id = case when a.environment is not null then gen_random_uuid() end
    from (select id, lag(id) over (partition by work_item_id order by number) as prev_id from b_att) l
    where l.id = a.id
  `);
  await db.execute(sql`
    update b_att a set retried_deployment = p.deployment_id from b_att p where p.id = a.retry_of and a.deployment_id is not null
  `);
  await db.execute(sql`
    update b_runs r set finished_at = case when r.fate = 'running' then null else t.last end
    from (select run_id, max(coalesce(finished_at, started_at)) as last from b_att group by run_id) t
    where t.run_id = r.id
  `);

  await db.execute(sql`
    insert into runs (id, project_id, pipeline_id, pipeline_version_id, number, params, trigger, triggered_by, git_commit, git_branch,
      git_message, environment, attempt, status, created_at, started_at, finished_at)
    select id, project_id, pipeline_id, version_id, number, '{}'::jsonb, trigger, triggered_by, git_commit, git_branch,
      git_message, environment, case when fate = 'retried' then 2 else 1 end,
      case when fate = 'retried' then 'succeeded' else fate end, created_at, started_at, finished_at
    from b_runs order by g
  `);
  await db.execute(sql`
    insert into work_items (id, run_id, key, position, needs, environment, status, latest_attempt_id, attempt_count, updated_at)
    select i.id, i.run_id, i.key, i.position, i.needs, i.environment, i.status, a.id, i.n, coalesce(a.finished_at, a.started_at, r.created_at)
    from b_items i join b_runs r on r.id = i.run_id left join b_att a on a.work_item_id = i.id and a.number = i.n
  `);
  await db.execute(sql`
    insert into attempts (id, work_item_id, run_id, number, kind, status, inputs, outputs, error, reason, triggered_by, retry_of,
      run_attempt, worker_id, lease_expires_at, available_at, created_at, started_at, finished_at)
    select a.id, a.work_item_id, a.run_id, a.number, a.kind, a.status, jsonb_build_object('position', i.position),
      case when a.status = 'succeeded' then jsonb_build_object('ok', true) end,
      case a.status
        when 'failed' then jsonb_build_object('message', 'Exited with code 1', 'exit_code', 1, 'classification', 'exit_code')
        when 'cancelled' then jsonb_build_object('message', 'Cancelled by an operator', 'exit_code', null, 'classification', 'cancelled')
      end,
      case when a.operator_retry then 'flaky network' end,
      case when a.operator_retry then (${actors}::uuid[])[1 + (i.position % ${b.actorIds.length}::int)] else r.triggered_by end,
      a.retry_of, a.run_attempt,
      -- A running attempt holds a lease that never expires: no reaper turns the bench's history into new work.
      'bench-seed', case when a.status = 'running' then now() + interval '10 years' end,
      a.started_at - interval '500 milliseconds', a.started_at - interval '500 milliseconds', a.started_at, a.finished_at
    from b_att a join b_items i on i.id = a.work_item_id join b_runs r on r.id = a.run_id
    order by a.started_at
  `);
  await db.execute(sql`
    insert into log_chunks (attempt_id, seq, stream, text, at)
    select id, 1, case when status = 'failed' then 'stderr' else 'stdout' end,
      case when status = 'failed' then 'running ' || key || E'\nerror: exited with code 1\n' else 'running ' || key || E'\ndone\n' end,
      coalesce(finished_at, started_at)
    from b_att
  `);
  // Versions grow per environment in creation order, continuing where the last batch stopped.
  await db.execute(sql`
    insert into deployments (id, project_id, environment_id, version, status, trigger, triggered_by, git_commit, git_branch, git_message,
      run_id, attempt_id, retry_of, error_message, created_at, started_at, completed_at)
    select a.deployment_id, r.project_id, e.id,
      e.last_version + row_number() over (partition by e.id order by a.started_at, a.id),
      case a.status when 'succeeded' then 'succeeded' when 'running' then 'running' when 'cancelled' then 'cancelled' else 'failed' end,
      case when a.kind in ('retry', 'auto_retry') then 'retry' else r.trigger end,
      coalesce(case when a.operator_retry then (${actors}::uuid[])[1] end, r.triggered_by),
      r.git_commit, r.git_branch, r.git_message, r.id, a.id, a.retried_deployment,
      case when a.status = 'failed' then 'Exited with code 1' end,
      a.started_at - interval '500 milliseconds', a.started_at, a.finished_at
    from b_att a join b_runs r on r.id = a.run_id join environments e on e.project_id = r.project_id and e.name = a.environment
    where a.deployment_id is not null
  `);
  await db.execute(sql`
    update environments e set last_version = v.version
    from (select environment_id, max(version) as version from deployments group by environment_id) v
    where v.environment_id = e.id
  `);
  await db.execute(sql`
    insert into audit_entries (actor_id, action, target_type, target_id, reason, details, created_at)
    select triggered_by, 'run.trigger', 'run', id::text, null, jsonb_build_object('number', number), created_at from b_runs
    union all
    select r.triggered_by, 'item.retry', 'run', a.run_id::text, 'flaky network', jsonb_build_object('attempt_id', a.id), a.started_at
    from b_att a join b_runs r on r.id = a.run_id where a.operator_retry
  `);
}

async function tableCounts(db: Db) {
  const counts: Record<string, number> = {};
  for (const table of [runs, workItems, attempts, logChunks, deployments, auditEntries]) {
    const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(table);
    counts[getTableName(table)] = row.n;
  }
  return counts;
}

function parseArgs(argv: string[]) {
  const opts: SeedOptions = { runs: 100_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--runs') opts.runs = Number(argv[++i]);
    else if (arg === '--database-url') opts.databaseUrl = argv[++i];
    else if (arg === '--force') opts.force = true;
    else throw new Error(`Unknown argument ${arg}. Usage: npm run bench:seed -- --runs 100000 [--database-url URL] [--force]`);
  }
  if (!Number.isInteger(opts.runs) || opts.runs < 1) throw new Error('--runs must be a positive integer.');
  return opts;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchSeed(parseArgs(process.argv.slice(2))).catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
