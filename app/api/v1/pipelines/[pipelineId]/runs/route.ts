import { apiRoute, idempotent, readJson } from '@/lib/api/handler';
import { triggerBody } from '@/lib/api/bodies';
import { runJson } from '@/lib/api/serializers';
import { getPipeline, getRunDetail } from '@/lib/runs/queries';
import { triggerRun } from '@/lib/runs/trigger-run';

export const dynamic = 'force-dynamic';

export const POST = apiRoute<{ pipelineId: string }>(async (ctx) => {
  const body = await readJson(ctx.request, triggerBody);
  await getPipeline(ctx.db, ctx.params.pipelineId);
  return idempotent(ctx, body, async (db) =>
    // The answer shows the run as created, read in the same transaction: a
    // worker may claim its first steps the moment it commits.
    db.transaction(async (tx) => {
      const run = await triggerRun(tx, ctx.actor, { pipelineId: ctx.params.pipelineId, ...body, trigger: 'api' });
      return { status: 201, body: runJson(await getRunDetail(tx, run.id), ctx.origin) };
    }),
  );
});
