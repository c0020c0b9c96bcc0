import { apiRoute, readJson } from '@/lib/api/handler';
import { bulkRetryBody } from '@/lib/api/bodies';
import { retryRuns } from '@/lib/runs/bulk-retry';

export const dynamic = 'force-dynamic';

/**
 * Retries several runs at once; each is retried (or refused) on its own and
 * the answer says what happened to each. Sending it twice is safe: the second
 * time every run answers 409 ("already retried by …").
 */
export const POST = apiRoute(async (ctx) => {
  const body = await readJson(ctx.request, bulkRetryBody);
  const results = await retryRuns(ctx.db, ctx.actor, body.run_ids, body.reason);
  return {
    body: {
      results: results.map((r) =>
        r.ok
          ? { run_id: r.runId, ok: true, number: r.number, attempt: r.attempt }
          : { run_id: r.runId, ok: false, error: { code: r.error!.code, message: r.error!.message } },
      ),
    },
  };
});
