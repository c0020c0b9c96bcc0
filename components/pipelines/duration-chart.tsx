'use client';

import { useId } from 'react';
import type { DurationSummary } from '@/lib/pipelines/durations';
import { formatDuration } from '../ui/time';

export interface DurationBar {
  id: string;
  href: string;
  /** succeeded, failed, lost, cancelled, running… */
  outcome: string;
  /** null while it runs. */
  ms: number | null;
  /** The bar's tooltip and accessible name: what it is, its outcome and duration. */
  title: string;
}

/** A duration in the words of the rest of the dashboard ("4.2 s", "3 min 5 s", "2 min"). */
export const formatMs = (ms: number) => formatDuration(new Date(0), new Date(ms)).replace(/ min 0 s$/, ' min');

const FILL: Record<string, string> = {
  succeeded: 'fill-emerald-500 dark:fill-emerald-500',
  failed: 'fill-red-500 dark:fill-red-500',
  lost: 'fill-orange-500 dark:fill-orange-500',
  cancelled: 'fill-amber-500 dark:fill-amber-400',
  running: 'fill-sky-400 dark:fill-sky-500',
  queued: 'fill-zinc-400 dark:fill-zinc-500',
};
// Outcomes that are not a success carry a mark under their bar too: never colour alone.
const MARK: Record<string, string> = { failed: '×', lost: '×', cancelled: '–', running: '…' };

/** "median 4.2 s over 12 succeeded · last 3 failed". */
export function summaryText(summary: DurationSummary, noun: { one: string; many: string }) {
  if (!summary.count) return `No ${noun.many} yet.`;
  const parts = [];
  if (summary.medianMs !== null) parts.push(`median ${formatMs(summary.medianMs)} over ${summary.medianOf} ${summary.medianOf === 1 ? noun.one : noun.many}`);
  if (summary.streak) {
    const { count, outcome } = summary.streak;
    parts.push(count === 1 ? `last ${noun.one} ${outcome}` : `last ${count} ${outcome}`);
  }
  return parts.join(' · ') || `${summary.count} ${summary.count === 1 ? noun.one : noun.many}, none finished yet`;
}

const SLOT = 12;
const BAR = 8;
const HEIGHT = 80;
const MARK_H = 12;

/**
 * A small bar chart of recent durations, oldest on the left: each bar's height
 * is its duration, its colour (and the mark under it) its outcome; hovering or
 * focusing a bar names it, and the figure's caption says it in words.
 */
export function DurationChart({
  label,
  bars,
  summary,
  noun,
}: {
  label: string;
  bars: DurationBar[];
  summary: DurationSummary;
  noun: { one: string; many: string };
}) {
  const id = useId();
  const text = summaryText(summary, noun);
  const max = Math.max(1, ...bars.map((b) => b.ms ?? 0));
  const width = Math.max(bars.length, 1) * SLOT;
  const y = (ms: number) => HEIGHT - Math.max(2, (ms / max) * (HEIGHT - 4));
  return (
    <figure
      aria-labelledby={`${id}-caption`}
      className="space-y-1 rounded-lg border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900/60"
      data-duration-chart
    >
      <figcaption id={`${id}-caption`} className="flex flex-wrap items-baseline gap-x-2 text-sm">
        <span className="font-semibold">{label}</span>
        <span className="text-zinc-600 dark:text-zinc-400" data-duration-summary>
          {text}
        </span>
      </figcaption>
      {bars.length ? (
        <div className="flex items-stretch gap-2">
          <div className="flex w-14 shrink-0 flex-col justify-between pb-3 text-right text-[11px] text-zinc-500 tabular-nums dark:text-zinc-400" aria-hidden>
            <span>{formatMs(max)}</span>
            <span>0</span>
          </div>
          <div className="min-w-0 overflow-x-auto">
            <svg width={width} height={HEIGHT + MARK_H} role="list" aria-label={`${label}: ${bars.length} bars, oldest first`} className="block">
              <line x1={0} x2={width} y1={HEIGHT + 0.5} y2={HEIGHT + 0.5} className="stroke-zinc-300 dark:stroke-zinc-700" />
              {summary.medianMs !== null ? (
                <line
                  x1={0}
                  x2={width}
                  y1={y(summary.medianMs)}
                  y2={y(summary.medianMs)}
                  strokeDasharray="3 3"
                  className="stroke-zinc-400 dark:stroke-zinc-500"
                  aria-hidden
                />
              ) : null}
              {bars.map((bar, i) => {
                const top = bar.ms === null ? HEIGHT - 6 : y(bar.ms);
                const x = i * SLOT + (SLOT - BAR) / 2;
                return (
                  <a key={bar.id} href={bar.href} role="listitem" aria-label={bar.title} data-bar={bar.outcome} className="focus-visible:outline-none [&:focus-visible>rect.focus]:stroke-sky-500">
                    <title>{bar.title}</title>
                    {/* A full-height hit area: short bars are still easy to hover. */}
                    <rect className="focus fill-transparent stroke-transparent" strokeWidth={2} x={i * SLOT} y={0} width={SLOT} height={HEIGHT + MARK_H} />
                    <rect
                      x={x}
                      y={top}
                      width={BAR}
                      height={HEIGHT - top}
                      rx={1.5}
                      className={`${FILL[bar.outcome] ?? FILL.queued} ${bar.ms === null ? 'animate-pulse' : ''} hover:opacity-80`}
                    />
                    {MARK[bar.outcome] ? (
                      <text
                        x={i * SLOT + SLOT / 2}
                        y={HEIGHT + MARK_H - 2}
                        textAnchor="middle"
                        aria-hidden
                        className="fill-zinc-600 text-[10px] font-bold dark:fill-zinc-300"
                      >
                        {MARK[bar.outcome]}
                      </text>
                    ) : null}
                  </a>
                );
              })}
            </svg>
          </div>
        </div>
      ) : null}
      {bars.length ? (
        <p className="flex flex-wrap gap-x-3 text-[11px] text-zinc-500 dark:text-zinc-400" aria-hidden>
          <span><span className="mr-1 inline-block size-2 rounded-sm bg-emerald-500" />succeeded</span>
          <span><span className="mr-1 inline-block size-2 rounded-sm bg-red-500" />× failed</span>
          <span><span className="mr-1 inline-block size-2 rounded-sm bg-amber-500" />– cancelled</span>
          <span><span className="mr-1 inline-block size-2 rounded-sm bg-sky-400" />… running</span>
          <span>- - median</span>
        </p>
      ) : null}
    </figure>
  );
}
