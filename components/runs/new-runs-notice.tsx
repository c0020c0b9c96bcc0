'use client';

import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useLiveEvents } from '../live/live-events';

/**
 * New runs arriving live are announced ("3 new runs") instead of pushing the
 * rows the operator is reading; a click shows them. A null pipeline counts
 * the runs of every pipeline (the all-runs page).
 */
export function NewRunsNotice({ pipelineId, firstPageUrl }: { pipelineId: string | null; firstPageUrl: string }) {
  const router = useRouter();
  const [count, setCount] = useState(0);
  useLiveEvents((event) => {
    if (event.type === 'run.created' && (pipelineId === null || event.data.pipeline_id === pipelineId)) setCount((n) => n + 1);
  });
  if (count === 0) return null;
  return (
    <button
      type="button"
      onClick={() => {
        setCount(0);
        router.push(firstPageUrl);
        router.refresh();
      }}
      className="w-full rounded-md bg-sky-50 px-3 py-2 text-sm font-medium text-sky-800 ring-1 ring-inset ring-sky-200 hover:bg-sky-100 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-800"
    >
      {count} new {count === 1 ? 'run' : 'runs'} — show
    </button>
  );
}
