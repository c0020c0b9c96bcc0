import os from 'node:os';
import type { AttemptError, LogStream } from '@/db/schema';
import { safeJson, safeText } from '../safe-text';
import { maskJson, maskText, StreamMasker } from '../secrets';
import type { AttemptResult } from './finish-attempt';
import {
  MAX_OUTPUTS_BYTES,
  startStepChild,
  type OutputStream,
  type StepChild,
  type StepExit,
  type StepOutputs,
} from './spawner';

export const DEFAULT_LOG_CAP_BYTES = 16 * 1024 * 1024;
/** How much of the end of stderr the error message may quote from. */
const STDERR_TAIL_CHARS = 2000;

export interface StepProcess {
  argv: string[];
  cwd: string;
  inputs: Record<string, unknown>;
  env: Record<string, string>;
  attemptNumber: number;
  runId: string;
  stepKey: string;
  timeoutMs: number | null;
  /**
   * Receives the step's output, made safe for PostgreSQL, in order. While a
   * returned promise is pending the step's output is not read (the step
   * blocks on a full pipe), so a slow store bounds memory instead of
   * buffering. A rejection is the consumer's to report: here it only ends
   * the wait.
   */
  onLog: (stream: LogStream, text: string) => void | Promise<unknown>;
  /**
   * Output bytes (stdout and stderr together, UTF-8) passed to onLog; the rest
   * is counted and a last `system` line says how much was cut. Default:
   * REPRISE_LOG_CAP_BYTES, else 16 MiB.
   */
  logCapBytes?: number;
  /** Start the process through the small spawner process (default: unless REPRISE_SPAWNER=off). */
  viaSpawner?: boolean;
  /**
   * The values of the step's secret inputs (lib/secrets.ts): masked in its
   * log, error message and outputs before any of them leaves here.
   */
  secrets?: readonly string[];
}

export interface RunningStep {
  /** Kills the whole process group; the result then says `cancelled`. */
  cancel(reason: string): void;
  done: Promise<AttemptResult>;
}

type StopReason = { status: 'cancelled' | 'failed'; error: AttemptError };

/**
 * Runs one step as a child process in its own process group, with exactly the
 * environment DESIGN §5 names — never the app's own (database URL, secrets).
 * argv goes to the OS as-is: no shell is involved unless the step itself runs one.
 * Whatever the step prints or writes, the result and every log text are safe
 * to store (no NUL, no lone surrogate) and the log stays within its cap.
 */
export function runStep(step: StepProcess): RunningStep {
  // Set by a timeout or a cancel before the process is killed: it names the outcome.
  let stop: StopReason | null = null;
  let child: StepChild | null = null;
  const secrets = step.secrets ?? [];
  const log = new StepLog(step.onLog, step.logCapBytes ?? logCapFromEnv(), secrets, {
    pause: () => child?.pause(),
    resume: () => child?.resume(),
    discard: () => child?.discard(STDERR_TAIL_CHARS),
  });

  const done = (async (): Promise<AttemptResult> => {
    // A cancel asked for as soon as runStep returned comes before the start: the step never starts.
    await Promise.resolve();
    if (stop) return safeResult(stop, secrets);
    // REPRISE_INPUTS and REPRISE_OUTPUTS are added by whoever keeps the files (spawner.ts).
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: process.env.HOME ?? os.homedir(),
      ...step.env,
      ...inputVariables(step.inputs),
      REPRISE_ATTEMPT: String(step.attemptNumber),
      REPRISE_RUN_ID: step.runId,
      REPRISE_STEP: step.stepKey,
    };
    child = startStepChild(
      {
        argv: step.argv,
        cwd: step.cwd,
        env,
        inputs: JSON.stringify(step.inputs),
        onText: (stream, text) => log.write(stream, text),
      },
      step.viaSpawner,
    );
    const exit = await child.exited;
    await log.end(exit);
    return safeResult(resultOf(exit, stop, log.stderrTail, step.argv[0]), secrets);
  })();

  const kill = (reason: StopReason) => {
    if (stop) return;
    stop = reason;
    child?.kill();
  };
  const timeout = step.timeoutMs
    ? setTimeout(
        () =>
          kill({
            status: 'failed',
            error: {
              message: `Step timed out after ${formatMs(step.timeoutMs!)}`,
              exit_code: null,
              classification: 'timeout',
            },
          }),
        step.timeoutMs,
      )
    : null;
  done.finally(() => timeout && clearTimeout(timeout)).catch(() => {});

  return {
    done,
    cancel(reason) {
      kill({ status: 'cancelled', error: { message: reason, exit_code: null, classification: 'cancelled' } });
    },
  };
}

function resultOf(exit: StepExit, stop: StopReason | null, stderrTail: string, command: string): AttemptResult {
  if (exit.spawnError) {
    return {
      status: 'failed',
      error: {
        message: `Could not start ${JSON.stringify(command)}: ${exit.spawnError}`,
        exit_code: null,
        classification: 'spawn',
      },
    };
  }
  if (stop) return stop;
  // The step may have done its work or not: like a worker that stopped
  // renewing its lease, so a retry policy may run it again.
  if (exit.spawnerLost)
    return { status: 'lost', error: { message: exit.spawnerLost, exit_code: null, classification: 'lost' } };
  if (exit.code !== 0) {
    return {
      status: 'failed',
      error: {
        message:
          (exit.signal ? `Step was killed by ${exit.signal}` : `Step exited with code ${exit.code}`) +
          lastLine(stderrTail),
        exit_code: exit.code,
        classification: 'exit_code',
      },
    };
  }
  return parseOutputs(exit.outputs);
}

function safeResult(result: AttemptResult, secrets: readonly string[]): AttemptResult {
  return {
    ...result,
    ...(result.outputs && { outputs: maskJson(safeJson(result.outputs), secrets) }),
    ...(result.error && { error: { ...result.error, message: maskText(safeText(result.error.message), secrets) } }),
  };
}

export function logCapFromEnv() {
  const value = Number(process.env.REPRISE_LOG_CAP_BYTES);
  return Number.isFinite(value) && value >= 0 && process.env.REPRISE_LOG_CAP_BYTES
    ? Math.floor(value)
    : DEFAULT_LOG_CAP_BYTES;
}

/**
 * A step's output on its way to onLog: secrets masked, made safe, cut at the
 * cap (the rest only counted), the process paused while the consumer has a
 * store pending.
 */
class StepLog {
  stderrTail = '';
  private readonly maskers: Record<OutputStream, StreamMasker>;
  private stored = 0;
  private skipped = 0;
  private capped = false;
  private pending = 0;
  private paused = false;
  private settled: Promise<void> = Promise.resolve();

  constructor(
    private readonly onLog: StepProcess['onLog'],
    private readonly capBytes: number,
    private readonly secrets: readonly string[],
    private readonly flow: { pause(): void; resume(): void; discard(): void },
  ) {
    this.maskers = { stdout: new StreamMasker(secrets), stderr: new StreamMasker(secrets) };
  }

  write(stream: OutputStream, raw: string) {
    // Masked first: the stderr tail, the cap and the store only ever see masked text.
    const text = this.maskers[stream].write(raw);
    if (text) this.writeMasked(stream, text);
  }

  private writeMasked(stream: OutputStream, text: string) {
    // Kept past the cap: the error message quotes the step's last words.
    if (stream === 'stderr') this.stderrTail = (this.stderrTail + text).slice(-STDERR_TAIL_CHARS);
    if (this.capped) {
      this.skipped += Buffer.byteLength(text, 'utf8');
      return;
    }
    const bytes = Buffer.byteLength(text, 'utf8');
    if (this.stored + bytes <= this.capBytes) {
      this.stored += bytes;
      this.deliver(stream, text);
      return;
    }
    const head = utf8Prefix(text, this.capBytes - this.stored);
    this.skipped += bytes - Buffer.byteLength(head, 'utf8');
    this.stored = this.capBytes;
    this.capped = true;
    this.flow.discard();
    this.updateFlow();
    if (head) this.deliver(stream, head);
  }

  /** Says where the log was cut, and waits until the consumer has everything. */
  async end(exit: StepExit) {
    for (const stream of ['stdout', 'stderr'] as const) {
      const held = this.maskers[stream].end();
      if (held) this.writeMasked(stream, held);
    }
    this.skipped += exit.skippedBytes;
    // The spawner's own tail of what it discarded past the cap never passed the maskers.
    if (exit.stderrTail)
      this.stderrTail = (this.stderrTail + maskText(exit.stderrTail, this.secrets)).slice(-STDERR_TAIL_CHARS);
    if (this.skipped > 0) {
      this.deliver(
        'system',
        `[reprise] log cut at ${formatBytes(this.capBytes)}: ${this.skipped.toLocaleString('en-US')} more bytes were not stored\n`,
      );
    }
    await this.settled;
  }

  private deliver(stream: LogStream, text: string) {
    let returned: unknown;
    try {
      returned = this.onLog(stream, safeText(text));
    } catch {
      // The consumer's failure is its own to report; the step runs on.
      return;
    }
    if (!isThenable(returned)) return;
    this.pending++;
    this.updateFlow();
    const settle = () => {
      this.pending--;
      this.updateFlow();
    };
    const stored = Promise.resolve(returned).then(settle, settle);
    this.settled = this.settled.then(() => stored);
  }

  private updateFlow() {
    // Past the cap nothing is stored, so nothing is worth waiting for.
    const pause = this.pending > 0 && !this.capped;
    if (pause === this.paused) return;
    this.paused = pause;
    if (pause) this.flow.pause();
    else this.flow.resume();
  }
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';

/** The longest start of `text` within `maxBytes` UTF-8 bytes that does not split a character. */
function utf8Prefix(text: string, maxBytes: number) {
  if (maxBytes <= 0) return '';
  const bytes = Buffer.from(text, 'utf8');
  let end = Math.min(maxBytes, bytes.length);
  while (end > 0 && end < bytes.length && (bytes[end] & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

function formatBytes(n: number) {
  const MiB = 1024 * 1024;
  if (n >= MiB && n % MiB === 0) return `${n / MiB} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n.toLocaleString('en-US')} bytes`;
}

function parseOutputs(outputs: StepOutputs): AttemptResult {
  if (outputs === null) return { status: 'succeeded', outputs: {} };
  if ('size' in outputs) {
    return outputsError(`REPRISE_OUTPUTS holds ${outputs.size} bytes; the limit is ${MAX_OUTPUTS_BYTES} (1 MiB)`);
  }
  if ('error' in outputs) return outputsError(`REPRISE_OUTPUTS could not be read: ${outputs.error}`);
  const text = outputs.text;
  if (text.trim() === '') return { status: 'succeeded', outputs: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return outputsError(`REPRISE_OUTPUTS is not valid JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return outputsError('REPRISE_OUTPUTS must hold a JSON object, like {"image": "app:1"}');
  }
  return { status: 'succeeded', outputs: parsed as Record<string, unknown> };
}

const outputsError = (message: string): AttemptResult => ({
  status: 'failed',
  error: { message, exit_code: 0, classification: 'outputs' },
});

/**
 * REPRISE_INPUT_<NAME> for each top-level input: strings as-is, the rest as
 * JSON. An environment variable cannot hold a NUL byte (the spawn would
 * fail), so there it reads ␀; REPRISE_INPUTS keeps the exact value.
 */
export function inputVariables(inputs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `REPRISE_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      typeof value === 'string' ? safeText(value) : JSON.stringify(value),
    ]),
  );
}

/** ": <last non-empty stderr line>" without colour codes, or nothing. */
export function lastLine(text: string) {
  // eslint-disable-next-line no-control-regex
  const plain = text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');
  const line = plain
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .pop();
  return line ? `: ${line.slice(0, 500)}` : '';
}

function formatMs(ms: number) {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
