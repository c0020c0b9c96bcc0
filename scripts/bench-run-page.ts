/**
 * Benchmark: how fast is the run page of a big run, and how much JavaScript
 * does each page load first?
 *
 *   npm run build && node --import tsx scripts/bench-run-page.ts
 *
 * Seeds an embedded database with a run of 200 steps and 10 attempts each
 * (written directly, nothing executes), starts the app's server on it, and loads
 * the run page in Chromium five times: "interactive" is when all 200 graph
 * nodes are laid out and React has hydrated the Retry button. Prints a Markdown table
 * for BENCHMARKS.md.
 */
import { adminActor } from '../lib/testing/test-db';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Page } from '@playwright/test';
import { eq } from 'drizzle-orm';
import { openDatabase } from '@/db/client';
import { attempts, logChunks, runs, users, workItems } from '@/db/schema';
import { loadPipelineFiles } from '@/lib/pipelines/loader';
import { triggerRun } from '@/lib/runs/trigger-run';

const STEPS = 200;
const ATTEMPTS = 10;
/** The log of step s0's last attempt: 100,000 lines, in chunks of 100 as the log writer would flush them. */
const LOG_LINES = 100_000;
const LINES_PER_CHUNK = 100;
const PORT = 3456;
const base = `http://127.0.0.1:${PORT}`;
const ADMIN = { name: 'Bench', email: 'bench@example.test', password: 'correct horse battery' };

async function seed(dataDir: string, pipelinesDir: string) {
  // 20 layers of 10 steps, each needing one step of the layer before.
  const steps = Array.from({ length: STEPS }, (_, i) => {
    const needs = i >= 10 ? `\n    needs: [s${i - 10}]` : '';
    return `  - key: s${i}${needs}\n    inputs: { n: ${i} }\n    run: ["true"]`;
  });
  fs.writeFileSync(path.join(pipelinesDir, 'big.yaml'), `name: big\nproject: bench\nsteps:\n${steps.join('\n')}\n`);
  const database = await openDatabase({ dataDir });
  const db = database.db;
  await loadPipelineFiles(db, pipelinesDir, () => {});
  const [user] = await db
    .insert(users)
    .values({ email: 'seed@example.test', name: 'Seeder', passwordHash: '!service', role: 'admin' })
    .returning();
  const pipeline = await db.query.pipelines.findFirst();
  const run = await triggerRun(db, adminActor(user), { pipelineId: pipeline!.id });
  // Replace what the trigger queued with a finished history: 10 attempts a step.
  await db.delete(attempts).where(eq(attempts.runId, run.id));
  const items = await db.select().from(workItems).where(eq(workItems.runId, run.id));
  const t0 = Date.now() - 3600_000;
  for (const item of items) {
    const rows = Array.from({ length: ATTEMPTS }, (_, k) => ({
      workItemId: item.id,
      runId: run.id,
      number: k + 1,
      kind: k === 0 ? ('initial' as const) : ('retry' as const),
      status: k === ATTEMPTS - 1 ? ('succeeded' as const) : ('failed' as const),
      inputs: { n: item.position, attempt: k + 1 },
      outputs: k === ATTEMPTS - 1 ? { ok: true } : null,
      error: k === ATTEMPTS - 1 ? null : { message: `failure ${k + 1}`, exit_code: 1, classification: 'exit_code' as const },
      runAttempt: k + 1,
      triggeredBy: user.id,
      createdAt: new Date(t0 + k * 60_000),
      startedAt: new Date(t0 + k * 60_000 + 1000),
      finishedAt: new Date(t0 + k * 60_000 + 5000),
    }));
    const inserted = await db.insert(attempts).values(rows).returning({ id: attempts.id, number: attempts.number });
    const latest = inserted.find((a) => a.number === ATTEMPTS)!;
    if (item.key === 's0') await seedLongLog(db, latest.id);
    else await db.insert(logChunks).values({ attemptId: latest.id, seq: 1, stream: 'stdout', text: 'done\n' });
    await db
      .update(workItems)
      .set({ status: 'succeeded', latestAttemptId: latest.id, attemptCount: ATTEMPTS })
      .where(eq(workItems.id, item.id));
  }
  await db
    .update(runs)
    .set({ status: 'succeeded', attempt: ATTEMPTS, startedAt: new Date(t0), finishedAt: new Date(t0 + 600_000) })
    .where(eq(runs.id, run.id));
  await database.close();
  return run.id;
}

async function seedLongLog(db: Awaited<ReturnType<typeof openDatabase>>['db'], attemptId: string) {
  const chunks = Array.from({ length: LOG_LINES / LINES_PER_CHUNK }, (_, c) => ({
    attemptId,
    seq: c + 1,
    stream: c % 10 === 9 ? ('stderr' as const) : ('stdout' as const),
    text: Array.from({ length: LINES_PER_CHUNK }, (_, l) => {
      const n = c * LINES_PER_CHUNK + l + 1;
      return n % 50 === 0 ? `\u001b[32mline ${n}\u001b[0m: checkpoint` : `line ${n}: epoch ${c} batch ${l} loss 0.${n % 997}`;
    }).join('\n') + '\n',
  }));
  for (let i = 0; i < chunks.length; i += 100) await db.insert(logChunks).values(chunks.slice(i, i + 100));
}

async function waitForServer() {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/api/health`)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('server did not start');
}

async function firstLoadJs(page: Page, url: string) {
  const bodies: Promise<number>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script') {
      bodies.push(response.body().then((b) => b.length, () => 0));
    }
  });
  await page.goto(url, { waitUntil: 'networkidle' });
  return (await Promise.all(bodies)).reduce((a, b) => a + b, 0);
}

async function main() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-bench-'));
  const dataDir = path.join(work, 'data');
  const pipelinesDir = path.join(work, 'pipelines');
  fs.mkdirSync(pipelinesDir);
  const runId = await seed(dataDir, pipelinesDir);

  const server = spawn(process.execPath, [path.resolve('scripts/server.mjs'), '-p', String(PORT)], {
    env: { ...process.env, REPRISE_DATA_DIR: dataDir, REPRISE_PIPELINES: pipelinesDir, REPRISE_DEMO: 'off', REPRISE_WORKER: 'off', AUTH_SECRET: 'bench-secret-bench-secret-bench-secret' },
    stdio: 'ignore',
  });
  try {
    await waitForServer();
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic', '--no-first-run'],
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${base}/setup`);
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await page.waitForURL(`${base}/`);

    const timings: number[] = [];
    const fullTimings: number[] = [];
    for (let i = 0; i < 6; i++) {
      const start = Date.now();
      await page.goto(`${base}/runs/${runId}`, { waitUntil: 'commit' });
      await page.waitForFunction((n) => document.querySelectorAll('[data-step]').length === n, STEPS, { timeout: 30_000 });
      // Hydrated: React has attached its props to the Retry button (it can be clicked).
      await page.waitForFunction(() => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.includes('Retry failed steps'));
        return !!button && Object.keys(button).some((k) => k.startsWith('__reactProps'));
      });
      const interactive = Date.now() - start;
      // Fully hydrated: the last row of the steps list too (it hydrates after the header).
      await page.waitForFunction(() => {
        const rows = document.querySelectorAll('[data-step-link]');
        const last = rows[rows.length - 1];
        return !!last && Object.keys(last).some((k) => k.startsWith('__reactProps'));
      });
      const hydrated = Date.now() - start;
      const nav = await page.evaluate(() => {
        const t = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        return { ttfb: Math.round(t.responseStart), html: Math.round(t.responseEnd), dcl: Math.round(t.domContentLoadedEventEnd) };
      });
      if (process.env.BENCH_VERBOSE) console.log(`load ${i}: ${interactive} ms, all hydrated ${hydrated} ms`, nav);
      if (i > 0) {
        // the first load warms the server's caches
        timings.push(interactive);
        fullTimings.push(hydrated);
      }
    }
    timings.sort((a, b) => a - b);
    fullTimings.sort((a, b) => a - b);
    const median = timings[Math.floor(timings.length / 2)];
    const fullMedian = fullTimings[Math.floor(fullTimings.length / 2)];

    // The longest log: every line fetched and countable, but only the visible ones in the DOM.
    const logTimings: number[] = [];
    let logRows = 0;
    let searchMs = 0;
    for (let i = 0; i < 3; i++) {
      const start = Date.now();
      await page.goto(`${base}/runs/${runId}/steps/s0`, { waitUntil: 'commit' });
      const latest = page.locator('#attempt-10');
      await latest.getByText(`${LOG_LINES} lines`, { exact: true }).waitFor({ timeout: 60_000 });
      logTimings.push(Date.now() - start);
      logRows = await latest.getByRole('log').locator('[data-line]').count();
      if (i === 0) {
        await latest.getByRole('log').evaluate((el) => (el.scrollTop = el.scrollHeight));
        await latest.getByRole('log').screenshot({ path: 'test-results/screenshots/long-log.png' });
      }
      const searchStart = Date.now();
      await latest.getByPlaceholder('Search').fill(`line ${LOG_LINES - 1}:`);
      await latest.getByText(`1 of ${LOG_LINES} lines`).waitFor();
      searchMs = Date.now() - searchStart;
    }
    logTimings.sort((a, b) => a - b);

    const pages: [string, string][] = [
      ['overview', '/'],
      ['pipelines', '/pipelines'],
      ['run (200 steps)', `/runs/${runId}`],
      ['step history (10 attempts)', `/runs/${runId}/steps/s150`],
      ['compare', `/runs/${runId}/steps/s150/compare`],
      ['replay (editor)', `/runs/${runId}/steps/s150/replay`],
    ];
    const sizes: [string, number][] = [];
    for (const [name, url] of pages) {
      const fresh = await browser.newContext();
      const cookies = await page.context().cookies();
      await fresh.addCookies(cookies);
      const p = await fresh.newPage();
      sizes.push([name, await firstLoadJs(p, base + url)]);
      await fresh.close();
    }
    await browser.close();

    console.log(`\nRun page, ${STEPS} steps × ${ATTEMPTS} attempts: interactive in ${median} ms (median of ${timings.length}; all: ${timings.join(', ')} ms); every row hydrated in ${fullMedian} ms (${fullTimings.join(', ')} ms)\n`);
    console.log(
      `Step page with a ${LOG_LINES.toLocaleString('en')}-line log: all lines loaded in ${logTimings[1]} ms (median of 3; ${logTimings.join(', ')} ms); ${logRows} line rows in the DOM; search over all lines answered in ${searchMs} ms\n`,
    );
    console.log('| page | JavaScript loaded (uncompressed) |\n| --- | --- |');
    for (const [name, bytes] of sizes) console.log(`| ${name} | ${(bytes / 1024).toFixed(0)} KiB |`);
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    if (!process.env.BENCH_KEEP) fs.rmSync(work, { recursive: true, force: true });
    else console.log(`kept ${work}`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
