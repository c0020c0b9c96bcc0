import { NextResponse } from 'next/server';
import { apiRoute } from '@/lib/api/handler';
import { assertCan } from '@/lib/auth/permissions';
import { DomainError, notFound } from '@/lib/errors';
import { isViewName, VIEWS } from '@/lib/views/registry';

export const dynamic = 'force-dynamic';

/**
 * The dashboard's live data: the same reads its pages render first, refetched
 * by the browser's query cache when an event says they changed. Internal to
 * the dashboard; integrations use /api/v1.
 */
export const GET = apiRoute<{ view: string }>(async ({ db, actor, params, url }) => {
  assertCan(actor, 'run.read');
  if (!isViewName(params.view)) throw notFound('View');
  const view = VIEWS[params.view];
  const parsed = view.params.safeParse(Object.fromEntries(url.searchParams));
  if (!parsed.success) throw new DomainError('bad_request', `Bad view parameters: ${parsed.error.issues[0]?.message}`);
  const data = await (view.load as (db: unknown, params: unknown) => Promise<unknown>)(db, parsed.data);
  return NextResponse.json(data, { headers: { 'Cache-Control': 'no-store' } });
});
