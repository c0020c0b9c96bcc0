'use client';

import { ATTEMPT_KIND_LABEL } from '@/lib/attempts/kinds';
import { paths } from '@/lib/paths';
import type { ViewData } from '@/lib/views/registry';
import { DurationChart, formatMs } from '../pipelines/duration-chart';

/** The step's attempts across the pipeline's recent runs: started → finished, by outcome. */
export function StepDurations({ stepKey, durations }: { stepKey: string; durations: ViewData<'step'>['durations'] }) {
  return (
    <DurationChart
      label="Durations of this step in recent runs"
      noun={{ one: 'attempt', many: 'attempts' }}
      summary={durations.summary}
      bars={durations.points.map((p) => ({
        id: `${p.runId}:${p.number}`,
        href: paths.attempt(p.runId, stepKey, p.number),
        outcome: p.status,
        ms: p.executionMs,
        title: `Run #${p.runNumber}, attempt ${p.number} (${ATTEMPT_KIND_LABEL[p.kind]}): ${p.status}${p.executionMs === null ? '' : `, ${formatMs(p.executionMs)}`}`,
      }))}
    />
  );
}
