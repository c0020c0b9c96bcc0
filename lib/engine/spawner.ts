import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { SPAWNER_CHILD_SOURCE } from './spawner-child';

/** Between SIGTERM to a step's process group and SIGKILL. */
export const KILL_GRACE_MS = 3000;
/** The most a step's outputs file may hold. */
export const MAX_OUTPUTS_BYTES = 1024 * 1024;

export type OutputStream = 'stdout' | 'stderr';

export interface StepChildRequest {
  argv: string[];
  cwd: string;
  /** The step's whole environment, to which only REPRISE_INPUTS and REPRISE_OUTPUTS are added. */
  env: Record<string, string>;
  /** The JSON text of the step's inputs file (REPRISE_INPUTS). */
  inputs: string;
  onText(stream: OutputStream, text: string): void;
}

/** What the step left in its outputs file (REPRISE_OUTPUTS): nothing, its text, or only its size when over MAX_OUTPUTS_BYTES. */
export type StepOutputs = null | { text: string } | { size: number } | { error: string };

export interface StepExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Set when the process could not be started. */
  spawnError?: string;
  /** Set when the spawner died while the step ran: its outcome is unknown. */
  spawnerLost?: string;
  /** Output counted but not passed to onText after discard(), in UTF-8 bytes. */
  skippedBytes: number;
  /** The end of stderr after discard(), which onText did not see. */
  stderrTail: string;
  outputs: StepOutputs;
}

/** A step's process, started directly or by the spawner: the executor cannot tell. */
export interface StepChild {
  /** SIGTERM to the step's whole process group, SIGKILL after KILL_GRACE_MS. */
  kill(): void;
  /** Stops reading the step's output (it blocks on a full pipe) until resume(). */
  pause(): void;
  resume(): void;
  /**
   * The caller needs no more text: output is only counted from now on (and
   * the last `tailChars` of stderr kept), never paused.
   */
  discard(tailChars: number): void;
  exited: Promise<StepExit>;
}

/**
 * Starts a step in its own process group, so a timeout or cancel reaches
 * every process it started. Through the spawner unless `REPRISE_SPAWNER=off`
 * (or `viaSpawner: false`): a fork from a process holding PGlite or the
 * Next.js server costs ~4× the CPU of one from a small process.
 */
export function startStepChild(request: StepChildRequest, viaSpawner = spawnerEnabled()): StepChild {
  return viaSpawner ? currentSpawner().start(request) : startDirectly(request);
}

export function spawnerEnabled() {
  return process.env.REPRISE_SPAWNER !== 'off';
}

function signalGroup(pid: number | undefined, signal: NodeJS.Signals) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

/**
 * A step's two files in a folder of its own, for a step started directly
 * (the spawner keeps them the same way in its own folder: spawner-child.ts).
 */
function stepFiles(inputs: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-step-'));
  const files = { inputs: path.join(dir, 'inputs.json'), outputs: path.join(dir, 'outputs.json') };
  fs.writeFileSync(files.inputs, inputs);
  return {
    env: { REPRISE_INPUTS: files.inputs, REPRISE_OUTPUTS: files.outputs },
    /** The outputs as the step left them; the folder is removed. */
    take(): StepOutputs {
      try {
        const { size } = fs.statSync(files.outputs);
        return size > MAX_OUTPUTS_BYTES ? { size } : { text: fs.readFileSync(files.outputs, 'utf8') };
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === 'ENOENT' ? null : { error: (error as Error).message };
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

function startDirectly(request: StepChildRequest): StepChild {
  let child: ChildProcess;
  let files: ReturnType<typeof stepFiles> | null = null;
  try {
    files = stepFiles(request.inputs);
    child = spawn(request.argv[0], request.argv.slice(1), {
      cwd: request.cwd,
      env: { ...request.env, ...files.env } as unknown as NodeJS.ProcessEnv,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const exited = Promise.resolve({ ...noExit, spawnError: (error as Error).message, outputs: files?.take() ?? null });
    return { kill() {}, pause() {}, resume() {}, discard() {}, exited };
  }
  const taken = files;
  const output = new OutputReader((stream, text) => request.onText(stream, text));
  const streams = [child.stdout!, child.stderr!];
  output.read('stdout', child.stdout!);
  output.read('stderr', child.stderr!);
  let killed = false;
  const exited = new Promise<StepExit>((resolve) => {
    child.once('error', (error) => resolve({ ...noExit, spawnError: error.message, outputs: taken.take() }));
    child.once('close', (code, signal) =>
      resolve({
        code,
        signal,
        skippedBytes: output.skippedBytes,
        stderrTail: output.stderrTail,
        outputs: taken.take(),
      }),
    );
  });
  return {
    exited,
    kill() {
      if (killed) return;
      killed = true;
      signalGroup(child.pid, 'SIGTERM');
      setTimeout(() => signalGroup(child.pid, 'SIGKILL'), KILL_GRACE_MS).unref();
    },
    pause() {
      if (!output.discarding) streams.forEach((s) => s.pause());
    },
    resume() {
      streams.forEach((s) => s.resume());
    },
    discard(tailChars) {
      output.discard(tailChars);
      streams.forEach((s) => s.resume());
    },
  };
}

/**
 * Decodes a step's output (invalid UTF-8 becomes U+FFFD, a character split
 * across reads is kept whole) for onText until discard(); then only counts
 * raw bytes and keeps the stderr tail. Every read is decoded even then: the
 * string churn makes V8 collect the 64 KiB read buffers at once, where
 * buffers alone wait for a full GC (measured: +40 MB RSS instead of +10 while
 * a step printed 100 MB past its cap).
 */
class OutputReader {
  discarding = false;
  skippedBytes = 0;
  stderrTail = '';
  private tailChars = 0;

  constructor(private readonly onText: StepChildRequest['onText']) {}

  read(name: OutputStream, stream: NodeJS.ReadableStream) {
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      const text = decoder.write(chunk);
      if (!this.discarding) {
        if (text) this.onText(name, text);
        return;
      }
      this.skippedBytes += chunk.length;
      if (name === 'stderr') this.stderrTail = (this.stderrTail + text).slice(-this.tailChars);
    });
    stream.on('end', () => {
      const rest = decoder.end();
      if (!rest) return;
      if (!this.discarding) this.onText(name, rest);
      else if (name === 'stderr') this.stderrTail = (this.stderrTail + rest).slice(-this.tailChars);
    });
  }

  discard(tailChars: number) {
    this.discarding = true;
    this.tailChars = tailChars;
  }
}

const noExit: StepExit = { code: null, signal: null, skippedBytes: 0, stderrTail: '', outputs: null };

interface SpawnerEntry {
  request: StepChildRequest;
  pid?: number;
  resolve(exit: StepExit): void;
  /** Output messages taken in but not yet acknowledged to the spawner. */
  unacked: number;
  /** The consumer is storing: acks wait, so the spawner stops reading. */
  held: boolean;
  ackScheduled: boolean;
}

type FromSpawner =
  | { t: 'pid'; id: number; pid: number }
  | { t: 'out'; id: number; stream: OutputStream; text: string }
  | {
      t: 'exit';
      id: number;
      code: number | null;
      signal: NodeJS.Signals | null;
      error: string | null;
      skipped: number;
      tail: string;
      outputs: StepOutputs;
    };

/**
 * One long-lived small Node process that forks the steps. It dies with this
 * process (its channel closes) and takes its steps' process groups with it.
 */
class Spawner {
  private readonly proc: ChildProcess;
  private readonly entries = new Map<number, SpawnerEntry>();
  private nextId = 1;
  private exitDescription = 'exited';
  alive = true;

  constructor() {
    this.proc = spawn(process.execPath, ['-e', SPAWNER_CHILD_SOURCE], {
      cwd: os.tmpdir(),
      // Nothing of this process's environment (database URL, secrets,
      // NODE_OPTIONS with loaders) reaches the spawner: each step's
      // environment comes whole with its request.
      env: spawnerEnvironment() as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      serialization: 'json',
    });
    this.proc.on('message', (message: FromSpawner) => this.receive(message));
    this.proc.on('error', (error) => {
      this.exitDescription = `could not be started: ${error.message}`;
      this.lost();
    });
    this.proc.on('exit', (code, signal) => {
      this.exitDescription = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    });
    // 'close' comes after the last message was read, so an exit the spawner
    // managed to report is never taken for a lost step.
    this.proc.on('close', () => this.lost());
    this.proc.unref();
    this.updateRef();
  }

  get pid() {
    return this.proc.pid;
  }

  start(request: StepChildRequest): StepChild {
    const id = this.nextId++;
    let entry!: SpawnerEntry;
    const exited = new Promise<StepExit>((resolve) => {
      entry = { request, resolve, unacked: 0, held: false, ackScheduled: false };
      this.entries.set(id, entry);
    });
    this.send({ t: 'spawn', id, argv: request.argv, cwd: request.cwd, env: request.env, inputs: request.inputs });
    this.updateRef();
    let killed = false;
    return {
      exited,
      kill: () => {
        if (killed) return;
        killed = true;
        this.send({ t: 'kill', id });
      },
      pause: () => {
        entry.held = true;
      },
      resume: () => {
        entry.held = false;
        this.scheduleAck(id, entry);
      },
      discard: (tailChars) => this.send({ t: 'discard', id, tailChars }),
    };
  }

  private send(message: object) {
    if (!this.alive || !this.proc.connected) return;
    // A failed send means the spawner is gone; 'close' fails its steps.
    this.proc.send(message, () => {});
  }

  private receive(message: FromSpawner) {
    const id = message.id;
    const entry = this.entries.get(id);
    if (!entry) return;
    if (message.t === 'out') {
      entry.unacked++;
      entry.request.onText(message.stream, message.text);
      this.scheduleAck(id, entry);
    } else if (message.t === 'pid') entry.pid = message.pid;
    else {
      this.entries.delete(id);
      this.updateRef();
      entry.resolve({
        code: message.code,
        signal: message.signal,
        spawnError: message.error ?? undefined,
        skippedBytes: message.skipped,
        stderrTail: message.tail,
        outputs: message.outputs,
      });
    }
  }

  /** One ack per step and turn of the event loop: the messages of one socket read share it. */
  private scheduleAck(id: number, entry: SpawnerEntry) {
    if (entry.ackScheduled || entry.held || entry.unacked === 0) return;
    entry.ackScheduled = true;
    setImmediate(() => {
      entry.ackScheduled = false;
      if (entry.held || entry.unacked === 0 || !this.entries.has(id)) return;
      this.send({ t: 'ack', id, n: entry.unacked });
      entry.unacked = 0;
    });
  }

  /** The spawner is gone: its steps' outcomes are unknown, and their groups must not outlive it. */
  private lost() {
    if (!this.alive) return;
    this.alive = false;
    if (spawner === this) spawner = null;
    const reason = `The step spawner process ${this.exitDescription} while the step ran; its process group was killed`;
    for (const entry of this.entries.values()) {
      signalGroup(entry.pid, 'SIGKILL');
      entry.resolve({ ...noExit, spawnerLost: reason });
    }
    this.entries.clear();
  }

  /** An idle spawner must not keep this process alive; one with running steps must. */
  private updateRef() {
    const channel = this.proc.channel;
    if (!channel) return;
    if (this.entries.size > 0) channel.ref();
    else channel.unref();
  }
}

function spawnerEnvironment(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: process.env.HOME ?? os.homedir(),
    REPRISE_KILL_GRACE_MS: String(KILL_GRACE_MS),
    REPRISE_MAX_OUTPUTS_BYTES: String(MAX_OUTPUTS_BYTES),
    REPRISE_STEP_TMPDIR: os.tmpdir(),
  };
}

let spawner: Spawner | null = null;

function currentSpawner(): Spawner {
  if (!spawner?.alive) spawner = new Spawner();
  return spawner;
}

/** The spawner's pid, or null before the first step (for tests and diagnostics). */
export function spawnerPid(): number | null {
  return spawner?.alive ? (spawner.pid ?? null) : null;
}
