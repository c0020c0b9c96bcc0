'use client';

import { useEffect, useRef, useState } from 'react';
import { NODE_H, NODE_W, type GraphLayout } from '@/lib/runs/graph-geometry';
import { paths } from '@/lib/paths';
import { STATUS_ICON } from '../ui/status-badge';
import { formatDuration } from '../ui/time';

export interface GraphNode {
  key: string;
  title: string;
  status: string;
  attempts: number;
  /** When the running attempt started (running steps only). */
  startedAt: string | null;
  /** The median duration of the step's earlier successes: what its progress bar measures against. */
  medianMs: number | null;
}

const BOX: Record<string, string> = {
  pending: 'border-zinc-300 bg-white text-zinc-700 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-300',
  queued: 'border-zinc-300 bg-white text-zinc-700 dark:border-zinc-600 dark:bg-zinc-900 dark:text-zinc-300',
  running: 'border-sky-400 bg-sky-50 text-sky-900 dark:border-sky-600 dark:bg-sky-950 dark:text-sky-100',
  succeeded:
    'border-emerald-400 bg-emerald-50 text-emerald-900 dark:border-emerald-700 dark:bg-emerald-950 dark:text-emerald-100',
  failed: 'border-red-400 bg-red-50 text-red-900 dark:border-red-700 dark:bg-red-950 dark:text-red-100',
  lost: 'border-orange-400 bg-orange-50 text-orange-900 dark:border-orange-700 dark:bg-orange-950 dark:text-orange-100',
  cancelled: 'border-amber-400 bg-amber-50 text-amber-900 dark:border-amber-700 dark:bg-amber-950 dark:text-amber-100',
  skipped:
    'border-dashed border-zinc-300 bg-zinc-50 text-zinc-500 dark:text-zinc-400 dark:border-zinc-700 dark:bg-zinc-900 dark:text-zinc-400',
};

/**
 * The run's steps as a graph, laid out on the server (lib/runs/graph-layout).
 * Every node says its status with an icon and a word, not only a colour.
 */
export function RunGraph({
  runId,
  nodes,
  layout,
  selected,
  now,
}: {
  runId: string;
  nodes: GraphNode[];
  layout: GraphLayout;
  selected?: string;
  now: Date;
}) {
  const scale = useFitScale(layout.width);
  return (
    <div
      ref={scale.box}
      data-graph-scale={scale.value}
      className="overflow-auto rounded-lg border border-zinc-200 bg-zinc-50/50 p-2 dark:border-zinc-800 dark:bg-zinc-900/40"
    >
      {/* Shrunk to fit beside an open side panel (down to MIN_SCALE; past that it scrolls). */}
      <div style={{ width: layout.width * scale.value, height: layout.height * scale.value }}>
        <div
          className="relative origin-top-left"
          style={{
            width: layout.width,
            height: layout.height,
            transform: scale.value < 1 ? `scale(${scale.value})` : undefined,
          }}
        >
          <svg aria-hidden className="absolute inset-0" width={layout.width} height={layout.height}>
            {layout.edges.map((e) => (
              <polyline
                key={`${e.from}-${e.to}`}
                points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
                className="fill-none stroke-zinc-400 dark:stroke-zinc-600"
                strokeWidth={1.5}
                markerEnd="url(#arrow)"
              />
            ))}
            <defs>
              <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" orient="auto">
                <path d="M0,0 L10,5 L0,10 z" className="fill-zinc-400 dark:fill-zinc-600" />
              </marker>
            </defs>
          </svg>
          {nodes.map((node) => {
            const at = layout.nodes[node.key];
            const elapsedMs = node.startedAt ? now.getTime() - Date.parse(node.startedAt) : null;
            const progress = elapsedMs !== null && node.medianMs ? elapsedMs / node.medianMs : null;
            const box = BOX[node.status] ?? BOX.pending;
            const Icon = STATUS_ICON[node.status] ?? STATUS_ICON.pending;
            return (
              // A plain link (opens the attempt history beside the graph): hundreds of
              // nodes should not each be a component with its own state.
              <a
                key={node.key}
                href={paths.runStep(runId, node.key)}
                data-step={node.key}
                aria-label={`${node.title}: ${node.status}${node.attempts > 1 ? `, ${node.attempts} attempts` : ''}`}
                title={node.title === node.key ? node.title : `${node.title} (${node.key})`}
                className={`absolute flex flex-col justify-center rounded-lg border-2 px-3 text-sm shadow-sm transition hover:shadow-md focus-visible:outline-2 focus-visible:outline-sky-500 ${box} ${selected === node.key ? 'ring-2 ring-sky-500 ring-offset-2 dark:ring-offset-zinc-950' : ''}`}
                style={{ left: at.x - NODE_W / 2, top: at.y - NODE_H / 2, width: NODE_W, height: NODE_H }}
              >
                {/* Two lines before a title is cut; the whole of it is the node's tooltip. */}
                <span className="line-clamp-2 break-words font-medium leading-tight">{node.title}</span>
                <span className="mt-0.5 flex items-center gap-1 text-xs whitespace-nowrap">
                  <Icon aria-hidden className={`size-3.5 ${node.status === 'running' ? 'animate-spin' : ''}`} />
                  {node.status}
                  {node.attempts > 1 ? <span title={`${node.attempts} attempts`}>· ×{node.attempts}</span> : null}
                  {node.startedAt ? <span className="ml-auto">{formatDuration(node.startedAt, null, now)}</span> : null}
                </span>
                {node.status === 'running' ? (
                  <span
                    className="mt-1 h-1 overflow-hidden rounded bg-sky-200 dark:bg-sky-900"
                    role="progressbar"
                    aria-label={`${node.title} progress`}
                    aria-valuemin={0}
                    aria-valuemax={100}
                    aria-valuenow={progress === null ? undefined : Math.round(Math.min(1, progress) * 100)}
                  >
                    <span
                      className={`block h-full bg-sky-500 ${progress === null ? 'w-1/3 animate-pulse' : ''}`}
                      style={progress === null ? undefined : { width: `${Math.min(100, progress * 100)}%` }}
                    />
                  </span>
                ) : null}
              </a>
            );
          })}
        </div>
      </div>
    </div>
  );
}

/** Below this a title is too small to read: the graph scrolls instead. */
const MIN_SCALE = 0.6;

/** How much the graph shrinks to fit the width it has (1 when it fits). */
function useFitScale(graphWidth: number) {
  const box = useRef<HTMLDivElement>(null);
  const [value, setValue] = useState(1);
  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const measure = () => {
      const style = getComputedStyle(element);
      const room = element.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
      const fit = room > 0 ? Math.min(1, room / graphWidth) : 1;
      setValue(Math.max(MIN_SCALE, Math.floor(fit * 100) / 100));
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [graphWidth]);
  return { box, value };
}
