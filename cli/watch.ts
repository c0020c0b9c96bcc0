import { createParser } from 'eventsource-parser';
import { eventsStream, runsGet } from './api.gen';
import type { Context } from './context';
import { ApiError } from './errors';
import { between, clean, statusLabel } from './format';
import type { Run } from './shapes';

export const TERMINAL_RUN_STATUSES: ReadonlySet<string> = new Set(['succeeded', 'failed', 'cancelled']);

/** Even with the stream quiet (a proxy that buffers, an event held back), the run is read again this often. */
const SAFETY_POLL_MS = 5_000;
const RECONNECT_MS = 1_000;

/** A failure worth trying again: no answer, a busy server, a rate limit. */
const transient = (error: unknown) =>
  !(error instanceof ApiError) || error.status === 0 || error.status === 429 || error.status >= 500;

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });

/** What changed in a run since the last look, as lines: each step's status once per attempt. */
export class RunReporter {
  private readonly shown = new Map<string, string>();
  private started = false;

  constructor(
    private readonly ctx: Context,
    private readonly label: string,
  ) {}

  report(run: Run) {
    const { c } = this.ctx;
    if (!this.started) {
      this.started = true;
      this.ctx.out(
        `${c.bold(`Watching ${this.label} #${run.number}`)} (attempt ${run.attempt}) ${c.dim(run.html_url)}`,
      );
    }
    for (const item of run.items) {
      const attempt = item.latest_attempt;
      const key = `${item.status}:${attempt?.number ?? 0}`;
      if (this.shown.get(item.key) === key) continue;
      this.shown.set(item.key, key);
      const parts = [`  ${statusLabel(item.status, c)} ${clean(item.key)}`];
      if (attempt)
        parts.push(c.dim(`attempt ${attempt.number}${attempt.kind !== 'initial' ? ` (${attempt.kind})` : ''}`));
      const took = between(attempt?.started_at, attempt?.finished_at);
      if (took && item.status !== 'running') parts.push(c.dim(took));
      if (item.status === 'failed' && attempt?.error?.message) parts.push(c.red(`— ${clean(attempt.error.message)}`));
      this.ctx.out(parts.join('  '));
    }
  }

  finish(run: Run) {
    const { c } = this.ctx;
    const took = between(run.started_at, run.finished_at);
    this.ctx.out(`${statusLabel(run.status, c)} ${c.bold(`${this.label} #${run.number}`)}${took ? ` in ${took}` : ''}`);
  }
}

/**
 * Follows a run over the event stream (GET /api/events?run=) until it
 * ends, and answers it as it ended. The stream is a signal: each event makes
 * the run be read again (GET /api/v1/runs/{id}), so what is printed is what
 * the API says, whatever events were coalesced. The stream is resumed with
 * Last-Event-ID when the server recycles it; the run is read after every
 * (re)connection, so nothing that happened meanwhile is missed.
 */
export async function watchRun(ctx: Context, runId: string, label: string): Promise<Run> {
  const reporter = new RunReporter(ctx, label);
  const stop = new AbortController();
  // Set from callbacks: an object, so the checks after the loop are not narrowed away.
  const state: { finished: Run | null; fatal: unknown; reading: Promise<void> | null; again: boolean } = {
    finished: null,
    fatal: null,
    reading: null,
    again: false,
  };
  let lastEventId: string | undefined;

  const look = async () => {
    const run = (await runsGet(ctx.api, { run_id: runId })) as Run;
    if (state.finished) return;
    if (!ctx.json) reporter.report(run);
    if (TERMINAL_RUN_STATUSES.has(run.status)) {
      state.finished = run;
      stop.abort();
    }
  };
  // One read at a time; events that arrive meanwhile ask for one more.
  const refresh = (): Promise<void> => {
    if (state.reading) {
      state.again = true;
      return state.reading;
    }
    state.reading = look()
      .catch((error: unknown) => {
        if (!transient(error)) {
          state.fatal = error;
          stop.abort();
        }
      })
      .finally(() => {
        state.reading = null;
        if (state.again && !stop.signal.aborted) {
          state.again = false;
          void refresh();
        }
      });
    return state.reading;
  };

  const poll = setInterval(() => void refresh(), SAFETY_POLL_MS);
  try {
    while (!stop.signal.aborted) {
      try {
        const response = await eventsStream(ctx.stream, { run: runId }, { lastEventId, signal: stop.signal });
        // Subscribed: read the run now, so a change made before the stream opened is seen.
        await refresh();
        const parser = createParser({
          // A new stream's first frame is an id alone, where it stands: resume from there too.
          onId: (id) => void (lastEventId = id),
          onEvent(event) {
            if (event.id) lastEventId = event.id;
            if (event.event !== 'log.appended') void refresh();
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
          parser.feed(decoder.decode(chunk, { stream: true }));
        }
      } catch (error) {
        if (stop.signal.aborted) break;
        if (!transient(error)) throw error;
        await sleep(RECONNECT_MS, stop.signal);
      }
    }
  } finally {
    clearInterval(poll);
    stop.abort();
  }
  await state.reading;
  if (state.fatal) throw state.fatal;
  if (!state.finished) throw new Error('the watch ended without the run ending');
  if (!ctx.json) reporter.finish(state.finished);
  return state.finished;
}

/**
 * A run's events as wake-ups: `next()` resolves at the run's next event on
 * the stream (GET /api/events?run=), or after `quietMs` when the stream is
 * quiet or down, so a follower reads the API when something happened rather
 * than on a timer. The stream reconnects with Last-Event-ID by itself.
 */
export class RunSignals {
  private readonly stop = new AbortController();
  private waiters: (() => void)[] = [];
  private pending = false;
  private lastEventId: string | undefined;

  constructor(
    private readonly ctx: Context,
    private readonly runId: string,
  ) {
    void this.listen();
  }

  /** Resolves at the next event (or one that arrived since the last call), or after quietMs. */
  next(quietMs: number): Promise<void> {
    if (this.pending || this.stop.signal.aborted) {
      this.pending = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, quietMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.waiters.push(done);
    }).then(() => {
      this.pending = false;
    });
  }

  close() {
    this.stop.abort();
    this.wake();
  }

  private wake() {
    this.pending = true;
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((w) => w());
  }

  private async listen() {
    while (!this.stop.signal.aborted) {
      try {
        const response = await eventsStream(
          this.ctx.stream,
          { run: this.runId },
          { lastEventId: this.lastEventId, signal: this.stop.signal },
        );
        const parser = createParser({
          onId: (id) => void (this.lastEventId = id),
          onEvent: (event) => {
            if (event.id) this.lastEventId = event.id;
            this.wake();
          },
        });
        const decoder = new TextDecoder();
        for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>)
          parser.feed(decoder.decode(chunk, { stream: true }));
      } catch {
        // A refused or dropped stream: the follower's quiet-time reads carry on meanwhile.
      }
      if (!this.stop.signal.aborted) await sleep(RECONNECT_MS, this.stop.signal);
    }
  }
}
