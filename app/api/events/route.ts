import { eq } from 'drizzle-orm';
import { projects } from '@/db/schema';
import { EVENT_STREAM_HEADERS, eventStream } from '@/lib/api/event-stream';
import { errorResponse } from '@/lib/api/handler';
import { requestActor } from '@/lib/auth/identity';
import { DomainError } from '@/lib/errors';
import { isUuid } from '@/lib/runs/queries';
import { getRuntime } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

/** GET /api/events?project=&run= — server-sent events, resumable with Last-Event-ID. */
export async function GET(request: Request) {
  try {
    const actor = await requestActor(request);
    if (!actor) throw new DomainError('unauthenticated', 'Sign in, or send Authorization: Bearer <token>.');
    const runtime = await getRuntime();
    const url = new URL(request.url);
    const run = url.searchParams.get('run');
    const project = url.searchParams.get('project');
    if (run && !isUuid(run)) throw new DomainError('bad_request', 'run must be a run id.');
    let projectId: string | undefined;
    if (project) {
      const [row] = await runtime.database.db
        .select({ id: projects.id })
        .from(projects)
        .where(isUuid(project) ? eq(projects.id, project) : eq(projects.key, project));
      if (!row) throw new DomainError('not_found', 'Project not found');
      projectId = row.id;
    }
    const header = request.headers.get('last-event-id') ?? url.searchParams.get('last_event_id');
    const lastEventId = header && /^\d+$/.test(header) ? Number(header) : null;
    const stream = eventStream(runtime.hub, actor, { runId: run ?? undefined, projectId }, lastEventId, request.signal);
    return new Response(stream, { headers: EVENT_STREAM_HEADERS });
  } catch (error) {
    return errorResponse(error);
  }
}
