import { paths } from '@/lib/paths';

/** A plain link (no client component), as a run page may list hundreds. */
export function ReplayLink({ runId, stepKey }: { runId: string; stepKey: string }) {
  return (
    <a href={paths.replay(runId, stepKey)} className="text-sm font-medium whitespace-nowrap text-sky-700 hover:underline dark:text-sky-400">
      Replay with edited inputs
    </a>
  );
}
