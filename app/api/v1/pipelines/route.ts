import { apiRoute } from '@/lib/api/handler';
import { loadErrorJson, pipelineJson } from '@/lib/api/serializers';
import { assertCan } from '@/lib/auth/permissions';
import { listLoadErrors, listPipelines } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute(async ({ db, actor, origin }) => {
  assertCan(actor, 'pipeline.read');
  const [items, errors] = await Promise.all([listPipelines(db), listLoadErrors(db)]);
  return { body: { items: items.map((p) => pipelineJson(p, origin)), load_errors: errors.map(loadErrorJson) } };
});
