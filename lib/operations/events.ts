import { z } from 'zod';
import { EVENT_STREAM_HEADERS, eventStream } from '../api/event-stream';
import { can } from '../auth/permissions';
import { notFound } from '../errors';
import { getRuntime } from '../server/runtime';
import { takeResponse } from '../server/stream-responses.mjs';
import { defineOperation } from './define';
import { projectByKey, projectOfRun } from './resources';

export const eventsOp = defineOperation({
  id: 'events.stream',
  tag: 'events',
  summary: 'Live events (server-sent events)',
  description:
    'Every event of the projects the caller may read, optionally narrowed to one project or run. Each has an `id:`; reconnect with `Last-Event-ID` (or `last_event_id`) to resume without a gap. An `event: reset` frame means refetch.',
  method: 'GET',
  path: '/api/events',
  query: z.object({
    project: z.string().max(200).optional(),
    run: z.string().max(100).optional(),
    last_event_id: z.string().regex(/^\d{1,15}$/).optional(),
  }),
  // Each event is checked against the caller's roles as it is sent (lib/api/event-stream.ts).
  permission: 'signed_in',
  run: async ({ actor, request, db }, q) => {
    const projectId = q.project ? await projectByKey(db, { project: q.project }) : undefined;
    if (projectId && !can(actor, 'project.read', { projectId })) throw notFound('Project');
    if (q.run) {
      const runProject = await projectOfRun(db, { run_id: q.run });
      if (!can(actor, 'project.read', { projectId: runProject })) throw notFound('Run');
    }
    const header = request?.headers.get('last-event-id') ?? q.last_event_id;
    const lastEventId = header && /^\d{1,15}$/.test(header) ? Number(header) : null;
    const runtime = await getRuntime();
    const signal = request?.signal ?? new AbortController().signal;
    // Under our server (scripts/server.mjs) the stream may write to its socket once started.
    const socket = request ? takeResponse(request.headers) : null;
    const stream = eventStream(runtime.hub, actor, { runId: q.run, projectId }, lastEventId, signal, socket);
    return new Response(stream, { headers: EVENT_STREAM_HEADERS });
  },
});
