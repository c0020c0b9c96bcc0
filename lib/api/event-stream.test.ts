import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attempts, events } from '@/db/schema';
import { GET as eventsRoute } from '@/app/api/events/route';
import { STREAM_BUFFER_BYTES } from './event-stream';
import { REPLAY_LIMIT } from '../event-hub';
import { transact } from '../events';
import { apiClient } from '../testing/api-client';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { collectFrames, type Frame } from '../testing/sse-frames';
import { waitFor } from '../testing/test-db';
import { offerResponse, STREAM_RESPONSE_HEADER } from '../server/stream-responses.mjs';
import { triggerRun } from '../runs/trigger-run';

const PIPELINE = `
name: sse
project: test
steps:
  - key: a
    run: ${countingStep('a')}
  - key: b
    needs: [a]
    run: ${countingStep('b')}
`;

/** Opens /api/events like a browser's EventSource would and collects the frames. */
function openStream(token: string, query: string, lastEventId?: number) {
  const abort = new AbortController();
  const frames: Frame[] = [];
  const named: string[] = [];
  const state: { frames: Frame[]; named: string[]; lastEventId?: number | null } = { frames, named };
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  // Held until close: undici's Request forwards the abort only while the Request itself is alive.
  const request = new Request(`http://reprise.test/api/events${query}`, { headers, signal: abort.signal });
  const ready = eventsRoute(request).then((response) => {
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    return collectFrames(response.body!, state);
  });
  return { frames, named, ready, request, close: () => abort.abort(), lastEventId: () => state.lastEventId ?? null };
}

/**
 * A Node server as scripts/server.mjs runs the app: it offers each event-stream
 * response to the route, then answers with what the route returned, its body
 * copied to the socket by a pipe that, as Next.js's, waits for each write
 * before reading the next chunk. `piped` counts the chunks that pipe carried.
 */
async function socketServer() {
  const piped = { chunks: 0 };
  const server = http.createServer(async (req, res) => {
    offerResponse(req, res);
    const abort = new AbortController();
    res.once('close', () => abort.abort());
    const headers = new Headers(Object.entries(req.headers).map(([k, v]): [string, string] => [k, String(v)]));
    const response = await eventsRoute(new Request(`http://reprise.test${req.url}`, { headers, signal: abort.signal }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    await response.body
      ?.pipeTo(
        new WritableStream({
          write: async (chunk) => {
            piped.chunks++;
            if (!res.write(chunk)) await new Promise((resolve) => res.once('drain', resolve));
          },
          close: () => void res.end(),
        }),
        { signal: abort.signal },
      )
      .catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { base, piped, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** An HTTP client of /api/events: frames as they arrive, and the socket's response to pause. */
function httpStream(base: string, token: string, headers: Record<string, string> = {}) {
  const state = { frames: [] as Frame[], named: [] as string[], ended: false, bytes: 0 };
  const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
    const req = http.get(`${base}/api/events`, { headers: { authorization: `Bearer ${token}`, ...headers } }, (res) => {
      const decoder = new TextDecoder();
      let buffer = '';
      res.on('data', (chunk: Buffer) => {
        state.bytes += chunk.byteLength;
        buffer += decoder.decode(chunk, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split('\n')
              .filter((l) => !l.startsWith(':'))
              .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]),
          );
          if (fields.event) state.named.push(fields.event);
          if (fields.id && fields.data) state.frames.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
        }
      });
      res.on('end', () => (state.ended = true));
      res.on('error', () => (state.ended = true));
      resolve(res);
    });
    req.on('error', reject);
  });
  return { state, opened };
}

// Events wait for every older transaction on the server to end, other
// databases' too: on a shared test server that can take a while.
const DELIVERY_MS = 60_000;

describe('GET /api/events', { timeout: 3 * DELIVERY_MS }, () => {
  let f: EngineFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  // A fresh database and its migrations take long on a busy machine.
  beforeAll(async () => {
    f = await engineFixture({ 'sse.yaml': PIPELINE });
    api = await apiClient(f.database, f.actor);
    await f.startWorker();
  }, 180_000);
  afterAll(async () => {
    await api.runtime.hub.stop();
    await f.close();
  });

  /** The given events sorted the way every stream must send them. */
  async function streamOrder(ids: number[]) {
    const rows = await f.db.select({ id: events.id, xid: events.xid }).from(events).where(inArray(events.id, ids));
    return rows.sort((a, b) => (a.xid === b.xid ? a.id - b.id : a.xid < b.xid ? -1 : 1)).map((r) => r.id);
  }

  it('401 without identity', async () => {
    const res = await eventsRoute(new Request('http://reprise.test/api/events'));
    expect(res.status).toBe(401);
  });

  it('tells a new stream where it stands, so a reconnect before its first event misses nothing', async () => {
    // Something happened before, and the hub has delivered it: its position is at or past it.
    let delivered = false;
    const unsubscribe = api.runtime.hub.subscribe((batch) => {
      if (batch.events.some((e) => e.row.payload.marker === 'before')) delivered = true;
    });
    await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker: 'before' } }));
    await waitFor('the hub to deliver it', async () => delivered, DELIVERY_MS).finally(unsubscribe);
    const first = openStream(api.token, '');
    try {
      await first.ready;
      await waitFor('the position', async () => first.lastEventId() !== null, DELIVERY_MS);
      expect(first.frames).toEqual([]);
    } finally {
      first.close();
    }
    // While the client is away (a proxy cut it, the stream was recycled), something happens.
    await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker: 'while away' } }));
    const again = openStream(api.token, '', first.lastEventId()!);
    try {
      await again.ready;
      await waitFor(
        'the missed event',
        async () => again.frames.some((fr) => fr.data.data.marker === 'while away'),
        DELIVERY_MS,
      );
      expect(again.frames.some((fr) => fr.data.data.marker === 'before')).toBe(false);
    } finally {
      again.close();
    }
  });

  it('delivers a run’s events in order, and a reconnect with Last-Event-ID misses nothing', async () => {
    const live = openStream(api.token, '');
    await live.ready;
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('sse') });
    await f.waitForRun(run.id);
    const finished = () =>
      live.frames.some(
        (fr) => fr.event === 'run.status_changed' && fr.data.data.status === 'succeeded' && fr.data.run_id === run.id,
      );
    await waitFor('the run to finish on the stream', async () => finished(), DELIVERY_MS);
    const ids = live.frames.map((fr) => fr.id);
    // Stream order is (xid, id): the order in which events became safe to read.
    expect(ids).toEqual(await streamOrder(ids));
    expect(new Set(ids).size).toBe(ids.length);
    const types = live.frames.filter((fr) => fr.data.run_id === run.id).map((fr) => fr.event);
    for (const t of ['run.created', 'run.status_changed', 'attempt.created', 'attempt.started', 'attempt.finished']) {
      expect(types).toContain(t);
    }
    // One event per change: an item's status rides on its attempt's events (item_status), so there is
    // no item.status_changed; and a short step's log is stored by its finish, so log.appended comes only
    // from a step that outlived the log writer's flush interval (200 ms; a busy machine may make it so).
    expect(types).not.toContain('item.status_changed');
    const ran = await f.db.select().from(attempts).where(eq(attempts.runId, run.id));
    const flushedMidRun = live.frames
      .filter((fr) => fr.event === 'log.appended' && fr.data.run_id === run.id)
      .map((fr) => ran.find((a) => a.id === fr.data.data.attempt_id)!);
    for (const attempt of flushedMidRun) {
      expect(attempt.finishedAt!.getTime() - attempt.startedAt!.getTime()).toBeGreaterThanOrEqual(200);
    }
    const finishedItems = live.frames
      .filter((fr) => fr.event === 'attempt.finished' && fr.data.run_id === run.id)
      .map((fr) => fr.data.data.item_status);
    expect(finishedItems).toEqual(['succeeded', 'succeeded']);
    live.close();

    // Resume from the middle: exactly the events after that id, in order.
    const half = Math.floor(ids.length / 2);
    const middle = ids[half];
    const resumed = openStream(api.token, `?run=${run.id}`, middle);
    await resumed.ready;
    const expected = live.frames
      .slice(half + 1)
      .filter((fr) => fr.data.run_id === run.id)
      .map((fr) => fr.id);
    await waitFor('the replay', async () => resumed.frames.length >= expected.length, DELIVERY_MS);
    expect(resumed.frames.map((fr) => fr.id)).toEqual(expected);

    // And it stays live after the replay.
    const again = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('sse') });
    const other = openStream(api.token, `?run=${again.id}`);
    await other.ready;
    await f.waitForRun(again.id);
    await waitFor(
      'the second run on its own stream',
      async () => other.frames.some((fr) => fr.event === 'run.status_changed' && fr.data.data.status === 'succeeded'),
      DELIVERY_MS,
    );
    expect(other.frames.every((fr) => fr.data.run_id === again.id)).toBe(true);
    expect(resumed.frames.every((fr) => fr.data.run_id === run.id)).toBe(true);
    resumed.close();
    other.close();
  });

  it('sends reset when the gap is too old to replay', async () => {
    await transact(f.db, async (tx) => {
      await tx
        .insert(events)
        .values(Array.from({ length: REPLAY_LIMIT + 5 }, () => ({ type: 'log.appended', payload: {} })));
    });
    const stream = openStream(api.token, '', 1);
    await stream.ready;
    await waitFor('reset', async () => stream.named.includes('reset'), DELIVERY_MS);
    stream.close();
  });

  it('many clients receive the same events in the same order', async () => {
    const clients = Array.from({ length: 25 }, () => openStream(api.token, ''));
    await Promise.all(clients.map((c) => c.ready));
    const marker = `fanout-${Date.now()}`;
    // Concurrent writers, so commits land in an order of their own.
    await Promise.all(
      Array.from({ length: 20 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 10; i++) {
            await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker, w, i } }));
          }
        })(),
      ),
    );
    const ours = (c: (typeof clients)[number]) =>
      c.frames.filter((fr) => fr.data.data.marker === marker).map((fr) => fr.id);
    await waitFor(
      'every client to receive all 200 events',
      async () => clients.every((c) => ours(c).length >= 200),
      DELIVERY_MS,
    );
    const first = ours(clients[0]);
    expect(new Set(first).size).toBe(200);
    expect(first).toEqual(await streamOrder(first));
    for (const c of clients) expect(ours(c)).toEqual(first);
    clients.forEach((c) => c.close());
    await waitFor('the hub to let go of the clients', async () => api.runtime.hub.clientCount === 0);
  });

  it('drops a client that stops reading once its buffer passes the bound, with a final reset', async () => {
    const hub = api.runtime.hub;
    const before = hub.clientCount;
    const response = await eventsRoute(
      new Request('http://reprise.test/api/events', { headers: { authorization: `Bearer ${api.token}` } }),
    );
    expect(hub.clientCount).toBe(before + 1);
    // Nobody reads the body while up to 2 MiB of events go by, one hub batch each.
    let delivered = 0;
    const counting = hub.subscribe(() => delivered++);
    const blob = 'x'.repeat(64 * 1024);
    for (let i = 0; i < 2 * (STREAM_BUFFER_BYTES / blob.length) && hub.clientCount > before + 1; i++) {
      await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { blob, i } }));
      await waitFor('the hub to deliver it', async () => delivered > i, DELIVERY_MS);
    }
    counting();
    await waitFor('the hub to drop the client', async () => hub.clientCount === before);
    let queued = 0;
    const named: string[] = [];
    const text = new TextDecoder();
    let tail = '';
    for await (const chunk of response.body!) {
      queued += chunk.byteLength;
      tail = (tail + text.decode(chunk)).slice(-4096);
    }
    for (const m of tail.matchAll(/^event: (.*)$/gm)) named.push(m[1]);
    expect(named[named.length - 1]).toBe('reset');
    // Filled up to the bound, never past it (but for the reset).
    expect(queued).toBeGreaterThan(STREAM_BUFFER_BYTES - 2 * blob.length);
    expect(queued).toBeLessThan(STREAM_BUFFER_BYTES + 1024);
  });

  describe('written to the socket, under our server (scripts/server.mjs)', () => {
    it('sends every event in stream order, past the pipe once started', async () => {
      const server = await socketServer();
      try {
        const hub = api.runtime.hub;
        const before = hub.clientCount;
        const clients = Array.from({ length: 5 }, () => httpStream(server.base, api.token));
        const responses = await Promise.all(clients.map((c) => c.opened));
        expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
        expect(responses[0].headers['content-type']).toMatch(/text\/event-stream/);
        await waitFor('the clients to subscribe', async () => hub.clientCount === before + 5);
        // The pipe has carried the first frames and asked for more: the rest goes to the socket.
        await waitFor('the pipe to hand over', async () => server.piped.chunks >= 5);
        const handedOver = server.piped.chunks;
        const marker = `socket-${Date.now()}`;
        await Promise.all(
          Array.from({ length: 10 }, (_, w) =>
            (async () => {
              for (let i = 0; i < 10; i++) {
                await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker, w, i } }));
              }
            })(),
          ),
        );
        const ours = (c: (typeof clients)[number]) => c.state.frames.filter((fr) => fr.data.data.marker === marker).map((fr) => fr.id);
        await waitFor('every client to receive all 100 events', async () => clients.every((c) => ours(c).length >= 100), DELIVERY_MS);
        const first = ours(clients[0]);
        expect(new Set(first).size).toBe(100);
        expect(first).toEqual(await streamOrder(first));
        for (const c of clients) expect(ours(c)).toEqual(first);
        expect(server.piped.chunks).toBe(handedOver);
        responses.forEach((r) => r.destroy());
        await waitFor('the hub to let go of the clients', async () => hub.clientCount === before);
      } finally {
        await server.close();
      }
    });

    it('a client cannot name a response: the header it sends is replaced', async () => {
      // Another stream's response, filed under an id a client has learnt somehow.
      const offered = ((globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('reprise.streamResponses')] ??= new Map());
      const writes: unknown[] = [];
      offered.set('someone-else', { write: (b: unknown) => writes.push(b), writableLength: 0, destroyed: false, writableEnded: false });
      const server = await socketServer();
      try {
        const before = api.runtime.hub.clientCount;
        const client = httpStream(server.base, api.token, { [STREAM_RESPONSE_HEADER]: 'someone-else' });
        const res = await client.opened;
        expect(res.statusCode).toBe(200);
        await waitFor('the pipe to hand over', async () => server.piped.chunks >= 1 && api.runtime.hub.clientCount === before + 1);
        const marker = `hijack-${Date.now()}`;
        await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { marker } }));
        await waitFor('the event on the client’s own stream', async () => client.state.frames.some((fr) => fr.data.data.marker === marker), DELIVERY_MS);
        expect(writes).toEqual([]);
        expect(offered.has('someone-else')).toBe(true);
        res.destroy();
        await waitFor('the hub to let go of the client', async () => api.runtime.hub.clientCount === before);
      } finally {
        offered.delete('someone-else');
        await server.close();
      }
    });

    it('drops a client that stops reading once the socket holds more than the bound, with a final reset', async () => {
      const server = await socketServer();
      try {
        const hub = api.runtime.hub;
        const before = hub.clientCount;
        const client = httpStream(server.base, api.token);
        const res = await client.opened;
        await waitFor('the pipe to hand over', async () => server.piped.chunks >= 1 && hub.clientCount === before + 1);
        res.pause();
        // The kernel's socket buffers take a few MiB first; then Node's queue passes the bound.
        let delivered = 0;
        const counting = hub.subscribe(() => delivered++);
        const blob = 'x'.repeat(256 * 1024);
        // (The counting listener is one of the hub's clients too.)
        for (let i = 0; i < 400 && hub.clientCount > before + 1; i++) {
          await transact(f.db, async (_tx, sink) => sink.emit({ type: 'log.appended', payload: { blob, i } }));
          await waitFor('the hub to deliver it', async () => delivered > i, DELIVERY_MS);
        }
        counting();
        await waitFor('the hub to drop the client', async () => hub.clientCount === before);
        res.resume();
        await waitFor('the response to end', async () => client.state.ended, DELIVERY_MS);
        expect(client.state.named[client.state.named.length - 1]).toBe('reset');
      } finally {
        await server.close();
      }
    });
  });
});
