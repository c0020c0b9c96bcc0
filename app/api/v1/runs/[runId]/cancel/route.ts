import { apiRoute, readJson } from '@/lib/api/handler';
import { cancelBody } from '@/lib/api/bodies';
import { runJson } from '@/lib/api/serializers';
import { cancelRun } from '@/lib/runs/cancel-run';
import { getRunDetail } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<{ runId: string }>(async (ctx) => {
  const body = await readJson(ctx.request, cancelBody);
  await getRunDetail(ctx.db, ctx.params.runId);
  const run = await cancelRun(ctx.db, ctx.actor, ctx.params.runId, { reason: body.reason });
  return { body: runJson(await getRunDetail(ctx.db, run.id), ctx.origin) };
});
