import { EVENT_TYPES, type LiveEvent } from '../event-types';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';
type Listener = (event: LiveEvent) => void;

/**
 * One EventSource per tab, shared by every component that follows something
 * live. It resumes with the last event id after a drop (the browser sends
 * Last-Event-ID on its own reconnects; a reconnect we start passes it in the
 * URL), and a `reset` tells every listener to refetch.
 */
export class LiveConnection {
  state: ConnectionState = 'connecting';
  private source: EventSource | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<() => void>();
  private lastEventId: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;
  private opened = false;

  start() {
    if (this.source) return;
    const url = this.lastEventId === null ? '/api/events' : `/api/events?last_event_id=${this.lastEventId}`;
    // A stream we open again before any event came has nothing to resume from.
    const resumesNothing = this.opened && this.lastEventId === null;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.setState('live');
      // What the page shows was read on the server before this stream opened:
      // events in between never reach it, so the first opening refetches once,
      // as does one that resumes from nothing. Later openings resume from the
      // last event id (the browser's own reconnects also from the id the
      // server gives a new stream) and miss nothing.
      if (!this.opened || resumesNothing) {
        this.opened = true;
        this.emit({ id: 0, type: 'reset', project_id: null, run_id: null, at: new Date().toISOString(), data: {} });
      }
    };
    source.onerror = () => {
      // The browser retries by itself while the stream is CONNECTING; once it
      // gives up (CLOSED, e.g. a 401 or a proxy cutting it) we retry with backoff.
      if (source.readyState === EventSource.CLOSED) {
        this.source = null;
        this.failures++;
        this.setState(this.failures > 3 ? 'offline' : 'reconnecting');
        this.retryTimer = setTimeout(() => this.start(), Math.min(30_000, 1000 * 2 ** this.failures));
      } else {
        this.setState('reconnecting');
      }
    };
    const dispatch = (message: MessageEvent<string>) => {
      if (message.lastEventId) this.lastEventId = Number(message.lastEventId);
      const event: LiveEvent =
        message.type === 'reset'
          ? { id: 0, type: 'reset', project_id: null, run_id: null, at: new Date().toISOString(), data: {} }
          : (JSON.parse(message.data) as LiveEvent);
      this.emit(event);
    };
    [...EVENT_TYPES, 'reset'].forEach((t) => source.addEventListener(t, dispatch));
  }

  stop() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
  }

  private emit(event: LiveEvent) {
    this.listeners.forEach((l) => l(event));
  }

  subscribe(listener: Listener) {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  onState = (notify: () => void) => {
    this.stateListeners.add(notify);
    return () => void this.stateListeners.delete(notify);
  };

  private setState(state: ConnectionState) {
    if (this.state === state) return;
    this.state = state;
    this.stateListeners.forEach((n) => n());
  }
}
