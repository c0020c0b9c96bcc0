'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/**
 * Follows a run live: one EventSource on /api/events, and a debounced
 * refresh of the server-rendered page whenever an event for it arrives. The
 * page's data always comes from the same reads as its first render.
 */
export function LiveRefresh({ runId, active }: { runId: string; active: boolean }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const source = new EventSource(`/api/events?run=${encodeURIComponent(runId)}`);
    let timer: ReturnType<typeof setTimeout> | null = null;
    const refresh = () => {
      if (timer) return;
      timer = setTimeout(() => {
        timer = null;
        router.refresh();
      }, 250);
    };
    const types = ['run.status_changed', 'item.status_changed', 'attempt.created', 'attempt.started', 'attempt.finished', 'reset'];
    types.forEach((t) => source.addEventListener(t, refresh));
    return () => {
      if (timer) clearTimeout(timer);
      source.close();
    };
  }, [runId, active, router]);
  return null;
}
