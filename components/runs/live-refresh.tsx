'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useRef } from 'react';
import { useConnectionState, useLiveEvents } from '../live/live-events';

const POLL_MS = 5000;

/**
 * Keeps a server-rendered page current: on any event of the run (or a
 * `reset`) the page is refreshed, debounced, so its data always comes from
 * the same reads as its first render. It listens even to a finished run
 * (another operator may retry it); while the stream is down it polls, but
 * only while the run is active.
 */
export function LiveRefresh({ runId, active }: { runId?: string; active: boolean }) {
  const router = useRouter();
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const state = useConnectionState();

  const refresh = () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      router.refresh();
    }, 250);
  };
  useLiveEvents((event) => {
    if (event.type === 'reset' || !runId || event.run_id === runId) {
      if (event.type !== 'log.appended') refresh();
    }
  });

  useEffect(() => {
    if (!active || state === 'live' || state === 'connecting') return;
    const poll = setInterval(() => router.refresh(), POLL_MS);
    return () => clearInterval(poll);
  }, [active, state, router]);

  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return null;
}
