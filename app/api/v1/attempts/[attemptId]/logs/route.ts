import { apiRoute } from '@/lib/api/handler';
import { assertCan } from '@/lib/auth/permissions';
import { DomainError } from '@/lib/errors';
import { getLogs } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ attemptId: string }>(async ({ db, actor, params, url }) => {
  assertCan(actor, 'run.read');
  const after = Number(url.searchParams.get('after') ?? 0);
  if (!Number.isInteger(after) || after < 0) throw new DomainError('bad_request', 'after must be a sequence number.');
  const page = await getLogs(db, params.attemptId, after);
  return {
    body: {
      items: page.items.map((c) => ({ seq: c.seq, stream: c.stream, text: c.text, at: c.at.toISOString() })),
      next_after: page.nextAfter,
    },
  };
});
