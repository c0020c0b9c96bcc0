import type { Db } from '@/db/client';
import { logChunks, type LogStream } from '@/db/schema';
import { transact } from '../events';

const FLUSH_MS = 200;
const MAX_CHUNK = 64 * 1024;

/**
 * Buffers a step's output and stores it in chunks every FLUSH_MS, with one
 * `log.appended` event per flush rather than one per line. One writer per
 * attempt, so `seq` needs no coordination.
 */
export class LogWriter {
  private seq = 0;
  private buffer: { stream: LogStream; text: string }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Db,
    private readonly ids: { attemptId: string; runId: string; projectId: string },
  ) {}

  write(stream: LogStream, text: string) {
    const last = this.buffer[this.buffer.length - 1];
    if (last && last.stream === stream && last.text.length + text.length <= MAX_CHUNK) last.text += text;
    else this.buffer.push({ stream, text });
    this.timer ??= setTimeout(() => void this.flush(), FLUSH_MS);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.then(async () => {
      if (batch.length === 0) return;
      const rows = batch.map((b) => ({ attemptId: this.ids.attemptId, seq: ++this.seq, stream: b.stream, text: b.text }));
      await transact(this.db, async (tx, sink) => {
        await tx.insert(logChunks).values(rows);
        sink.emit({
          type: 'log.appended',
          projectId: this.ids.projectId,
          runId: this.ids.runId,
          payload: { run_id: this.ids.runId, attempt_id: this.ids.attemptId, seq: rows[rows.length - 1].seq },
        });
      });
    });
    return this.flushing;
  }
}
