import type { Actor } from '../actor';
import { can } from '../auth/permissions';
import { matches, toWire, type EventFilter, type EventHub, type EventRow } from '../event-hub';

const HEARTBEAT_MS = 15_000;
// Streams are recycled now and then (proxies and load balancers drop idle or
// old connections anyway); the browser reconnects with Last-Event-ID and
// misses nothing.
const MAX_STREAM_MS = Number(process.env.REPRISE_SSE_MAX_MS || 15 * 60_000);
const encoder = new TextEncoder();

const frame = (e: EventRow) => `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(toWire(e))}\n\n`;

/**
 * One client's server-sent event stream. It subscribes to the hub before
 * replaying what the client missed (Last-Event-ID), holding live events back
 * until the replay is sent, so the stream is gap-free and in id order; ids at
 * or below the last one sent are dropped.
 */
export function eventStream(hub: EventHub, actor: Actor, filter: EventFilter, lastEventId: number | null, signal: AbortSignal) {
  let cleanup = () => {};
  return new ReadableStream<Uint8Array>({
    async start(controller) {
      let lastSent = lastEventId ?? 0;
      let held: EventRow[] | null = [];
      let closed = false;
      const write = (text: string) => {
        if (closed) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const send = (e: EventRow) => {
        if (e.id <= lastSent || !matches(filter, e) || !can(actor, 'run.read', { projectId: e.projectId ?? undefined })) return;
        lastSent = e.id;
        write(frame(e));
      };
      const unsubscribe = hub.subscribe((e) => (held ? held.push(e) : send(e)));
      const heartbeat = setInterval(() => write(`: heartbeat ${Date.now()}\n\n`), HEARTBEAT_MS);
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

      write('retry: 2000\n: connected\n\n');
      if (lastEventId !== null) {
        const missed = await hub.replay(lastEventId, filter);
        if (missed === 'reset') {
          write(`event: reset\ndata: ${JSON.stringify({ reason: 'too many events missed; refetch' })}\n\n`);
          lastSent = held.length ? held[0].id - 1 : lastSent;
        } else {
          missed.forEach(send);
        }
      }
      const pending = held;
      held = null;
      pending.forEach(send);
    },
    cancel() {
      cleanup();
    },
  });
}

export const EVENT_STREAM_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  // no-transform: without it the stream is gzipped and buffered.
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
};
