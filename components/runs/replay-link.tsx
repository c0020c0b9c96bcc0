import { useMay } from '../access/may';
import { paths } from '@/lib/paths';

/** A plain link, as a run page may list hundreds; only for readers who may replay. */
export function ReplayLink({ runId, stepKey }: { runId: string; stepKey: string }) {
  if (!useMay().operate) return null;
  return (
    <a href={paths.replay(runId, stepKey)} className="text-sm font-medium whitespace-nowrap text-sky-700 hover:underline dark:text-sky-400">
      Replay with edited inputs
    </a>
  );
}
