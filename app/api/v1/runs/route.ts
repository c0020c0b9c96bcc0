import { apiRoute } from '@/lib/api/handler';
import { runSummaryJson } from '@/lib/api/serializers';
import { assertCan } from '@/lib/auth/permissions';
import { DomainError } from '@/lib/errors';
import { isUuid, listRuns } from '@/lib/runs/queries';
import type { RunStatus } from '@/db/schema';

export const dynamic = 'force-dynamic';

const STATUSES: RunStatus[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled'];

export const GET = apiRoute(async ({ db, actor, url, origin }) => {
  assertCan(actor, 'run.read');
  const q = url.searchParams;
  const pipeline = q.get('pipeline') || undefined;
  const status = q.get('status') || undefined;
  const limit = q.get('limit') ? Number(q.get('limit')) : undefined;
  if (pipeline && !isUuid(pipeline)) throw new DomainError('bad_request', 'pipeline must be a pipeline id.');
  if (status && !STATUSES.includes(status as RunStatus)) {
    throw new DomainError('bad_request', `status must be one of ${STATUSES.join(', ')}.`);
  }
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > 100)) {
    throw new DomainError('bad_request', 'limit must be an integer from 1 to 100.');
  }
  const page = await listRuns(db, {
    pipelineId: pipeline,
    status: status as RunStatus | undefined,
    environment: q.get('environment') || undefined,
    cursor: q.get('cursor'),
    limit,
  });
  return { body: { items: page.items.map((r) => runSummaryJson(r, origin)), next_cursor: page.nextCursor } };
});
