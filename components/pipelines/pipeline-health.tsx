import type { PipelinesView } from '@/lib/views/pipelines';
import { formatDuration } from '../ui/time';

const COLOUR: Record<string, string> = {
  succeeded: 'bg-emerald-500',
  failed: 'bg-red-500',
  cancelled: 'bg-amber-500',
  running: 'bg-sky-500',
  queued: 'bg-zinc-400',
};

/** The recent runs as a strip (oldest left), with success rate (of finished runs; cancelled is not success) and the median execution time of first-try successes, in words. */
export function PipelineHealth({ health }: { health: PipelinesView['pipelines'][number]['health'] }) {
  const strip = [...health.recent].reverse();
  return (
    <div className="flex items-center gap-4 text-xs text-zinc-500 dark:text-zinc-400">
      <div className="flex h-5 items-end gap-0.5" aria-label={`last ${strip.length} runs`}>
        {strip.map((r) => (
          <span key={r.id} title={`#${r.number} ${r.status}`} className={`h-full w-1.5 rounded-sm ${COLOUR[r.status] ?? 'bg-zinc-300'}`} />
        ))}
      </div>
      <span className="w-36" title="Cancelled runs count as not succeeded; running runs are not counted.">
        {health.successRate === null
          ? 'no finished runs'
          : `${Math.round(health.successRate * 100)}% of ${health.finishedCount} finished succeeded`}
      </span>
      <span className="w-32" title="Median time of the recent runs that succeeded on their first attempt: first step start to last step end.">
        {health.medianMs === null ? '' : `median ${formatDuration(new Date(0), new Date(health.medianMs))}`}
      </span>
    </div>
  );
}
