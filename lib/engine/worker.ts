import os from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Database } from '@/db/client';
import type { AttemptError } from '@/db/schema';
import { pipelineVersion } from '../pipelines/version-cache';
import { CANCEL_CHANNEL, WORK_CHANNEL } from './channels';
import {
  claimAttempts,
  renewLease,
  storeResolvedInputs,
  systemListCancelRequested,
  systemListExpiredLeases,
  type ClaimedAttempt,
} from './claim';
import { runStep } from './executor';
import {
  finishAttempt,
  finishContext,
  type AttemptResult,
  type FinishContext,
  type FinishOptions,
} from './finish-attempt';
import { Finisher } from './finisher';
import { inputsForClaim } from './inputs';
import { errorMessage } from './error-message';
import { LogWriter } from './log-writer';
import { settleRuns, systemListUnsettledRuns } from './settle-run';
import { maskText, secretValues } from '../secrets';

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

const RETRY_MAX_MS = 2000;

/**
 * A worker: claims ready attempts (several in one statement), runs each as a
 * child process, renews its lease while the step runs, finishes it in one
 * statement, and reaps attempts whose worker died. Any number of workers may
 * run against one database.
 *
 * A worker dies only when killed: every database call is caught; a finish
 * that fails (connection reset, database restarting) is tried again, with the
 * lease kept alive meanwhile, until it succeeds or the lease is really lost.
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
  let stopped = false;
  let crashed = false;
  let claiming = false;
  let again = false;

  const checkCancels = () => {
    if (running.size === 0) return;
    systemListCancelRequested(db, [...running.keys()])
      .then((ids) => ids.forEach((attemptId) => running.get(attemptId)?.cancel('Cancelled by request')))
      .catch((error: Error) => log(`cancel check failed: ${errorMessage(error)}`));
  };

  // One claim in flight at a time; a wake-up during it asks for another round.
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
          const free = concurrency - active.size;
          const claimed = await claimAttempts(db, id, leaseMs, free);
          for (const claim of claimed) {
            const job = execute(claim)
              .catch((error: Error) => log(`attempt ${claim.id}: ${error.stack ?? error.message}`))
              .finally(() => {
                active.delete(job);
                void fillSlots();
              });
            active.add(job);
          }
          if (claimed.length < free) break;
        }
      } while (again && !stopped);
    } catch (error) {
      if (!stopped) log(`claim failed: ${errorMessage(error)}`);
    } finally {
      claiming = false;
    }
  };

  /** Runs `work` until the database answers (a crashed worker gives up): a failed write never loses an attempt. */
  const untilAnswered = async <T>(what: string, work: () => Promise<T>): Promise<T | undefined> => {
    for (let wait = 50; ; wait = Math.min(wait * 2, RETRY_MAX_MS)) {
      if (crashed) return undefined;
      try {
        return await work();
      } catch (error) {
        log(`${what} failed, trying again in ${wait} ms: ${errorMessage(error)}`);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  };

  const finisher = new Finisher(db);

  // Runs whose steps this worker finished, to be asked whether they ended
  // (lib/engine/settle-run.ts): one settle in flight, the runs finished
  // meanwhile go together in the next. It does not hold up the next claim.
  const toSettle = new Set<string>();
  let settling: Promise<void> | null = null;
  const settleSoon = (runId?: string) => {
    if (runId) toSettle.add(runId);
    if (settling || toSettle.size === 0 || crashed) return;
    const runIds = [...toSettle];
    toSettle.clear();
    settling = untilAnswered('ending finished runs', () => settleRuns(db, runIds))
      .then(() => {})
      .finally(() => {
        settling = null;
        settleSoon();
      });
  };

  const finish = async (context: FinishContext, result: AttemptResult, finishOptions: FinishOptions) => {
    const outcome = await untilAnswered(`finishing ${context.id}`, () =>
      finisher.finish({ context, result, options: finishOptions }),
    );
    if (outcome?.retryAt) wakeAt(outcome.retryAt);
    if (outcome?.finished && !outcome.runEnded) settleSoon(context.runId);
    // The slot was freed before this commit, and its claim may have come too
    // early to see what the finish queued (our own work notifications are ignored).
    if (outcome?.queued) void fillSlots();
    return outcome;
  };

  const wakeAt = (at: Date) => setTimeout(() => void fillSlots(), Math.max(0, at.getTime() - Date.now()) + 5).unref();

  const execute = async (claim: ClaimedAttempt) => {
    if (crashed) return;
    const version = await untilAnswered(`reading the pipeline of ${claim.id}`, () =>
      pipelineVersion(db, claim.pipelineVersionId),
    );
    if (!version) return;
    const step = version.steps.get(claim.key)!;
    const context: FinishContext = { ...claim };
    let leaseLost = false;
    let handedOff = false;
    const heartbeat = setInterval(
      () => {
        if (crashed) return;
        renewLease(db, claim.id, id, leaseMs)
          .then((lease) => {
            if (!lease) {
              leaseLost = true;
              running.get(claim.id)?.cancel('The lease on this attempt was lost');
            } else if (lease.cancelRequested) {
              running.get(claim.id)?.cancel('Cancelled by request');
            }
          })
          .catch((error: Error) => log(`heartbeat failed for ${claim.id}: ${errorMessage(error)}`));
      },
      Math.max(50, Math.floor(leaseMs / 3)),
    );
    try {
      const checked = await untilAnswered(`resolving the inputs of ${claim.id}`, () =>
        inputsForClaim(db, claim, step, claim.params),
      );
      if (!checked) return;
      if (!checked.ok) {
        await finish(context, { status: 'failed', error: checked.error }, { workerId: id, inputs: checked.inputs });
        return;
      }
      if (checked.resolved) {
        // For people watching the running step; the finish records them too.
        await storeResolvedInputs(db, claim.id, checked.inputs).catch((error: Error) =>
          log(`could not store the inputs of ${claim.id}: ${errorMessage(error)}`),
        );
      }
      // The step gets its secret inputs in clear; its log, outputs and error leave here masked.
      const secrets = secretValues(checked.inputs, step.inputSchema);
      const logs = new LogWriter(db, { attemptId: claim.id, runId: claim.runId, projectId: claim.projectId }, log);
      const proc = runStep({
        argv: step.run,
        cwd: version.baseDir,
        inputs: checked.inputs,
        env: step.env,
        attemptNumber: claim.number,
        runId: claim.runId,
        stepKey: step.key,
        timeoutMs: step.timeoutMs,
        onLog: (stream, text) => logs.write(stream, text),
        secrets,
      });
      running.set(claim.id, proc);
      const onCrash = () => proc.cancel('worker crashed');
      crashHooks.add(onCrash);
      let result: AttemptResult;
      try {
        result = await proc.done;
      } catch (error) {
        const internal = internalError(error);
        result = { status: 'failed', error: { ...internal, message: maskText(internal.message, secrets) } };
      } finally {
        crashHooks.delete(onCrash);
        running.delete(claim.id);
      }
      if (crashed) return;
      const remaining = await logs.remaining();
      if (leaseLost) return;
      // The step's process is done: its slot is free for the next claim while
      // the finish is written (the lease is renewed until it is).
      const finished = finish(context, result, {
        workerId: id,
        logs: remaining,
        inputs: checked.resolved ? checked.inputs : null,
      }).finally(() => clearInterval(heartbeat));
      handedOff = true;
      await handOff(finished);
    } finally {
      if (!handedOff) clearInterval(heartbeat);
    }
  };

  // Finishes being written after their slot was freed; at most `concurrency`
  // of them, so a database that stops answering stops the claims too.
  const finishing = new Set<Promise<unknown>>();
  const handOff = async (finished: Promise<unknown>) => {
    const tracked = finished.catch(() => {}).finally(() => finishing.delete(tracked));
    finishing.add(tracked);
    while (finishing.size > concurrency) await Promise.race(finishing);
  };

  const reap = async () => {
    try {
      for (const expired of await systemListExpiredLeases(db)) {
        const context = await finishContext(db, expired.id);
        if (!context) continue;
        const outcome = await finishAttempt(
          db,
          context,
          {
            status: 'lost',
            error: {
              message: `The worker running this attempt (${expired.workerId ?? 'unknown'}) stopped renewing its lease`,
              exit_code: null,
              classification: 'lost',
            },
          },
          { workerId: null },
        );
        if (outcome.finished) {
          log(`attempt ${expired.id} lost (lease of ${expired.workerId} expired)`);
          if (!outcome.runEnded) settleSoon(context.runId);
        }
        if (outcome.retryAt) wakeAt(outcome.retryAt);
      }
      // A worker that died between a finish and its settle left its run in progress with nothing to do.
      for (const runId of await systemListUnsettledRuns(db)) settleSoon(runId);
    } catch (error) {
      if (!stopped) log(`reaper failed: ${errorMessage(error)}`);
    }
  };

  const unlistenWork = await database.listen(WORK_CHANNEL, (sender) => {
    // Our own finishes are followed by a claim anyway.
    if (sender !== id) void fillSlots();
  });
  const unlistenCancel = await database.listen(CANCEL_CHANNEL, () => checkCancels());
  const unlisten = () => Promise.all([unlistenWork(), unlistenCancel()]);
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
      await Promise.allSettled([...finishing]);
      while (settling) await settling;
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

function internalError(error: unknown): AttemptError {
  return {
    message: `Reprise could not run the step: ${(error as Error).message}`,
    exit_code: null,
    classification: 'spawn',
  };
}
