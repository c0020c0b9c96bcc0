import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Database } from '@/db/client';
import { EVENTS_CHANNEL } from '../events';
import {
  claimNextAttempt,
  markRunStarted,
  renewLease,
  systemListCancelRequested,
  systemListExpiredLeases,
  type ClaimedAttempt,
} from './claim';
import { runStep } from './executor';
import { finishAttempt } from './finish-attempt';
import { LogWriter } from './log-writer';

export interface WorkerOptions {
  id?: string;
  /** Steps run at once by this worker. */
  concurrency?: number;
  /** How long a claim holds without a heartbeat; a third of it is the heartbeat. */
  leaseMs?: number;
  /** Fallback poll for attempts whose backoff ended (NOTIFY covers new work). */
  pollMs?: number;
  /** How often expired leases are looked for. */
  reapMs?: number;
  log?: (message: string) => void;
}

export interface RunningWorker {
  id: string;
  /** Takes no new work and waits for running steps to finish. */
  stop(): Promise<void>;
  /**
   * Dies on the spot, as a SIGKILLed process would: no more heartbeats, no
   * report, its steps' process groups killed. The reaper of another worker
   * then finds the expired leases. For tests where a second process cannot
   * open the database (PGlite).
   */
  crash(): void;
}

export function workerOptionsFromEnv(): WorkerOptions {
  const num = (name: string) => (process.env[name] ? Number(process.env[name]) : undefined);
  return {
    concurrency: num('REPRISE_WORKER_CONCURRENCY'),
    leaseMs: num('REPRISE_LEASE_MS'),
    pollMs: num('REPRISE_POLL_MS'),
    reapMs: num('REPRISE_REAP_MS'),
  };
}

/**
 * A worker: claims ready attempts, runs each as a child process, renews its
 * lease while the step runs, and reaps attempts whose worker died. Any number
 * of workers may run against one database.
 */
export async function startWorker(database: Database, options: WorkerOptions = {}): Promise<RunningWorker> {
  const db = database.db;
  const id = options.id ?? `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const concurrency = options.concurrency ?? 4;
  const leaseMs = options.leaseMs ?? 30_000;
  const log = options.log ?? ((m: string) => console.log(`[worker ${id}] ${m}`));
  const active = new Set<Promise<void>>();
  const crashHooks = new Set<() => void>();
  // Running steps by attempt id, so a cancel is acted on as soon as it is
  // announced instead of at the next heartbeat.
  const running = new Map<string, ReturnType<typeof runStep>>();
  let cancelCheck: NodeJS.Timeout | null = null;
  const checkCancels = () => {
    if (running.size === 0 || cancelCheck) return;
    cancelCheck = setTimeout(() => {
      cancelCheck = null;
      systemListCancelRequested(db, [...running.keys()])
        .then((ids) => ids.forEach((attemptId) => running.get(attemptId)?.cancel('Cancelled by request')))
        .catch((error: Error) => log(`cancel check failed: ${error.message}`));
    }, 50);
  };
  let stopped = false;
  let crashed = false;
  let claiming = false;
  let again = false;

  const fillSlots = async () => {
    if (claiming) {
      again = true;
      return;
    }
    claiming = true;
    try {
      do {
        again = false;
        while (!stopped && active.size < concurrency) {
          const claimed = await claimNextAttempt(db, id, leaseMs);
          if (!claimed) break;
          const job = execute(claimed).finally(() => {
            active.delete(job);
            void fillSlots();
          });
          active.add(job);
        }
      } while (again && !stopped);
    } catch (error) {
      if (!stopped) log(`claim failed: ${(error as Error).message}`);
    } finally {
      claiming = false;
    }
  };

  const execute = async ({ attempt, run, step, baseDir }: ClaimedAttempt) => {
    await markRunStarted(db, run.id);
    if (crashed) return;
    const logs = new LogWriter(db, { attemptId: attempt.id, runId: run.id, projectId: run.projectId });
    const proc = runStep({
      argv: step.run,
      cwd: baseDir,
      inputs: attempt.inputs,
      env: step.env,
      attemptNumber: attempt.number,
      runId: run.id,
      stepKey: step.key,
      timeoutMs: step.timeoutMs,
      onLog: (stream, text) => logs.write(stream, text),
    });
    running.set(attempt.id, proc);
    let leaseLost = false;
    const onCrash = () => {
      clearInterval(heartbeat);
      proc.cancel('worker crashed');
    };
    crashHooks.add(onCrash);
    const heartbeat = setInterval(async () => {
      if (crashed) return onCrash();
      try {
        const lease = await renewLease(db, attempt.id, id, leaseMs);
        if (!lease) {
          leaseLost = true;
          proc.cancel('The lease on this attempt was lost');
        } else if (lease.cancelRequested) {
          proc.cancel('Cancelled by request');
        }
      } catch (error) {
        log(`heartbeat failed for ${attempt.id}: ${(error as Error).message}`);
      }
    }, Math.max(50, Math.floor(leaseMs / 3)));
    try {
      const result = await proc.done;
      if (crashed) return;
      await logs.flush();
      if (!leaseLost) await finishAttempt(db, attempt.id, id, result);
    } catch (error) {
      log(`attempt ${attempt.id} could not be finished: ${(error as Error).stack}`);
    } finally {
      clearInterval(heartbeat);
      crashHooks.delete(onCrash);
      running.delete(attempt.id);
    }
  };

  const reap = async () => {
    try {
      for (const expired of await systemListExpiredLeases(db)) {
        const done = await finishAttempt(db, expired.id, null, {
          status: 'lost',
          error: {
            message: `The worker running this attempt (${expired.workerId ?? 'unknown'}) stopped renewing its lease`,
            exit_code: null,
            classification: 'lost',
          },
        });
        if (done) log(`attempt ${expired.id} lost (lease of ${expired.workerId} expired)`);
      }
    } catch (error) {
      if (!stopped) log(`reaper failed: ${(error as Error).message}`);
    }
  };

  const unlisten = await database.listen(EVENTS_CHANNEL, () => {
    void fillSlots();
    checkCancels();
  });
  const poll = setInterval(() => void fillSlots(), options.pollMs ?? 1000);
  const reaper = setInterval(() => void reap(), options.reapMs ?? 5000);
  void reap();
  void fillSlots();
  log(`started (concurrency ${concurrency}, lease ${leaseMs} ms)`);

  return {
    id,
    async stop() {
      stopped = true;
      clearInterval(poll);
      clearInterval(reaper);
      await unlisten().catch(() => {});
      await Promise.allSettled([...active]);
    },
    crash() {
      stopped = crashed = true;
      clearInterval(poll);
      clearInterval(reaper);
      void unlisten().catch(() => {});
      crashHooks.forEach((hook) => hook());
    },
  };
}
