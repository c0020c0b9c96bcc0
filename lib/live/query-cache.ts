import { QueryClient } from '@tanstack/react-query';
import type { LiveEvent } from '../event-types';
import { invalidationsFor, type Invalidation } from './invalidations';

/**
 * The tab's query cache. Events keep it fresh, so data is not refetched on a
 * timer or on focus; a view is refetched when an event says it changed.
 */
export function makeQueryClient() {
  return new QueryClient({
    defaultOptions: {
      queries: { staleTime: 60_000, refetchOnWindowFocus: false, retry: 1 },
    },
  });
}

/** How long events are gathered before the views they touched are refetched: a burst costs one fetch. */
export const COALESCE_MS = 100;

/**
 * Feeds live events into the cache: each event marks the views it touches
 * stale, and those on screen are refetched once per burst.
 */
export function syncCacheWithEvents(
  client: QueryClient,
  subscribe: (listener: (event: LiveEvent) => void) => () => void,
) {
  let pending = new Map<string, Invalidation>();
  let everything = false;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const flush = () => {
    timer = null;
    const keys = [...pending.values()];
    const all = everything;
    pending = new Map();
    everything = false;
    if (all) void client.invalidateQueries();
    else for (const queryKey of keys) void client.invalidateQueries({ queryKey });
  };

  const unsubscribe = subscribe((event) => {
    const invalidations = invalidationsFor(event);
    if (invalidations === 'all') everything = true;
    else for (const key of invalidations) pending.set(JSON.stringify(key), key);
    if ((everything || pending.size) && !timer) timer = setTimeout(flush, COALESCE_MS);
  });
  return () => {
    unsubscribe();
    if (timer) clearTimeout(timer);
  };
}
