/**
 * The program the spawner process runs, as source text for `node -e`.
 *
 * Why a string and not a file beside this one: the engine is bundled into the
 * Next.js server, where no path to a sibling file survives the build, while a
 * string goes wherever the module goes. It is plain CommonJS with only
 * Node's own modules, so the process stays small (~40 MB) and a spawn from
 * it costs a fraction of one from the app (see ENGINE-NOTES). It is exercised
 * by lib/engine/executor.test.ts; keep it free of backticks and dollar-brace.
 *
 * The spawner also keeps each step's files, so the parent's event loop does
 * no file work per step: the inputs file it writes before the start
 * (REPRISE_INPUTS) and the outputs file it reads after the exit
 * (REPRISE_OUTPUTS), both in a private folder of its own, removed once read.
 *
 * Protocol (JSON over the IPC channel), parent → spawner:
 *   { t: 'spawn', id, argv, cwd, env, inputs } start a step in its own process group;
 *                                             inputs: the JSON text of its inputs file
 *   { t: 'ack', id, n }                       n more 'out' messages of the step were taken in
 *   { t: 'discard', id, tailChars }           from now on only count its output
 *   { t: 'kill', id }                         SIGTERM its group, SIGKILL after the grace period
 * Flow control is by credit: at most WINDOW 'out' messages of a step are
 * unacknowledged, then its pipes are paused (the step blocks on a full pipe).
 * The parent acknowledges once per turn of its event loop and withholds acks
 * while its consumer is still storing, so memory stays bounded whether the
 * parent is busy or its consumer is slow.
 * spawner → parent:
 *   { t: 'pid', id, pid }
 *   { t: 'out', id, stream, text }            one message per 'data' event
 *   { t: 'exit', id, code, signal, error, skipped, tail, outputs }
 *                                             outputs: null (no file), { text } or { size } (over maxOutputsBytes)
 */
export const SPAWNER_CHILD_SOURCE = `
'use strict';
// What ps shows instead of this whole source.
process.title = 'reprise step spawner';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { StringDecoder } = require('node:string_decoder');

const GRACE_MS = Number(process.env.REPRISE_KILL_GRACE_MS) || 3000;
const MAX_OUTPUTS_BYTES = Number(process.env.REPRISE_MAX_OUTPUTS_BYTES);
// Private to this process (mode 0700), removed when it goes.
const filesDir = fs.mkdtempSync(path.join(process.env.REPRISE_STEP_TMPDIR || '/tmp', 'reprise-steps-'));
process.on('exit', () => fs.rmSync(filesDir, { recursive: true, force: true }));
// Unacknowledged output messages of one step (each at most one 64 KiB read).
const WINDOW = 4;
const steps = new Map();
let shuttingDown = false;

function signalGroup(pid, signal) {
  if (!pid) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // the group is already gone
  }
}

function send(message) {
  // A failed send means the parent is gone: 'disconnect' follows.
  if (process.connected) process.send(message, () => {});
}

function updateFlow(step) {
  const pause = !step.discarding && step.unacked >= WINDOW;
  for (const stream of [step.child.stdout, step.child.stderr]) {
    if (pause && !stream.isPaused()) stream.pause();
    else if (!pause && stream.isPaused()) stream.resume();
  }
}

// The outputs file as the step left it, then both files removed.
function takeOutputs(files) {
  let outputs = null;
  try {
    const size = fs.statSync(files.outputs).size;
    outputs = size > MAX_OUTPUTS_BYTES ? { size } : { text: fs.readFileSync(files.outputs, 'utf8') };
  } catch (error) {
    if (error.code !== 'ENOENT') outputs = { error: error.message };
  }
  for (const file of [files.inputs, files.outputs]) fs.rmSync(file, { force: true });
  return outputs;
}

function start(request) {
  const files = {
    inputs: path.join(filesDir, request.id + '-inputs.json'),
    outputs: path.join(filesDir, request.id + '-outputs.json'),
  };
  let child;
  try {
    fs.writeFileSync(files.inputs, request.inputs);
    child = spawn(request.argv[0], request.argv.slice(1), {
      cwd: request.cwd,
      env: Object.assign({}, request.env, { REPRISE_INPUTS: files.inputs, REPRISE_OUTPUTS: files.outputs }),
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    send({ t: 'exit', id: request.id, code: null, signal: null, error: error.message, skipped: 0, tail: '', outputs: takeOutputs(files) });
    return;
  }
  const step = { id: request.id, child, files, pid: child.pid, unacked: 0, discarding: false, tailChars: 0, skipped: 0, tail: '', done: false };
  steps.set(step.id, step);
  if (step.pid) send({ t: 'pid', id: step.id, pid: step.pid });
  for (const name of ['stdout', 'stderr']) {
    const stream = child[name];
    // Decoded by hand to count raw bytes past the cap. Every read is decoded
    // even then: the string churn makes V8 collect the 64 KiB read buffers at
    // once, where buffers alone wait for a full GC (measured: 80 MB instead
    // of 48 MB for this process while a step printed 100 MB past its cap).
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk) => {
      const text = decoder.write(chunk);
      if (!step.discarding) return output(step, name, text);
      step.skipped += chunk.length;
      if (name === 'stderr') step.tail = (step.tail + text).slice(-step.tailChars);
    });
    stream.on('end', () => {
      const rest = decoder.end();
      if (!step.discarding) output(step, name, rest);
      else if (name === 'stderr') step.tail = (step.tail + rest).slice(-step.tailChars);
    });
  }
  child.once('error', (error) => finish(step, { code: null, signal: null, error: error.message }));
  child.once('close', (code, signal) => finish(step, { code, signal, error: null }));
}

function output(step, name, text) {
  if (!text) return;
  send({ t: 'out', id: step.id, stream: name, text });
  step.unacked++;
  updateFlow(step);
}

function finish(step, result) {
  if (step.done) return;
  step.done = true;
  steps.delete(step.id);
  const outputs = takeOutputs(step.files);
  send({ t: 'exit', id: step.id, code: result.code, signal: result.signal, error: result.error, skipped: step.skipped, tail: step.tail, outputs });
  if (shuttingDown && steps.size === 0) process.exit(0);
}

function kill(step) {
  if (step.killed) return;
  step.killed = true;
  signalGroup(step.pid, 'SIGTERM');
  // Kept after the leader exits: a process of the group that ignored
  // SIGTERM is still reached when the grace period ends.
  setTimeout(() => signalGroup(step.pid, 'SIGKILL'), GRACE_MS).unref();
}

// Without the parent nobody waits for the steps: end them rather than leave
// orphans running, and go.
function shutDown() {
  if (shuttingDown) return;
  shuttingDown = true;
  if (steps.size === 0) process.exit(0);
  for (const step of steps.values()) signalGroup(step.pid, 'SIGTERM');
  setTimeout(() => {
    for (const step of steps.values()) signalGroup(step.pid, 'SIGKILL');
    process.exit(0);
  }, GRACE_MS);
}

process.on('message', (message) => {
  if (message.t === 'spawn') return start(message);
  const step = steps.get(message.id);
  if (!step) return;
  if (message.t === 'ack') {
    step.unacked -= message.n;
    updateFlow(step);
  } else if (message.t === 'discard') {
    step.discarding = true;
    step.tailChars = message.tailChars;
    updateFlow(step);
  } else if (message.t === 'kill') {
    kill(step);
  }
});
process.on('disconnect', shutDown);
process.on('SIGTERM', shutDown);
process.on('SIGHUP', shutDown);
// Ctrl-C reaches the whole foreground group: the parent decides whether its
// steps stop (a graceful stop waits for them), so this process stays.
process.on('SIGINT', () => {});
`;
