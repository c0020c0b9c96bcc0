import { attemptsList, attemptsLogs, runsGet } from './api.gen';
import type { Context } from './context';
import { printJson } from './context';
import { UsageError } from './errors';
import { clean, logText, statusLabel } from './format';
import { findStep } from './resolve';
import type { Attempt, LogChunk, LogPage, Run, RunItem } from './shapes';
import { RunSignals, TERMINAL_RUN_STATUSES } from './watch';

/** With the event stream quiet or down, the logs are still read this often. */
const FOLLOW_QUIET_MS = 5_000;

/** Every chunk of an attempt's log after `after`, page by page. */
export async function readLog(ctx: Context, attemptId: string, after = 0): Promise<{ chunks: LogChunk[]; after: number }> {
  const chunks: LogChunk[] = [];
  for (;;) {
    const page = (await attemptsLogs(ctx.api, { attempt_id: attemptId, after })) as LogPage;
    chunks.push(...page.items);
    if (page.items.length === 0 || page.next_after <= after) return { chunks, after };
    after = page.next_after;
  }
}

async function pickAttempt(ctx: Context, run: Run, item: RunItem, number?: number): Promise<Attempt | null> {
  if (number === undefined) return item.latest_attempt;
  const { items } = (await attemptsList(ctx.api, { run_id: run.id, item_id: item.id })) as { items: Attempt[] };
  const attempt = items.find((a) => a.number === number);
  if (!attempt) throw new UsageError(`Step ${item.key} has no attempt ${number} (it has ${items.length}).`);
  return attempt;
}

/** Prints the logs of a run's steps (the latest attempt of each, or of one step), or follows them until the run ends. */
export async function showLogs(ctx: Context, run: Run, options: { step?: string; attempt?: number; follow?: boolean }) {
  const items = options.step ? [findStep(run, options.step)] : run.items;
  if (options.attempt !== undefined && !options.step) throw new UsageError('--attempt needs a step: reprise logs <run> <step> --attempt N.');
  if (options.follow) return followLogs(ctx, run, items.map((i) => i.key), options.step !== undefined);

  const steps: { step: string; attempt: number | null; attempt_id: string | null; status: string; logs: LogChunk[] }[] = [];
  for (const item of items) {
    const attempt = await pickAttempt(ctx, run, item, options.attempt);
    const logs = attempt ? (await readLog(ctx, attempt.id)).chunks : [];
    steps.push({ step: item.key, attempt: attempt?.number ?? null, attempt_id: attempt?.id ?? null, status: attempt?.status ?? item.status, logs });
  }
  if (ctx.json) return printJson(ctx, { run_id: run.id, steps });
  for (const s of steps) {
    if (!options.step) ctx.out(ctx.c.bold(`── ${clean(s.step)} ${s.attempt ? `(attempt ${s.attempt}) ` : ''}`) + statusLabel(s.status, ctx.c));
    const text = s.logs.map((chunk) => logText(chunk.text, ctx.tty)).join('');
    if (text) ctx.out(text.replace(/\n$/, ''));
    else if (!options.step) ctx.out(ctx.c.dim('   (no output)'));
  }
}

/**
 * Reads the run and the log of each step's latest attempt whenever the run's
 * event stream says something happened (new log lines, a status change), until
 * the run has ended and every log is read to its end. A step that gets a new attempt
 * (retry, replay) is followed from that attempt's first line. Lines of
 * several steps are prefixed with the step.
 */
async function followLogs(ctx: Context, first: Run, keys: string[], single: boolean) {
  const signals = new RunSignals(ctx, first.id);
  try {
    await followWith(ctx, signals, first, keys, single);
  } finally {
    signals.close();
  }
}

async function followWith(ctx: Context, signals: RunSignals, first: Run, keys: string[], single: boolean) {
  const read = new Map<string, { attemptId: string; after: number; partial: string }>();
  let run = first;
  for (;;) {
    const ended = TERMINAL_RUN_STATUSES.has(run.status);
    for (const key of keys) {
      const item = run.items.find((i) => i.key === key);
      const attempt = item?.latest_attempt;
      if (!attempt) continue;
      let state = read.get(key);
      if (!state || state.attemptId !== attempt.id) {
        state = { attemptId: attempt.id, after: 0, partial: '' };
        read.set(key, state);
        if (!ctx.json && (!single || attempt.number > 1)) ctx.out(ctx.c.bold(`── ${clean(key)} attempt ${attempt.number}`));
      }
      const { chunks, after } = await readLog(ctx, attempt.id, state.after);
      state.after = after;
      for (const chunk of chunks) {
        if (ctx.json) {
          ctx.out(JSON.stringify({ step: key, attempt: attempt.number, ...chunk }));
          continue;
        }
        // Whole lines only, so the prefixes of two steps never land mid-line.
        const text = state.partial + logText(chunk.text, ctx.tty);
        const lines = text.split('\n');
        state.partial = lines.pop() ?? '';
        for (const line of lines) ctx.out(single ? line : `${ctx.c.dim(`[${clean(key)}]`)} ${line}`);
      }
      if (ended && state.partial && !ctx.json) {
        ctx.out(single ? state.partial : `${ctx.c.dim(`[${clean(key)}]`)} ${state.partial}`);
        state.partial = '';
      }
    }
    if (ended) return;
    await signals.next(FOLLOW_QUIET_MS);
    run = (await runsGet(ctx.api, { run_id: run.id })) as Run;
  }
}
