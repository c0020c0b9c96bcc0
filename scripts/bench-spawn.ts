/**
 * How much a step's fork costs from a big process, directly and through the
 * spawner (lib/engine/spawner.ts). Run by hand, not a test:
 *
 *   node --import tsx scripts/bench-spawn.ts [--spawns 2000] [--concurrency 8] [--mb 350] [--rounds 2]
 *
 * The process first allocates and touches --mb MB, as PGlite or the Next.js
 * server would hold, then runs `true` --spawns times through runStep, the two
 * ways alternately (--rounds pairs). It prints spawns/s and CPU per spawn of
 * this process and, for the spawner way, of the spawner process too.
 */
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { runStep } from '../lib/engine/executor';
import { spawnerPid } from '../lib/engine/spawner';

const { values } = parseArgs({
  options: {
    spawns: { type: 'string', default: '2000' },
    concurrency: { type: 'string', default: '8' },
    mb: { type: 'string', default: '350' },
    rounds: { type: 'string', default: '2' },
  },
});
const spawns = Number(values.spawns);
const concurrency = Number(values.concurrency);
const rounds = Number(values.rounds);

/** Touched, so the pages are really mapped and a fork has to copy their tables. */
function holdMemory(mb: number) {
  const chunks: Buffer[] = [];
  for (let i = 0; i < mb; i++) chunks.push(Buffer.alloc(1024 * 1024, i % 251));
  return chunks;
}

/** utime + stime of a process in ms, from /proc (Linux). */
function cpuMsOf(pid: number) {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

async function measure(viaSpawner: boolean) {
  const cwd = os.tmpdir();
  // Started before the clock, as a running engine's would be.
  await runStep({ argv: ['true'], cwd, inputs: {}, env: {}, attemptNumber: 1, runId: 'r', stepKey: 's', timeoutMs: null, onLog: () => {}, viaSpawner }).done;
  const helper = viaSpawner ? spawnerPid() : null;
  const helperBefore = helper ? cpuMsOf(helper) : 0;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  let failed = 0;
  const lane = async () => {
    while (next < spawns) {
      next++;
      const result = await runStep({ argv: ['true'], cwd, inputs: { n: next }, env: {}, attemptNumber: 1, runId: 'r', stepKey: 's', timeoutMs: null, onLog: () => {}, viaSpawner }).done;
      if (result.status !== 'succeeded') failed++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const ownMs = (cpu.user + cpu.system) / 1000;
  const helperMs = helper ? cpuMsOf(helper) - helperBefore : 0;
  return { viaSpawner, seconds, ownMs, helperMs, failed };
}

const held = holdMemory(Number(values.mb));
const rss = () => Math.round(process.memoryUsage().rss / 1024 / 1024);
console.log(`holding ${held.length} MB (RSS ${rss()} MB); ${spawns} spawns of \`true\` at concurrency ${concurrency}, ${rounds} round(s); ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
for (let round = 1; round <= rounds; round++) {
  for (const viaSpawner of [false, true]) {
    const r = await measure(viaSpawner);
    const way = viaSpawner ? 'spawner' : 'direct ';
    const helper = viaSpawner ? `, spawner ${(r.helperMs / spawns).toFixed(2)} ms/spawn, together ${((r.ownMs + r.helperMs) / spawns).toFixed(2)}` : '';
    console.log(
      `round ${round} ${way}: ${(spawns / r.seconds).toFixed(0)} spawns/s, this process ${(r.ownMs / spawns).toFixed(2)} ms CPU/spawn${helper}` +
        (r.failed ? `, ${r.failed} failed` : ''),
    );
  }
}
console.log(`RSS at the end ${rss()} MB (held ${held.length} MB)`);
