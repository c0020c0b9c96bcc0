'use client';

import { createContext, useContext, useEffect, useRef, useState, useSyncExternalStore } from 'react';
import { QueryClientProvider } from '@tanstack/react-query';
import type { LiveEvent } from '@/lib/event-types';
import { LiveConnection, type ConnectionState } from '@/lib/live/connection';
import { makeQueryClient, syncCacheWithEvents } from '@/lib/live/query-cache';

export type { ConnectionState };
type Listener = (event: LiveEvent) => void;


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
