import type { Db } from '@/db/client';
import { finishAttempts, type FinishOutcome, type FinishRequest } from './finish-attempt';

/** The most attempts one finish statement takes. */
const MAX_BATCH = 32;

interface Waiting {
  request: FinishRequest;
  resolve(outcome: FinishOutcome): void;
  reject(error: unknown): void;
  /** Its batch was refused: it goes on its own from now on. */
  alone: boolean;
}

/**
 * A worker's finishes, written in batches: one finish statement in flight at
 * a time, and the finishes that arrive meanwhile go together in the next —
 * one commit for the steps that ended together, however many. A lone step
 * is written at once. A batch the database refuses is tried again one
 * finish at a time, so a finish that cannot be written never holds up the
 * others; a lone finish that fails is the caller's to try again.
 */
export class Finisher {
  private readonly queue: Waiting[] = [];
  private busy = false;

  constructor(private readonly db: Db) {}

  finish(request: FinishRequest): Promise<FinishOutcome> {
    return new Promise<FinishOutcome>((resolve, reject) => {
      this.queue.push({ request, resolve, reject, alone: false });
      this.next();
    });
  }

  private next() {
    if (this.busy || this.queue.length === 0) return;
    this.busy = true;
    const batch = this.queue[0].alone ? this.queue.splice(0, 1) : this.takeTogether();
    finishAttempts(
      this.db,
      batch.map((w) => w.request),
    )
      .then(
        (outcomes) => batch.forEach((w, i) => w.resolve(outcomes[i])),
        (error: unknown) => {
          if (batch.length === 1) return batch[0].reject(error);
          batch.forEach((w) => (w.alone = true));
          this.queue.unshift(...batch);
        },
      )
      .finally(() => {
        this.busy = false;
        this.next();
      });
  }

  /** The finishes at the head of the queue that may go together. */
  private takeTogether() {
    let n = 0;
    while (n < this.queue.length && n < MAX_BATCH && !this.queue[n].alone) n++;
    return this.queue.splice(0, n);
  }
}
