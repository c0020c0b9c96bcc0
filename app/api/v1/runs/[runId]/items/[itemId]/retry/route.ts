import { apiRoute, idempotent, readJson } from '@/lib/api/handler';
import { retryBody } from '@/lib/api/bodies';
import { attemptJson } from '@/lib/api/serializers';
import { retryItem } from '@/lib/runs/item-operations';
import { listAttempts } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<{ runId: string; itemId: string }>(async (ctx) => {
  const body = await readJson(ctx.request, retryBody);
  const { item } = await listAttempts(ctx.db, ctx.params.runId, ctx.params.itemId);
  return idempotent(ctx, body, async (db) => {
    const attempt = await retryItem(db, ctx.actor, ctx.params.runId, ctx.params.itemId, { reason: body.reason });
    return { status: 200, body: attemptJson(attempt, item.key, ctx.origin) };
  });
});
