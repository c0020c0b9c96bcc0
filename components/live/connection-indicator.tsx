'use client';

import { useConnectionState } from './live-events';

const LOOK = {
  connecting: { dot: 'bg-zinc-400', label: 'connecting' },
  live: { dot: 'bg-emerald-500', label: 'live' },
  reconnecting: { dot: 'bg-amber-500 animate-pulse', label: 'reconnecting' },
  offline: { dot: 'bg-red-500', label: 'offline — polling' },
};

/** Whether the page is following changes live: a dot and a word. */
export function ConnectionIndicator() {
  const state = useConnectionState();
  const look = LOOK[state];
  return (
    <span
      className="flex items-center gap-1.5 text-xs text-zinc-500 dark:text-zinc-400"
      title="Live updates from the server"
      role="status"
      data-connection={state}
    >
      <span aria-hidden className={`size-2 rounded-full ${look.dot}`} />
      {look.label}
    </span>
  );
}
