'use client';

import { useEffect, useRef, useState } from 'react';
import { useLiveEvents } from '../live/live-events';

interface Chunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

// Colour codes are dropped: logs are shown as plain text, never as markup.
// eslint-disable-next-line no-control-regex
const stripAnsi = (text: string) => text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '');

/**
 * An attempt's logs, fetched page by page from the API and, while the attempt
 * runs, followed live: each `log.appended` event for it fetches what is new.
 */
export function AttemptLogs({ attemptId, runId, live }: { attemptId: string; runId: string; live: boolean }) {
  const [chunks, setChunks] = useState<Chunk[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const fetchMoreRef = useRef<(() => void) | null>(null);

  useEffect(() => {
    let after = 0;
    let cancelled = false;
    setChunks([]);
    let fetching: Promise<void> | null = null;
    const fetchMore = () => {
      fetching ??= (async () => {
        try {
          for (;;) {
            const res = await fetch(`/api/v1/attempts/${attemptId}/logs?after=${after}`);
            if (!res.ok) throw new Error(`logs: ${res.status}`);
            const page = (await res.json()) as { items: Chunk[]; next_after: number };
            if (cancelled) return;
            if (page.items.length) setChunks((prev) => [...prev, ...page.items]);
            after = page.next_after;
            if (page.items.length < 1000) break;
          }
          setLoaded(true);
        } catch (e) {
          if (!cancelled) setError((e as Error).message);
        } finally {
          fetching = null;
        }
      })();
    };
    fetchMore();
    fetchMoreRef.current = fetchMore;
    return () => {
      cancelled = true;
      fetchMoreRef.current = null;
    };
  }, [attemptId]);

  // New chunks are announced on the tab's one event stream.
  useLiveEvents((event) => {
    if (event.type === 'reset' || (event.run_id === runId && event.data.attempt_id === attemptId)) fetchMoreRef.current?.();
  }, live);

  if (error) return <p className="text-sm text-red-700 dark:text-red-300">Could not load the logs ({error}).</p>;
  if (!loaded && chunks.length === 0) return <div className="h-16 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" aria-label="Loading logs" />;
  if (chunks.length === 0) return <p className="text-sm text-zinc-500">No output.</p>;
  return (
    <pre className="max-h-96 overflow-auto rounded-md bg-zinc-950 p-3 font-mono text-xs leading-relaxed text-zinc-100">
      {chunks.map((c) => (
        <span key={c.seq} className={c.stream === 'stderr' ? 'text-amber-300' : undefined}>
          {stripAnsi(c.text)}
        </span>
      ))}
    </pre>
  );
}
