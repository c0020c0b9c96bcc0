import type { ServerResponse } from 'node:http';
import type { Actor } from '../actor';
import { can } from '../auth/permissions';
import {
  concatBytes,
  encodeBatch,
  isAfter,
  matches,
  type EventCursor,
  type EventFilter,
  type EventHub,
  type EventRow,
  type HubBatch,
} from '../event-hub';

const HEARTBEAT_MS = 15_000;
// Streams are recycled now and then (proxies and load balancers drop idle or
// old connections anyway); the browser reconnects with Last-Event-ID and
// misses nothing.
const MAX_STREAM_MS = Number(process.env.REPRISE_SSE_MAX_MS || 15 * 60_000);
/**
 * What one client may have queued and not yet read. A client that stopped
 * reading is dropped past this, so its memory is bounded; it reconnects with
 * Last-Event-ID, or refetches.
 */
export const STREAM_BUFFER_BYTES = 1024 * 1024;
const encoder = new TextEncoder();

/** Whether `bytes` would take a client's queue past the bound; an empty queue takes any one batch. */
const wouldPassBound = (queued: number, bytes: Uint8Array) => queued > 0 && queued + bytes.byteLength > STREAM_BUFFER_BYTES;

const resetFrame = (reason: string) => encoder.encode(`event: reset\ndata: ${JSON.stringify({ reason })}\n\n`);

/**
 * One client's server-sent event stream. It subscribes to the hub before
 * replaying what the client missed (Last-Event-ID), holding live batches back
 * until the replay is sent, so the stream is gap-free and in the hub's
 * (xid, id) order; events at or before the last one sent are dropped.
 *
 * The hub encodes each event once; a client enqueues the shared bytes of the
 * events it may see, one enqueue per batch.
 *
 * `socket` is the request's Node response when our server offered it
 * (lib/server/stream-responses.mjs). The stream then starts as any other —
 * Next.js sends the headers and the first frames — and once Next.js has
 * written everything enqueued and asks for more, later frames are written to
 * the response directly, skipping the web-stream pipe per client and batch.
 * The web stream stays open, idle, and is closed to end the response.
 */
export function eventStream(
  hub: EventHub,
  actor: Actor,
  filter: EventFilter,
  lastEventId: number | null,
  signal: AbortSignal,
  socket: ServerResponse | null = null,
) {
  let cleanup = () => {};
  let closed = false;
  // Set once Next.js has written all that was enqueued: from then on frames go to the socket.
  let direct: ServerResponse | null = null;
  return new ReadableStream<Uint8Array>(
    {
      async start(controller) {
        // The last event sent, or where the client resumes: nothing at or before it is sent again.
        let sentUpTo: EventCursor | null = null;
        let held: HubBatch[] | null = [];

        const enqueue = (bytes: Uint8Array) => {
          if (closed) return;
          try {
            if (direct) {
              if (direct.destroyed || direct.writableEnded) return cleanup();
              if (wouldPassBound(direct.writableLength, bytes)) {
                direct.write(resetFrame('the client read too slowly; reconnect or refetch'));
                cleanup();
              } else {
                direct.write(bytes);
              }
            } else if (wouldPassBound(-(controller.desiredSize ?? 0), bytes)) {
              controller.enqueue(resetFrame('the client read too slowly; reconnect or refetch'));
              cleanup();
            } else {
              controller.enqueue(bytes);
            }
          } catch {
            cleanup();
          }
        };
        // Whether the actor may read each project, asked once per project and stream: with a
        // thousand clients, every batch is checked a thousand times.
        const readable = new Map<string | null, boolean>();
        const mayRead = (projectId: string | null) => {
          let may = readable.get(projectId);
          if (may === undefined) readable.set(projectId, (may = can(actor, 'project.read', { projectId })));
          return may;
        };
        const visible = (e: EventRow) => matches(filter, e) && mayRead(e.projectId);
        // The hub's batches come in stream order: once one starts after what was sent (the
        // replay's end), every later one does too, and needs no comparing.
        let caughtUp = false;
        const sendBatch = (batch: HubBatch) => {
          const first = batch.events[0];
          if (!caughtUp && held === null && first && (!sentUpTo || isAfter(first.row, sentUpTo))) caughtUp = true;
          const parts: Uint8Array[] = [];
          for (const { row, bytes } of batch.events) {
            if (!caughtUp && sentUpTo && !isAfter(row, sentUpTo)) continue;
            if (visible(row)) parts.push(bytes);
          }
          const last = batch.events[batch.events.length - 1];
          if (last && (!sentUpTo || isAfter(last.row, sentUpTo))) sentUpTo = { xid: last.row.xid, id: last.row.id };
          if (parts.length === 0) return;
          enqueue(parts.length === batch.events.length ? batch.bytes : concatBytes(parts));
        };

        const unsubscribe = hub.subscribe((batch) => (held ? held.push(batch) : sendBatch(batch)));
        const heartbeat = setInterval(() => enqueue(encoder.encode(`: heartbeat ${Date.now()}\n\n`)), HEARTBEAT_MS);
        const recycle = setTimeout(() => cleanup(), MAX_STREAM_MS);
        cleanup = () => {
          if (closed) return;
          closed = true;
          clearInterval(heartbeat);
          clearTimeout(recycle);
          unsubscribe();
          signal.removeEventListener('abort', cleanup);
          try {
            controller.close();
          } catch {
            // already closed by the client
          }
        };
        signal.addEventListener('abort', cleanup);

        enqueue(encoder.encode('retry: 2000\n: connected\n\n'));
        // A client that has seen no event yet is given where it stands: an id
        // field alone sets the EventSource's last event id without dispatching
        // anything, so a reconnect before its first event resumes from here
        // instead of from nowhere (and missing what happened in between).
        const position = lastEventId === null ? hub.position : null;
        if (position !== null) enqueue(encoder.encode(`id: ${position}\n\n`));
        if (lastEventId !== null) {
          const missed = await resume(hub, lastEventId, filter);
          if (missed === 'reset') enqueue(resetFrame('too many events missed, or too old; refetch'));
          else {
            sentUpTo = missed.from;
            if (missed.rows.length > 0) sendBatch(encodeBatch(missed.rows));
          }
        }
        const pending = held;
        held = null;
        pending.forEach(sendBatch);
      },
      // Called only when the queue is empty and Next.js's pipe asks for the next chunk —
      // which it does once its previous write is done: every byte enqueued is in the socket.
      pull: socket
        ? () => {
            if (!closed) direct = socket;
          }
        : undefined,
      cancel() {
        cleanup();
      },
    },
    // No queue wanted: the bound is on what is queued (STREAM_BUFFER_BYTES), and
    // pull must mean "the reader has taken everything".
    { highWaterMark: 0, size: (chunk) => chunk.byteLength },
  );
}

async function resume(hub: EventHub, lastEventId: number, filter: EventFilter) {
  const from = await hub.resumeCursor(lastEventId);
  if (!from) return 'reset';
  const rows = await hub.replay(from, filter);
  return rows === 'reset' ? 'reset' : { from, rows };
}

export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: without it the stream is gzipped and buffered.
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};
