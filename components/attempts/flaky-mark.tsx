import { Zap } from 'lucide-react';

/** Shown on a step whose retry with identical inputs succeeded after a failure. */
export function FlakyMark() {
  return (
    <span
      className="inline-flex items-center gap-1 rounded-full bg-violet-50 px-2 py-0.5 text-xs font-medium text-violet-800 ring-1 ring-inset ring-violet-300 dark:bg-violet-950 dark:text-violet-200 dark:ring-violet-700"
      title="A retry with the same inputs succeeded after a failure: the step, or something it depends on, is flaky"
    >
      <Zap aria-hidden className="size-3.5" /> flaky
    </span>
  );
}
