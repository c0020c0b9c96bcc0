'use client';

import { paths } from '@/lib/paths';
import type { ViewData } from '@/lib/views/registry';
import { useView } from '../live/use-view';
import { DurationChart, formatMs } from './duration-chart';

/**
 * The pipeline's last runs as a duration chart: each bar is a run's first run
 * attempt, measured by the one rule of lib/runs/execution-time.ts (first step
 * start to last step end, never the idle time before a retry). Refetched when
 * a run changes status.
 */
export function PipelineDurations({
  pipelineId,
  initial,
}: {
  pipelineId: string;
  initial: ViewData<'pipeline-durations'>;
}) {
  const view = useView('pipeline-durations', { pipelineId }, initial);
  return (
    <DurationChart
      label="Run durations"
      noun={{ one: 'run', many: 'runs' }}
      summary={view.summary}
      bars={view.points.map((p) => ({
        id: p.runId,
        href: paths.run(p.runId),
        outcome: p.outcome,
        ms: p.executionMs,
        title:
          `Run #${p.number}: ` +
          (p.executionMs === null
            ? 'running'
            : `${p.outcome} in ${formatMs(p.executionMs)}` +
              (p.stepsMs !== null ? ` (${formatMs(p.stepsMs)} in steps)` : '')) +
          (p.attempts > 1 ? `; then retried, ${p.attempts} run attempts, now ${p.status}` : ''),
      }))}
    />
  );
}
