import { afterEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../event-types';
import { LiveConnection } from './connection';

/** The browser's EventSource, reduced to what LiveConnection uses (Node has none). */
class BrowserEventSource {
  static CONNECTING = 0;
  static OPEN = 1;
  static CLOSED = 2;
  static opened: BrowserEventSource[] = [];
  readyState = BrowserEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  onerror: (() => void) | null = null;
  private handlers = new Map<string, (message: MessageEvent<string>) => void>();
  constructor(readonly url: string) {
    BrowserEventSource.opened.push(this);
  }
  addEventListener(type: string, handler: (message: MessageEvent<string>) => void) {
    this.handlers.set(type, handler);
  }
  close() {
    this.readyState = BrowserEventSource.CLOSED;
  }
  open() {
    this.readyState = BrowserEventSource.OPEN;
    this.onopen?.();
  }
  deliver(id: number, type: string) {
    const event = { id, type, project_id: null, run_id: null, at: new Date().toISOString(), data: {} };
    this.handlers.get(type)?.({ type, lastEventId: String(id), data: JSON.stringify(event) } as MessageEvent<string>);
  }
  drop() {
    this.readyState = BrowserEventSource.CLOSED;
    this.onerror?.();
  }
}

const original = globalThis.EventSource;
afterEach(() => {
  globalThis.EventSource = original;
  BrowserEventSource.opened = [];
});

describe('LiveConnection', () => {
  it('refetches everything when the stream first opens: events between the server render and the connection are not lost', () => {
    globalThis.EventSource = BrowserEventSource as unknown as typeof EventSource;
    const connection = new LiveConnection();
    const seen: LiveEvent['type'][] = [];
    connection.subscribe((e) => seen.push(e.type));
    connection.start();
    const [source] = BrowserEventSource.opened;
    expect(seen).toEqual([]);
    source.open();
    expect(seen).toEqual(['reset']);
    source.deliver(7, 'run.status_changed');
    expect(seen).toEqual(['reset', 'run.status_changed']);
    connection.stop();
  });

  it('resumes from the last event after a drop, without refetching everything again', async () => {
    globalThis.EventSource = BrowserEventSource as unknown as typeof EventSource;
    const connection = new LiveConnection();
    const seen: LiveEvent['type'][] = [];
    connection.subscribe((e) => seen.push(e.type));
    connection.start();
    BrowserEventSource.opened[0].open();
    BrowserEventSource.opened[0].deliver(42, 'run.status_changed');
    BrowserEventSource.opened[0].drop();
    await expect.poll(() => BrowserEventSource.opened.length, { timeout: 10_000 }).toBe(2);
    const again = BrowserEventSource.opened[1];
    expect(again.url).toBe('/api/events?last_event_id=42');
    again.open();
    expect(seen).toEqual(['reset', 'run.status_changed']);
    connection.stop();
  });

  it('refetches again when it reopens a stream before any event came: there is nothing to resume from', async () => {
    globalThis.EventSource = BrowserEventSource as unknown as typeof EventSource;
    const connection = new LiveConnection();
    const seen: LiveEvent['type'][] = [];
    connection.subscribe((e) => seen.push(e.type));
    connection.start();
    BrowserEventSource.opened[0].open();
    BrowserEventSource.opened[0].drop();
    await expect.poll(() => BrowserEventSource.opened.length, { timeout: 10_000 }).toBe(2);
    const again = BrowserEventSource.opened[1];
    expect(again.url).toBe('/api/events');
    again.open();
    expect(seen).toEqual(['reset', 'reset']);
    connection.stop();
  });
});
