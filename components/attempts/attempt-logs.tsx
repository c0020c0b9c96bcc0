'use client';

import { useVirtualizer } from '@tanstack/react-virtual';
import { Download, Search } from 'lucide-react';
import { useEffect, useMemo, useRef, useState } from 'react';
import { toLogLines, type LogChunk } from '@/lib/log-lines';
import { useConnectionState, useLiveEvents } from '../live/live-events';
import { POLL_MS } from '../live/use-view';

const ROW_HEIGHT = 18;

/**
 * An attempt's logs: fetched page by page from the API and, while the attempt
 * runs, followed live (each `log.appended` event for it fetches what is new).
 * Colours are drawn from the ANSI codes; text is always rendered as text.
 * Only the visible lines are in the DOM, so 100k lines stay smooth.
 */
export function AttemptLogs({ attemptId, runId, live }: { attemptId: string; runId: string; live: boolean }) {
  const [chunks, setChunks] = useState<LogChunk[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [query, setQuery] = useState('');
  const fetchMoreRef = useRef<(() => void) | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);

  useEffect(() => {
    let after = 0;
    let cancelled = false;
    let fetching: Promise<void> | null = null;
    setChunks([]);
    const fetchMore = () => {
      fetching ??= (async () => {
        try {
          for (;;) {
            const res = await fetch(`/api/v1/attempts/${attemptId}/logs?after=${after}`);
            if (!res.ok) throw new Error(`logs: ${res.status}`);
            const page = (await res.json()) as { items: LogChunk[]; next_after: number };
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

  useLiveEvents((event) => {
    if (event.type === 'reset' || (event.run_id === runId && event.data.attempt_id === attemptId))
      fetchMoreRef.current?.();
  }, live);

  // While the stream is down a running attempt's log is polled; when the
  // attempt finishes, one last read picks up its final lines.
  const connection = useConnectionState();
  const streamDown = connection === 'reconnecting' || connection === 'offline';
  useEffect(() => {
    if (!live || !streamDown) return;
    const poll = setInterval(() => fetchMoreRef.current?.(), POLL_MS);
    return () => clearInterval(poll);
  }, [live, streamDown]);
  const wasLive = useRef(live);
  useEffect(() => {
    if (wasLive.current && !live) fetchMoreRef.current?.();
    wasLive.current = live;
  }, [live]);

  const lines = useMemo(() => toLogLines(chunks), [chunks]);
  const shown = useMemo(() => {
    const q = query.trim().toLowerCase();
    return q ? lines.filter((l) => l.plain.toLowerCase().includes(q)) : lines;
  }, [lines, query]);

  // The line-number column fits the longest number (100,000 lines need six digits).
  const gutter = `${Math.max(3, String(lines.length).length)}ch`;

  const virtualizer = useVirtualizer({
    count: shown.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 20,
  });

  // Follow the tail while running, unless the reader scrolled up.
  useEffect(() => {
    if (live && follow && shown.length) virtualizer.scrollToIndex(shown.length - 1, { align: 'end' });
  }, [live, follow, shown.length, virtualizer]);

  if (error) return <p className="text-sm text-red-700 dark:text-red-300">Could not load the logs ({error}).</p>;
  if (!loaded && chunks.length === 0) {
    return <div className="h-16 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" aria-label="Loading logs" />;
  }
  if (lines.length === 0)
    return <p className="text-sm text-zinc-500 dark:text-zinc-400">{live ? 'No output yet.' : 'No output.'}</p>;

  return (
    <div className="overflow-hidden rounded-md border border-zinc-800 bg-zinc-950">
      <div className="flex items-center gap-3 border-b border-zinc-800 px-2 py-1 text-xs text-zinc-400">
        <label className="flex min-w-0 flex-1 items-center gap-1">
          <Search aria-hidden className="size-3.5 shrink-0" />
          <span className="sr-only">Search the logs</span>
          <input
            type="search"
            value={query}
            onChange={(e) => setQuery(e.target.value)}
            placeholder="Search"
            className="w-full max-w-48 min-w-0 rounded bg-zinc-900 px-2 py-0.5 text-zinc-100 placeholder:text-zinc-500 dark:text-zinc-400 focus:outline-none focus:ring-1 focus:ring-sky-500"
          />
        </label>
        <span className="shrink-0 whitespace-nowrap">
          {query ? `${shown.length} of ${lines.length} lines` : `${lines.length} lines`}
        </span>
        <a
          href={`/api/v1/attempts/${attemptId}/logs?format=text`}
          download
          className="flex shrink-0 items-center gap-1 whitespace-nowrap text-zinc-300 hover:text-white"
        >
          <Download aria-hidden className="size-3.5" /> Download
        </a>
      </div>
      <div
        ref={scroller}
        role="log"
        aria-label="Step output"
        tabIndex={0}
        onScroll={(e) => {
          const el = e.currentTarget;
          setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2);
        }}
        className="max-h-96 overflow-auto font-mono text-xs leading-[18px] text-zinc-100"
      >
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((row) => {
            const line = shown[row.index];
            return (
              <div
                key={row.key}
                data-line={line.n}
                className={`absolute left-0 flex w-full whitespace-pre px-2 ${line.stream === 'stderr' ? 'bg-amber-500/5' : ''}`}
                style={{ top: row.start, height: ROW_HEIGHT }}
              >
                <span
                  aria-hidden
                  className="mr-3 shrink-0 select-none text-right text-zinc-600"
                  style={{ width: gutter }}
                >
                  {line.n}
                </span>
                <span className={line.stream === 'stderr' ? 'text-amber-200' : undefined}>
                  {line.segments.map((s, i) => (
                    <span
                      key={i}
                      style={s.fg ? { color: readableOnDark(s.fg) } : undefined}
                      className={s.bold ? 'font-bold' : undefined}
                    >
                      {s.text}
                    </span>
                  ))}
                </span>
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Terminal colours (red is 187,0,0) are too dark on the log's black: mix them halfway to white. */
function readableOnDark(rgb: string) {
  const [r, g, b] = rgb.split(',').map((v) => Math.round((Number(v) + 255) / 2));
  return `rgb(${r}, ${g}, ${b})`;
}
