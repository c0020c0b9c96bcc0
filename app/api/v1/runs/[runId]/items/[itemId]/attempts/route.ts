import { apiRoute } from '@/lib/api/handler';
import { attemptJson } from '@/lib/api/serializers';
import { assertCan } from '@/lib/auth/permissions';
import { getRunDetail, listAttempts } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ runId: string; itemId: string }>(async ({ db, actor, params, origin }) => {
  const { run } = await getRunDetail(db, params.runId);
  assertCan(actor, 'run.read', { projectId: run.projectId });
  const { item, attempts } = await listAttempts(db, params.runId, params.itemId);
  return { body: { items: attempts.map((a) => attemptJson(a, item.key, origin)) } };
});
