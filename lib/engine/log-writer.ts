import type { Db } from '@/db/client';
import { logChunks, type LogStream } from '@/db/schema';
import { transact } from '../events';
import { errorMessage } from './error-message';
import type { LogChunk } from './finish-attempt';

const FLUSH_MS = 200;
const RETRY_MS = 1000;
const MAX_CHUNK = 64 * 1024;
/** Beyond this much text not yet stored, `write` asks the executor to pause the step's output. */
const BACKLOG_BYTES = 1024 * 1024;

/**
 * Buffers a step's output and stores it in chunks every FLUSH_MS, with one
 * `log.appended` event per flush rather than one per line. A step that ends
 * before the first flush writes nothing here: its chunks go into the finish's
 * own statement (see `remaining`). A failed flush keeps its chunks and tries
 * again; nothing it does can throw into the worker. One writer per attempt,
 * so `seq` needs no coordination.
 */
export class LogWriter {
  private seq = 0;
  private buffer: LogChunk[] = [];
  private bytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly db: Db,
    private readonly ids: { attemptId: string; runId: string; projectId: string },
    private readonly log: (message: string) => void = () => {},
  ) {}

  /** Returns a promise when the backlog is too big: the executor pauses the step's output until it settles. */
  write(stream: LogStream, text: string): void | Promise<void> {
    const last = this.buffer[this.buffer.length - 1];
    if (last && last.stream === stream && last.text.length + text.length <= MAX_CHUNK) last.text += text;
    else this.buffer.push({ seq: ++this.seq, stream, text });
    this.bytes += text.length;
    this.schedule(FLUSH_MS);
    if (this.bytes > BACKLOG_BYTES) return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Stops flushing and hands over what is not stored yet, for the finish to store. */
  async remaining(): Promise<LogChunk[]> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.flushing;
    const rest = this.buffer;
    this.buffer = [];
    this.bytes = 0;
    this.release();
    return rest;
  }

  private schedule(ms: number) {
    if (this.closed || this.timer || this.flushing) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flushing = this.flush().finally(() => {
        this.flushing = null;
        if (this.buffer.length) this.schedule(this.failedLast ? RETRY_MS : FLUSH_MS);
      });
    }, ms);
  }

  private failedLast = false;

  private async flush() {
    const batch = this.buffer;
    if (!batch.length) return;
    this.buffer = [];
    const size = batch.reduce((n, c) => n + c.text.length, 0);
    try {
      await transact(this.db, async (tx, sink) => {
        // A retry after a commit whose answer was lost finds its rows there already.
        await tx
          .insert(logChunks)
          .values(batch.map((c) => ({ attemptId: this.ids.attemptId, seq: c.seq, stream: c.stream, text: c.text })))
          .onConflictDoNothing();
        sink.emit({
          type: 'log.appended',
          projectId: this.ids.projectId,
          runId: this.ids.runId,
          payload: { run_id: this.ids.runId, attempt_id: this.ids.attemptId, seq: batch[batch.length - 1].seq },
        });
      });
      this.failedLast = false;
      this.bytes -= size;
      if (this.bytes <= BACKLOG_BYTES) this.release();
    } catch (error) {
      this.failedLast = true;
      this.buffer = [...batch, ...this.buffer];
      this.log(`storing the log of ${this.ids.attemptId} failed (will retry): ${errorMessage(error)}`);
    }
  }

  private release() {
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((resolve) => resolve());
  }
}
