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
    if (everything) {
      everything = false;
      pending = new Map();
      void client.invalidateQueries();
      return;
    }
    // A view still being fetched keeps its mark and waits for the next round:
    // invalidating it now would cancel that fetch, and a steady stream of
    // events would cancel every one. Marked once it is idle, it is fetched
    // after the events that marked it.
    const waiting = new Map<string, Invalidation>();
    for (const [id, queryKey] of pending) {
      if (client.isFetching({ queryKey }) > 0) waiting.set(id, queryKey);
      else void client.invalidateQueries({ queryKey });
    }
    pending = waiting;
    if (pending.size) timer = setTimeout(flush, COALESCE_MS);
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
