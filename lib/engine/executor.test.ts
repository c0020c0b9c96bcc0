import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogStream } from '@/db/schema';
import { waitFor } from '../testing/test-db';
import { runStep, type StepProcess } from './executor';
import { spawnerPid } from './spawner';
import { isAlive } from '../testing/processes';

/** A step of `argv` run in `cwd`; the tests vary only what they name. */
const stepIn = (cwd: string, argv: string[], viaSpawner: boolean, more: Partial<StepProcess>): StepProcess => ({
  argv,
  cwd,
  inputs: {},
  env: {},
  attemptNumber: 1,
  runId: 'run-1',
  stepKey: 'step-1',
  timeoutMs: null,
  onLog: () => {},
  viaSpawner,
  ...more,
});

const MiB = 1024 * 1024;


const sh = (script: string) => ['sh', '-c', script];

interface Captured {
  chunks: { stream: LogStream; text: string }[];
  text(stream?: LogStream): string;
}

function capture(): Captured & { onLog: StepProcess['onLog'] } {
  const chunks: Captured['chunks'] = [];
  return {
    chunks,
    onLog: (stream, text) => void chunks.push({ stream, text }),
    text: (stream) =>
      chunks
        .filter((c) => !stream || c.stream === stream)
        .map((c) => c.text)
        .join(''),
  };
}

describe.each([
  ['through the spawner', true],
  ['spawned directly', false],
])('runStep %s', (_name, viaSpawner) => {
  let cwd: string;
  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-executor-'));
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const step = (argv: string[], more: Partial<StepProcess> = {}) => stepIn(cwd, argv, viaSpawner, more);

  it('stores NUL bytes in output, outputs and error message as ␀', async () => {
    const log = capture();
    const ok = await runStep(step(sh(`printf 'a\\0b\\n'; printf '{"a\\\\u0000":"x\\\\u0000y"}' > "$REPRISE_OUTPUTS"`), log)).done;
    expect(ok).toEqual({ status: 'succeeded', outputs: { 'a␀': 'x␀y' } });
    expect(log.text('stdout')).toBe('a␀b\n');

    const failed = await runStep(step(sh(`printf 'bad\\0thing\\n' >&2; exit 4`))).done;
    expect(failed.status).toBe('failed');
    expect(failed.error?.message).toBe('Step exited with code 4: bad␀thing');
  });

  it('masks secret values in the log (even split across writes), the outputs and the error message', async () => {
    const log = capture();
    const secret = 'hook-token-8c1f';
    // The step gets the clear value; it prints it in two pieces with a pause between.
    const script = `printf 'token=%s' "$(echo "$REPRISE_INPUT_TOKEN" | cut -c1-6)"; sleep 0.2; printf '%s\\n' "$(echo "$REPRISE_INPUT_TOKEN" | cut -c7-)";` +
      ` printf '{"echo":"%s","length":%d}' "$REPRISE_INPUT_TOKEN" "\${#REPRISE_INPUT_TOKEN}" > "$REPRISE_OUTPUTS"`;
    const ok = await runStep(step(sh(script), { ...log, inputs: { token: secret }, secrets: [secret] })).done;
    expect(log.text('stdout')).toBe('token=••••\n');
    expect(ok).toEqual({ status: 'succeeded', outputs: { echo: '••••', length: secret.length } });

    const failed = await runStep(step(sh(`echo "refused $REPRISE_INPUT_TOKEN" >&2; exit 3`), { inputs: { token: secret }, secrets: [secret] })).done;
    expect(failed.error?.message).toBe('Step exited with code 3: refused ••••');
  });

  it('replaces invalid UTF-8 with U+FFFD', async () => {
    const log = capture();
    const result = await runStep(step(sh(`printf 'ok \\377\\376 end\\n'; printf '\\377x\\n' >&2`), log)).done;
    expect(result.status).toBe('succeeded');
    expect(log.text('stdout')).toBe('ok \ufffd\ufffd end\n');
    expect(log.text('stderr')).toBe('\ufffdx\n');
  });

  it('cuts a 100 MB log at its cap, says so, and keeps memory bounded', async () => {
    const total = 100 * 1000 * 1000;
    let stored = 0;
    let systemLines = '';
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    const result = await runStep(
      step(sh(`head -c ${total} /dev/zero | tr '\\0' x; echo 'the reason' >&2; exit 9`), {
        logCapBytes: MiB,
        onLog: (stream, text) => {
          if (stream === 'system') systemLines += text;
          else stored += Buffer.byteLength(text);
        },
      }),
    ).done;
    clearInterval(sampler);
    expect(stored).toBe(MiB);
    expect(systemLines).toBe(`[reprise] log cut at 1 MiB: ${(total + 'the reason\n'.length - MiB).toLocaleString('en-US')} more bytes were not stored\n`);
    // Past the cap, stderr is still read for the error message.
    expect(result.error?.message).toBe('Step exited with code 9: the reason');
    // What stays is a constant of the garbage collector's (measured 7-10 MiB
    // through the spawner, 20-28 MiB direct, the same for 40 MB as for 100 MB),
    // never the output: a buffered log would add 100 MB or more.
    expect(peak - baseline).toBeLessThan(40 * MiB);
  });

  it('reads no faster than a slow consumer stores, and delivers everything in order', async () => {
    const marker = path.join(cwd, `written-${viaSpawner}`);
    const lines = 250_000;
    const expected = Array.from({ length: lines }, (_, i) => `${i + 1}\n`).join('');
    let received = '';
    let stored = 0;
    let storedWhenWritten: number | null = null;
    const watch = setInterval(() => {
      if (storedWhenWritten === null && fs.existsSync(marker)) storedWhenWritten = stored;
    }, 10);
    const result = await runStep(
      step(sh(`seq 1 ${lines}; touch ${marker}`), {
        onLog: async (_stream, text) => {
          received += text;
          await new Promise((resolve) => setTimeout(resolve, 200));
          stored += text.length;
        },
      }),
    ).done;
    clearInterval(watch);
    expect(result.status).toBe('succeeded');
    expect(received).toBe(expected);
    // Without backpressure the step is done writing at once, before the
    // consumer has stored anything; with it, the step waits for the consumer
    // until only what pipe and channel buffers hold is left in between.
    expect(storedWhenWritten).not.toBeNull();
    expect(storedWhenWritten!).toBeGreaterThan(expected.length / 2);
  });

  it('survives a consumer that throws or rejects', async () => {
    let calls = 0;
    const result = await runStep(
      step(sh('echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three'), {
        onLog: () => {
          calls++;
          if (calls === 1) throw new Error('store failed');
          return Promise.reject(new Error('store failed later'));
        },
      }),
    ).done;
    expect(result.status).toBe('succeeded');
    expect(calls).toBeGreaterThanOrEqual(2);
  });

  it('kills the whole process group on timeout', async () => {
    const pidFile = path.join(cwd, `timeout-${viaSpawner}.pid`);
    const result = await runStep(step(sh(`sleep 30 & echo $! > ${pidFile}; echo started; wait`), { timeoutMs: 700 })).done;
    expect(result).toEqual({
      status: 'failed',
      error: { message: 'Step timed out after 700ms', exit_code: null, classification: 'timeout' },
    });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor('the background sleep to die', async () => !isAlive(pid));
  });

  it('kills the whole process group on cancel', async () => {
    const pidFile = path.join(cwd, `cancel-${viaSpawner}.pid`);
    const log = capture();
    const running = runStep(step(sh(`sleep 30 & echo $! > ${pidFile}; echo started; wait`), log));
    await waitFor('the step to start', async () => log.text().includes('started'));
    running.cancel('Cancelled by request');
    expect(await running.done).toEqual({
      status: 'cancelled',
      error: { message: 'Cancelled by request', exit_code: null, classification: 'cancelled' },
    });
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor('the background sleep to die', async () => !isAlive(pid));
  });

  it('never starts a step cancelled before it started', async () => {
    const marker = path.join(cwd, `never-${viaSpawner}`);
    const running = runStep(step(sh(`touch ${marker}`)));
    running.cancel('Cancelled early');
    expect((await running.done).status).toBe('cancelled');
    expect(fs.existsSync(marker)).toBe(false);
  });

  it('gives the step exactly its own environment', async () => {
    process.env.REPRISE_TEST_SECRET = 'must-not-leak';
    try {
      const log = capture();
      const result = await runStep(
        step(['env'], { env: { REGION: 'eu-west-1' }, inputs: { name: 'demo', count: 3 }, attemptNumber: 2, onLog: log.onLog }),
      ).done;
      expect(result.status).toBe('succeeded');
      const vars = Object.fromEntries(
        log
          .text('stdout')
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      );
      expect(Object.keys(vars).sort()).toEqual(
        ['HOME', 'PATH', 'REGION', 'REPRISE_ATTEMPT', 'REPRISE_INPUTS', 'REPRISE_INPUT_COUNT', 'REPRISE_INPUT_NAME', 'REPRISE_OUTPUTS', 'REPRISE_RUN_ID', 'REPRISE_STEP'].sort(),
      );
      expect(vars).toMatchObject({ REGION: 'eu-west-1', REPRISE_INPUT_NAME: 'demo', REPRISE_INPUT_COUNT: '3', REPRISE_ATTEMPT: '2' });
    } finally {
      delete process.env.REPRISE_TEST_SECRET;
    }
  });

  it('starts a step whose input holds a NUL byte: ␀ in its variable, the exact value in REPRISE_INPUTS', async () => {
    const log = capture();
    const result = await runStep(step(sh('printf "%s|" "$REPRISE_INPUT_TEXT"; cat "$REPRISE_INPUTS"'), { inputs: { text: 'a\0b' }, onLog: log.onLog })).done;
    expect(result.status).toBe('succeeded');
    expect(log.text('stdout')).toBe('a␀b|{"text":"a\\u0000b"}');
  });

  it('reports a command that cannot start', async () => {
    const result = await runStep(step(['reprise-no-such-command'])).done;
    expect(result.status).toBe('failed');
    expect(result.error?.classification).toBe('spawn');
    expect(result.error?.message).toContain('Could not start "reprise-no-such-command"');
  });
});

describe('the spawner process', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-spawner-'));
  });
  afterAll(() => fs.rmSync(cwd, { recursive: true, force: true }));

  const step = (argv: string[], more: Partial<StepProcess> = {}) => stepIn(cwd, argv, true, more);

  it('when it dies, its running steps end as lost, their groups die, and the next step gets a new one', async () => {
    const pidFile = path.join(cwd, 'orphan.pid');
    const log = capture();
    const running = runStep(step(sh(`sleep 30 & echo $! > ${pidFile}; echo started; wait`), log));
    await waitFor('the step to start', async () => log.text().includes('started'));
    const first = spawnerPid()!;
    process.kill(first, 'SIGKILL');
    const result = await running.done;
    expect(result.status).toBe('lost');
    expect(result.error?.message).toMatch(/step spawner process was killed by SIGKILL while the step ran/);
    const orphan = Number(fs.readFileSync(pidFile, 'utf8'));
    await waitFor('the background sleep to die', async () => !isAlive(orphan));

    const again = capture();
    expect((await runStep(step(sh('echo again'), again)).done).status).toBe('succeeded');
    expect(again.text()).toBe('again\n');
    expect(spawnerPid()).not.toBe(first);
  });

  /** Runs a small program that uses the executor in a process of its own. */
  const program = (source: string) =>
    spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
      cwd: process.cwd(),
      env: { ...process.env, REPRISE_SPAWNER: 'on' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
  const executorUrl = new URL('./executor.ts', import.meta.url).href;
  const spawnerUrl = new URL('./spawner.ts', import.meta.url).href;
  const lines = (proc: ReturnType<typeof program>) => {
    let out = '';
    proc.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    return () => out;
  };

  it('does not keep an idle process alive', async () => {
    const proc = program(`
      import { runStep } from ${JSON.stringify(executorUrl)};
      const result = await runStep({ argv: ['echo', 'hi'], cwd: ${JSON.stringify(cwd)}, inputs: {}, env: {}, attemptNumber: 1, runId: 'r', stepKey: 's', timeoutMs: null, onLog: () => {} }).done;
      console.log(result.status);
    `);
    const out = lines(proc);
    const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
    expect(out().trim()).toBe('succeeded');
    expect(code).toBe(0);
  });

  it('dies with its parent and takes the running steps with it', async () => {
    const pidFile = path.join(cwd, 'parent-died.pid');
    const proc = program(`
      import { runStep } from ${JSON.stringify(executorUrl)};
      import { spawnerPid } from ${JSON.stringify(spawnerUrl)};
      let told = false;
      const onLog = () => {
        if (!told) console.log('spawner ' + spawnerPid());
        told = true;
      };
      runStep({ argv: ['sh', '-c', 'sleep 30 & echo $! > ${pidFile}; echo started; wait'], cwd: ${JSON.stringify(cwd)}, inputs: {}, env: {}, attemptNumber: 1, runId: 'r', stepKey: 's', timeoutMs: null, onLog });
    `);
    const out = lines(proc);
    const spawner = await waitFor('the spawner pid', async () => Number(/spawner (\d+)/.exec(out())?.[1]));
    const orphan = await waitFor('the step to start', async () => fs.existsSync(pidFile) && Number(fs.readFileSync(pidFile, 'utf8')));
    expect(isAlive(spawner)).toBe(true);
    proc.kill('SIGKILL');
    await waitFor('the spawner to die', async () => !isAlive(spawner));
    await waitFor('the step to die', async () => !isAlive(orphan));
  });
});
