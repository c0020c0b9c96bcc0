/**
 * Benchmark: live-event latency with many SSE clients in one process.
 *
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres node --import tsx scripts/bench-sse-fanout.ts
 *
 * Creates a scratch database on that server, starts the event hub and
 * CLIENTS event streams in this process (each read by its own reader loop, as
 * the HTTP layer would), writes RATE events a second for SECONDS from a
 * separate connection, one transaction each, and prints the percentiles of
 * (time a client read the event − the event's created_at), the CPU this
 * process used, and how late its event loop ran. Not a test: figures vary
 * with the machine.
 */
import { adminActor } from '../lib/testing/test-db';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import { openDatabase, type Db } from '@/db/client';
import * as schema from '@/db/schema';
import type { Actor } from '@/lib/actor';
import { eventStream } from '@/lib/api/event-stream';
import { EventHub } from '@/lib/event-hub';
import { transact } from '@/lib/events';

const CLIENTS = Number(process.env.CLIENTS || 1000);
const RATE = Number(process.env.RATE || 90);
const SECONDS = Number(process.env.SECONDS || 20);
const WRITER_CONNECTIONS = 4;
// Every client reads; one in SAMPLE_EVERY (and the last to subscribe, which the
// fan-out reaches last) also parses what it reads to time it, so parsing in
// the benchmark does not drown what is measured.
const SAMPLE_EVERY = 20;
const url = process.env.DATABASE_URL;
if (!url)
  throw new Error('Set DATABASE_URL to a PostgreSQL server: the benchmark creates and drops its own database there.');

const actor: Actor = adminActor({ id: randomUUID(), email: 'bench@example.test', name: 'Bench' });

function percentile(sorted: Float64Array, p: number) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

/** Reads one stream to its end; a sampled one records how long after its creation each event arrived. */
async function readStream(
  body: ReadableStream<Uint8Array>,
  sampled: boolean,
  latencies: number[],
  counts: { events: number; resets: number; bytes: number },
) {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    counts.bytes += chunk.byteLength;
    if (!sampled) continue;
    const now = Date.now();
    buffer += decoder.decode(chunk, { stream: true });
    const end = buffer.lastIndexOf('\n\n');
    if (end < 0) continue;
    const complete = buffer.slice(0, end);
    buffer = buffer.slice(end + 2);
    for (const m of complete.matchAll(/"at":"([^"]+)"/g)) {
      latencies.push(now - Date.parse(m[1]));
      counts.events++;
    }
    if (complete.includes('event: reset')) counts.resets++;
  }
}

async function main() {
  const name = `reprise_bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const admin = postgres(url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  const dbUrl = new URL(url!);
  dbUrl.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: dbUrl.toString() });
  const writerClient = postgres(dbUrl.toString(), { max: WRITER_CONNECTIONS, onnotice: () => {} });
  const writer = drizzle(writerClient, { schema }) as unknown as Db;
  try {
    const hub = new EventHub(database);
    await hub.start();
    const abort = new AbortController();
    setMaxListeners(CLIENTS + 10, abort.signal);
    const latencies: number[] = [];
    const counts = { events: 0, resets: 0, bytes: 0 };
    const sampled = (i: number) => i % SAMPLE_EVERY === 0 || i === CLIENTS - 1;
    const sampledClients = Array.from({ length: CLIENTS }, (_, i) => i).filter(sampled).length;
    const readers = Array.from({ length: CLIENTS }, (_, i) =>
      readStream(eventStream(hub, actor, {}, null, abort.signal), sampled(i), latencies, counts),
    );
    console.log(`${CLIENTS} streams open (hub clients: ${hub.clientCount}); writing ${RATE} events/s for ${SECONDS} s`);

    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const cpuStart = process.cpuUsage();
    const started = performance.now();
    const total = RATE * SECONDS;
    const runId = randomUUID();
    // Each write starts on schedule whether or not the one before has
    // committed, as the engine's many writers would: a slow commit does not
    // lower the rate.
    const writes: Promise<void>[] = [];
    for (let i = 0; i < total; i++) {
      const due = started + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      writes.push(
        transact(writer, (_tx, sink) => {
          sink.emit({ type: 'attempt.started', runId, payload: { attempt_id: randomUUID(), status: 'running', n: i } });
          return Promise.resolve();
        }),
      );
    }
    await Promise.all(writes);
    const writeSeconds = (performance.now() - started) / 1000;
    const expected = total * sampledClients;
    const deadline = Date.now() + 60_000;
    while (counts.events < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // A moment for unsampled clients, which the fan-out may reach after the sampled ones.
    await new Promise((r) => setTimeout(r, 500));
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuStart);
    loop.disable();

    const sorted = Float64Array.from(latencies).sort();
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(
      `writes took ${writeSeconds.toFixed(1)} s; events received by the ${sampledClients} timed clients: ${counts.events} of ${expected}; ` +
        `resets: ${counts.resets}; bytes read by all clients: ${(counts.bytes / 2 ** 20).toFixed(0)} MiB`,
    );
    console.log(
      `latency ms: p50 ${percentile(sorted, 50)}  p95 ${percentile(sorted, 95)}  p99 ${percentile(sorted, 99)}  max ${sorted[sorted.length - 1]}`,
    );
    console.log(
      `CPU: ${cpuSeconds.toFixed(1)} s over ${elapsed.toFixed(1)} s wall (${((100 * cpuSeconds) / elapsed).toFixed(0)}% of one core); ` +
        `event loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms, max ${(loop.max / 1e6).toFixed(0)} ms; ` +
        `RSS ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`,
    );
    abort.abort();
    await Promise.all(readers);
    await hub.stop();
  } finally {
    await writerClient.end();
    await database.close();
    await admin.unsafe(`drop database if exists ${name} with (force)`);
    await admin.end();
  }
}

void main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
