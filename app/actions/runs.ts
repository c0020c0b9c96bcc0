'use server';

import { z } from 'zod';
import { DomainError } from '@/lib/errors';
import { paths } from '@/lib/paths';
import { cancelRun } from '@/lib/runs/cancel-run';
import { replayItem, retryItem } from '@/lib/runs/item-operations';
import { BULK_LIMIT, retryRuns } from '@/lib/runs/bulk-retry';
import { retryRun } from '@/lib/runs/retry-run';
import { triggerRun } from '@/lib/runs/trigger-run';
import { runAction } from '@/lib/server/action';

/** Thin doors onto lib/runs: parse, authorize (runAction), call, return data for the UI. */

const id = z.uuid();
const reason = z.string().max(2000).optional();

function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new DomainError('bad_request', 'The request was malformed.');
  return parsed.data;
}

export async function triggerRunAction(pipelineId: string) {
  return runAction(async (actor, db) => {
    const run = await triggerRun(db, actor, { pipelineId: parse(id, pipelineId), trigger: 'manual' });
    return { runId: run.id, number: run.number, url: paths.run(run.id) };
  });
}

export async function retryRunAction(runId: string, input: { reason?: string; expectedAttempt?: number } = {}) {
  return runAction(async (actor, db) => {
    const run = await retryRun(db, actor, parse(id, runId), {
      reason: parse(reason, input.reason),
      expectedAttempt: parse(z.number().int().optional(), input.expectedAttempt),
    });
    return { runId: run.id, attempt: run.attempt, url: paths.run(run.id) };
  });
}

export async function cancelRunAction(runId: string, input: { reason?: string } = {}) {
  return runAction(async (actor, db) => {
    const run = await cancelRun(db, actor, parse(id, runId), { reason: parse(reason, input.reason) });
    return { runId: run.id, status: run.status };
  });
}

export async function retryItemAction(runId: string, itemId: string, input: { reason?: string } = {}) {
  return runAction(async (actor, db) => {
    const attempt = await retryItem(db, actor, parse(id, runId), parse(id, itemId), { reason: parse(reason, input.reason) });
    return { attemptId: attempt.id, number: attempt.number };
  });
}

/**
 * `inputsJson` is the text of the replay form's editor: invalid JSON is a 422
 * with a path, like a schema error, so the form shows it next to the field.
 */
export async function replayItemAction(runId: string, itemId: string, input: { inputsJson: string; reason?: string }) {
  return runAction(async (actor, db) => {
    let inputs: unknown;
    try {
      inputs = JSON.parse(parse(z.string().max(1024 * 1024), input.inputsJson));
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw new DomainError('invalid_inputs', 'The inputs are not valid JSON.', [
        { path: '', message: (error as Error).message },
      ]);
    }
    if (!inputs || typeof inputs !== 'object' || Array.isArray(inputs)) {
      throw new DomainError('invalid_inputs', 'The inputs must be a JSON object.', [{ path: '', message: 'must be an object' }]);
    }
    const attempt = await replayItem(db, actor, parse(id, runId), parse(id, itemId), {
      inputs: inputs as Record<string, unknown>,
      reason: parse(reason, input.reason),
    });
    return { attemptId: attempt.id, number: attempt.number };
  });
}

/** Retries several runs; the answer has one result per run. */
export async function bulkRetryAction(runIds: string[], input: { reason?: string } = {}) {
  return runAction(async (actor, db) => {
    const ids = parse(z.array(z.string()).max(BULK_LIMIT), runIds);
    return retryRuns(db, actor, ids, parse(reason, input.reason));
  });
}
