import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { events } from '@/db/schema';
import { GET as eventsRoute } from '@/app/api/events/route';
import { REPLAY_LIMIT } from '../event-hub';
import { transact } from '../events';
import { apiClient } from '../testing/api-client';
import { countingStep, engineFixture, type EngineFixture } from '../testing/engine-fixture';
import { waitFor } from '../testing/test-db';
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

interface Frame {
  id: number;
  event: string;
  data: { type: string; run_id: string | null; data: Record<string, unknown> };
}

/** Opens /api/events like a browser's EventSource would and collects the frames. */
function openStream(token: string, query: string, lastEventId?: number) {
  const abort = new AbortController();
  const frames: Frame[] = [];
  const named: string[] = [];
  const headers: Record<string, string> = { authorization: `Bearer ${token}` };
  if (lastEventId !== undefined) headers['last-event-id'] = String(lastEventId);
  const ready = eventsRoute(new Request(`http://reprise.test/api/events${query}`, { headers, signal: abort.signal })).then(
    async (response) => {
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
      const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      void (async () => {
        for (;;) {
          const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
          if (done) return;
          buffer += value;
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
            if (fields.event) named.push(fields.event);
            if (fields.id) frames.push({ id: Number(fields.id), event: fields.event, data: JSON.parse(fields.data) });
          }
        }
      })();
    },
  );
  return { frames, named, ready, close: () => abort.abort() };
}

describe('GET /api/events', () => {
  let f: EngineFixture;
  let api: Awaited<ReturnType<typeof apiClient>>;
  beforeAll(async () => {
    f = await engineFixture({ 'sse.yaml': PIPELINE });
    api = await apiClient(f.database, f.actor);
    await f.startWorker();
  });
  afterAll(async () => {
    await api.runtime.hub.stop();
    await f.close();
  });

  it('401 without identity', async () => {
    const res = await eventsRoute(new Request('http://reprise.test/api/events'));
    expect(res.status).toBe(401);
  });

  it('delivers a run’s events in order, and a reconnect with Last-Event-ID misses nothing', async () => {
    const live = openStream(api.token, '');
    await live.ready;
    const run = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('sse') });
    await f.waitForRun(run.id);
    const finished = () =>
      live.frames.some((fr) => fr.event === 'run.status_changed' && fr.data.data.status === 'succeeded' && fr.data.run_id === run.id);
    await waitFor('the run to finish on the stream', async () => finished());
    const ids = live.frames.map((fr) => fr.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    const types = live.frames.filter((fr) => fr.data.run_id === run.id).map((fr) => fr.event);
    for (const t of ['run.created', 'attempt.created', 'attempt.started', 'log.appended', 'attempt.finished', 'item.status_changed']) {
      expect(types).toContain(t);
    }
    live.close();

    // Resume from the middle: exactly the events after that id, in order.
    const middle = ids[Math.floor(ids.length / 2)];
    const resumed = openStream(api.token, `?run=${run.id}`, middle);
    await resumed.ready;
    const expected = live.frames.filter((fr) => fr.id > middle && fr.data.run_id === run.id).map((fr) => fr.id);
    await waitFor('the replay', async () => resumed.frames.length >= expected.length);
    expect(resumed.frames.map((fr) => fr.id)).toEqual(expected);

    // And it stays live after the replay.
    const again = await triggerRun(f.db, f.actor, { pipelineId: await f.pipelineId('sse') });
    const other = openStream(api.token, `?run=${again.id}`);
    await other.ready;
    await f.waitForRun(again.id);
    await waitFor('the second run on its own stream', async () =>
      other.frames.some((fr) => fr.event === 'run.status_changed' && fr.data.data.status === 'succeeded'),
    );
    expect(other.frames.every((fr) => fr.data.run_id === again.id)).toBe(true);
    expect(resumed.frames.every((fr) => fr.data.run_id === run.id)).toBe(true);
    resumed.close();
    other.close();
  });

  it('sends reset when the gap is too old to replay', async () => {
    await transact(f.db, async (tx) => {
      await tx.insert(events).values(Array.from({ length: REPLAY_LIMIT + 5 }, () => ({ type: 'log.appended', payload: {} })));
    });
    const stream = openStream(api.token, '', 1);
    await stream.ready;
    await waitFor('reset', async () => stream.named.includes('reset'));
    stream.close();
  });
});
