import { apiRoute } from '@/lib/api/handler';
import { assertCan } from '@/lib/auth/permissions';
import { DomainError } from '@/lib/errors';
import type { Db } from '@/db/client';
import { getLogs } from '@/lib/runs/queries';

export const dynamic = 'force-dynamic';

export const GET = apiRoute<{ attemptId: string }>(async ({ db, actor, params, url }) => {
  assertCan(actor, 'run.read');
  if (url.searchParams.get('format') === 'text') return downloadLogs(db, params.attemptId);
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

/** The whole log as a text file, colour codes and all, read page by page. */
async function downloadLogs(db: Db, attemptId: string) {
  const parts: string[] = [];
  let after = 0;
  for (;;) {
    const page = await getLogs(db, attemptId, after, 5000);
    parts.push(...page.items.map((c) => c.text));
    if (page.items.length < 5000) break;
    after = page.nextAfter;
  }
  return new Response(parts.join(''), {
    headers: {
      'Content-Type': 'text/plain; charset=utf-8',
      'Content-Disposition': `attachment; filename="attempt-${attemptId}.log"`,
      'X-Content-Type-Options': 'nosniff',
    },
  });
}
