import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';

/**
 * NOTIFY, sent after the writes it announces have committed, from a statement
 * of its own.
 *
 * Why not inside the writing transaction: a transaction that NOTIFYs takes a
 * database-wide lock when it commits and holds it until its commit is on
 * disk, so every writer that notifies commits in turn, one disk flush after
 * another — with a step's claim and finish each notifying, that lock was the
 * engine's ceiling. A statement that only notifies writes nothing to disk and
 * holds the lock for a moment.
 *
 * Per database handle, channel and payload, one NOTIFY is in flight at a
 * time; those asked for meanwhile become one more after it. A NOTIFY that is
 * lost (a failed statement, a process that dies right after its commit) only
 * delays: the event hub reads once a second on its own while anyone listens,
 * and workers look for work once a second.
 */
export function notifyAfterCommit(db: Db, channel: string, payload = ''): void {
  let byKey = pending.get(db);
  if (!byKey) pending.set(db, (byKey = new Map<string, NotifyState>()));
  const key = `${channel}\0${payload}`;
  const state = byKey.get(key);
  if (state) {
    state.again = true;
    return;
  }
  const next: NotifyState = { again: false };
  byKey.set(key, next);
  const send = (): void => {
    next.again = false;
    db.execute(sql`select pg_notify(${channel}, ${payload})`)
      .catch((error: Error) => console.error(`[reprise] NOTIFY ${channel} failed: ${error.message}`))
      .finally(() => {
        if (next.again) send();
        else byKey.delete(key);
      });
  };
  send();
}

interface NotifyState {
  again: boolean;
}

const pending = new WeakMap<Db, Map<string, NotifyState>>();
