import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AttemptError, LogStream } from '@/db/schema';
import type { AttemptResult } from './finish-attempt';

export const MAX_OUTPUTS_BYTES = 1024 * 1024;
const KILL_GRACE_MS = 3000;

export interface StepProcess {
  argv: string[];
  cwd: string;
  inputs: Record<string, unknown>;
  env: Record<string, string>;
  attemptNumber: number;
  runId: string;
  stepKey: string;
  timeoutMs: number | null;
  onLog: (stream: LogStream, text: string) => void;
}

export interface RunningStep {
  /** Kills the whole process group; the result then says `cancelled`. */
  cancel(reason: string): void;
  done: Promise<AttemptResult>;
}

/**
 * Runs one step as a child process in its own process group, with exactly the
 * environment DESIGN §5 names — never the app's own (database URL, secrets).
 * argv goes to the OS as-is: no shell is involved unless the step itself runs one.
 */
export function runStep(step: StepProcess): RunningStep {
  // Set by a timeout or a cancel before the process is killed: it names the outcome.
  const stop: { reason: { status: 'cancelled' | 'failed'; error: AttemptError } | null } = { reason: null };
  let child: ReturnType<typeof spawn> | null = null;
  let killTimer: NodeJS.Timeout | null = null;

  const killGroup = () => {
    if (!child?.pid) return;
    const pid = child.pid;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        // the group is already gone
      }
    };
    signal('SIGTERM');
    killTimer = setTimeout(() => signal('SIGKILL'), KILL_GRACE_MS);
  };

  // The last lines of stderr go into the error message: what an operator
  // reads first is usually the reason the step gave for failing.
  let stderrTail = '';
  const onLog = (stream: LogStream, text: string) => {
    if (stream === 'stderr') stderrTail = (stderrTail + text).slice(-2000);
    step.onLog(stream, text);
  };

  const done = (async (): Promise<AttemptResult> => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'reprise-step-'));
    const inputsFile = path.join(dir, 'inputs.json');
    const outputsFile = path.join(dir, 'outputs.json');
    await fs.writeFile(inputsFile, JSON.stringify(step.inputs));
    try {
      const env: Record<string, string> = {
        PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
        HOME: process.env.HOME ?? os.homedir(),
        ...step.env,
        ...inputVariables(step.inputs),
        REPRISE_INPUTS: inputsFile,
        REPRISE_OUTPUTS: outputsFile,
        REPRISE_ATTEMPT: String(step.attemptNumber),
        REPRISE_RUN_ID: step.runId,
        REPRISE_STEP: step.stepKey,
      };
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: Error }>(
        (resolve) => {
          try {
            child = spawn(step.argv[0], step.argv.slice(1), {
              cwd: step.cwd,
              env: env as NodeJS.ProcessEnv,
              // Its own process group, so a timeout or cancel reaches every
              // process the step started, not only the first.
              detached: true,
              stdio: ['ignore', 'pipe', 'pipe'],
            });
          } catch (error) {
            resolve({ code: null, signal: null, spawnError: error as Error });
            return;
          }
          const proc = child;
          proc.stdout!.setEncoding('utf8').on('data', (text: string) => onLog('stdout', text));
          proc.stderr!.setEncoding('utf8').on('data', (text: string) => onLog('stderr', text));
          proc.once('error', (spawnError) => resolve({ code: null, signal: null, spawnError }));
          proc.once('close', (code, signal) => resolve({ code, signal }));
        },
      );
      if (killTimer) clearTimeout(killTimer);
      if (exit.spawnError) {
        return {
          status: 'failed',
          error: { message: `Could not start ${JSON.stringify(step.argv[0])}: ${exit.spawnError.message}`, exit_code: null, classification: 'spawn' },
        };
      }
      if (stop.reason) return { status: stop.reason.status, error: stop.reason.error };
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
      return await readOutputs(outputsFile);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  })();

  const timeout = step.timeoutMs
    ? setTimeout(() => {
        stop.reason = {
          status: 'failed',
          error: { message: `Step timed out after ${formatMs(step.timeoutMs!)}`, exit_code: null, classification: 'timeout' },
        };
        killGroup();
      }, step.timeoutMs)
    : null;
  done.finally(() => timeout && clearTimeout(timeout)).catch(() => {});

  return {
    done,
    cancel(reason) {
      if (stop.reason) return;
      stop.reason = { status: 'cancelled', error: { message: reason, exit_code: null, classification: 'cancelled' } };
      killGroup();
    },
  };
}

async function readOutputs(file: string): Promise<AttemptResult> {
  let text: string;
  try {
    const stat = await fs.stat(file);
    if (stat.size > MAX_OUTPUTS_BYTES) {
      return outputsError(`REPRISE_OUTPUTS holds ${stat.size} bytes; the limit is ${MAX_OUTPUTS_BYTES} (1 MiB)`);
    }
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'succeeded', outputs: {} };
    throw error;
  }
  if (text.trim() === '') return { status: 'succeeded', outputs: {} };
  let outputs: unknown;
  try {
    outputs = JSON.parse(text);
  } catch (error) {
    return outputsError(`REPRISE_OUTPUTS is not valid JSON: ${(error as Error).message}`);
  }
  if (!outputs || typeof outputs !== 'object' || Array.isArray(outputs)) {
    return outputsError('REPRISE_OUTPUTS must hold a JSON object, like {"image": "app:1"}');
  }
  return { status: 'succeeded', outputs: outputs as Record<string, unknown> };
}

const outputsError = (message: string): AttemptResult => ({
  status: 'failed',
  error: { message, exit_code: 0, classification: 'outputs' },
});

/** REPRISE_INPUT_<NAME> for each top-level input: strings as-is, the rest as JSON. */
export function inputVariables(inputs: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [
      `REPRISE_INPUT_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`,
      typeof value === 'string' ? value : JSON.stringify(value),
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
