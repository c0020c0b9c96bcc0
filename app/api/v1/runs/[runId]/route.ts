import { apiRoute } from '@/lib/api/handler';
import { runJson } from '@/lib/api/serializers';
import { assertCan } from '@/lib/auth/permissions';
import { getRunDetail } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ runId: string }>(async ({ db, actor, params, origin }) => {
  const detail = await getRunDetail(db, params.runId);
  assertCan(actor, 'run.read', { projectId: detail.run.projectId });
  return { body: runJson(detail, origin) };
});
