'use client';

import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { paths } from '@/lib/paths';
import { viewKey, viewUrl, type ViewKey } from '@/lib/query-keys';
import type { ViewData, ViewName, ViewParams } from '@/lib/views/registry';
import { useConnectionState } from './live-events';

/** While the event stream is down, views on screen are polled this often. */
export const POLL_MS = 5000;

async function fetchView<N extends ViewName>(key: ViewKey<N>, signal: AbortSignal): Promise<ViewData<N>> {
  const response = await fetch(viewUrl(key), { signal, headers: { accept: 'application/json' } });
  if (response.status === 401) {
    window.location.assign(paths.signIn(window.location.pathname + window.location.search));
  }
  if (!response.ok) throw new Error(`Could not refresh this page (${response.status}).`);
  return (await response.json()) as ViewData<N>;
}

/**
 * A page's data from the query cache: seeded by the server's first render
 * (`initial`, the same loader), refetched when live events touch it, and
 * polled only while the stream is down (a finished run may be retried by
 * someone else meanwhile).
 */
export function useView<N extends ViewName>(name: N, params: ViewParams<N>, initial: ViewData<N>): ViewData<N> {
  const state = useConnectionState();
  const polling = state === 'reconnecting' || state === 'offline';
  const { data } = useQuery({
    queryKey: viewKey(name, params),
    queryFn: ({ queryKey, signal }) => fetchView(queryKey, signal),
    initialData: initial,
    refetchInterval: polling ? POLL_MS : false,
  });
  return data as ViewData<N>; // never undefined: initialData seeds it
}

/**
 * The time to show relative times and durations against: the server's time
 * in the first render (so hydration matches), the browser's after, ticking
 * every second while `tick` (something is running).
 */
export function useNow(serverNow: string, tick = false): Date {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    if (!tick) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [tick, serverNow]);
  return new Date(now ?? Date.parse(serverNow));
}

/**
 * Refetches the views an action just changed, without waiting for its events
 * (they follow and find nothing new). `run` covers the run page and its steps.
 */
export function useRefreshViews() {
  const client = useQueryClient();
  return (...keys: (readonly unknown[])[]) => {
    for (const queryKey of keys) void client.invalidateQueries({ queryKey });
  };
}
