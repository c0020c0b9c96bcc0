'use client';

import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import { EVENT_TYPES, type LiveEvent } from '@/lib/event-types';
import { makeQueryClient, syncCacheWithEvents } from '@/lib/live/query-cache';


export type ConnectionState = 'connecting' | 'live' | 'reconnecting' | 'offline';
type Listener = (event: LiveEvent) => void;


/**
 * One EventSource per tab, shared by every component that follows something
 * live. It resumes with the last event id after a drop (the browser sends
 * Last-Event-ID on its own reconnects; a reconnect we start passes it in the
 * URL), and a `reset` tells every listener to refetch.
 */
class LiveConnection {
  state: ConnectionState = 'connecting';
  private source: EventSource | null = null;
  private listeners = new Set<Listener>();
  private stateListeners = new Set<() => void>();
  private lastEventId: number | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private failures = 0;

  start() {
    if (this.source) return;
    const url = this.lastEventId === null ? '/api/events' : `/api/events?last_event_id=${this.lastEventId}`;
    const source = new EventSource(url);
    this.source = source;
    source.onopen = () => {
      this.failures = 0;
      this.setState('live');
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
      this.listeners.forEach((l) => l(event));
    };
    [...EVENT_TYPES, 'reset'].forEach((t) => source.addEventListener(t, dispatch));
  }

  stop() {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.source?.close();
    this.source = null;
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

const LiveContext = createContext<LiveConnection | null>(null);

/** The tab's one event stream and the query cache it keeps current. */
export function LiveEventsProvider({ children }: { children: React.ReactNode }) {
  const [connection] = useState(() => new LiveConnection());
  const [queryClient] = useState(makeQueryClient);
  useEffect(() => {
    const stopSync = syncCacheWithEvents(queryClient, (listener) => connection.subscribe(listener));
    connection.start();
    return () => {
      stopSync();
      connection.stop();
    };
  }, [connection, queryClient]);
  return (
    <QueryClientProvider client={queryClient}>
      <LiveContext.Provider value={connection}>{children}</LiveContext.Provider>
    </QueryClientProvider>
  );
}

function useConnection() {
  const connection = useContext(LiveContext);
  if (!connection) throw new Error('useLiveEvents needs a LiveEventsProvider');
  return connection;
}

/** Calls `handler` for each live event (and for `reset`); the handler may change between renders. */
export function useLiveEvents(handler: Listener, enabled = true) {
  const connection = useConnection();
  const latest = useRef(handler);
  useEffect(() => {
    latest.current = handler;
  });
  useEffect(() => {
    if (!enabled) return;
    return connection.subscribe((e) => latest.current(e));
  }, [connection, enabled]);
}

export function useConnectionState(): ConnectionState {
  const connection = useConnection();
  return useSyncExternalStore(
    connection.onState,
    () => connection.state,
    () => 'connecting',
  );
}
