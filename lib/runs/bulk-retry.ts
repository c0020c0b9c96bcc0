import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { DomainError } from '../errors';
import { retryRun } from './retry-run';

export interface BulkRetryResult {
  runId: string;
  ok: boolean;
  number?: number;
  attempt?: number;
  error?: { code: string; status: number; message: string };
}

export const BULK_LIMIT = 50;

/**
 * Retries several runs, each in its own transaction: one run that cannot be
 * retried (already running, succeeded, unknown) does not stop the others, and
 * the answer says what happened to each.
 */
export async function retryRuns(db: Db, actor: Actor, runIds: string[], reason?: string | null): Promise<BulkRetryResult[]> {
  const unique = [...new Set(runIds)];
  if (unique.length > BULK_LIMIT) {
    throw new DomainError('bad_request', `Retry at most ${BULK_LIMIT} runs at once.`);
  }
  const results: BulkRetryResult[] = [];
  for (const runId of unique) {
    try {
      const run = await retryRun(db, actor, runId, { reason });
      results.push({ runId, ok: true, number: run.number, attempt: run.attempt });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      results.push({ runId, ok: false, error: { code: error.code, status: error.status, message: error.message } });
    }
  }
  return results;
}
