import { apiRoute, idempotent, readJson } from '@/lib/api/handler';
import { retryBody } from '@/lib/api/bodies';
import { runJson } from '@/lib/api/serializers';
import { getRunDetail } from '@/lib/runs/queries';
import { retryRun } from '@/lib/runs/retry-run';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<{ runId: string }>(async (ctx) => {
  const body = await readJson(ctx.request, retryBody);
  await getRunDetail(ctx.db, ctx.params.runId);
  return idempotent(ctx, body, async (db) => {
    const run = await retryRun(db, ctx.actor, ctx.params.runId, {
      reason: body.reason,
      expectedAttempt: body.expected_attempt,
    });
    return { status: 200, body: runJson(await getRunDetail(db, run.id), ctx.origin) };
  });
});
