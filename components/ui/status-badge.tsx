import { Ban, CheckCircle2, CircleDashed, Clock, Loader2, SkipForward, Unplug, XCircle } from 'lucide-react';

/** The icon of each status, shared by badges and graph nodes. */
export const STATUS_ICON: Record<string, typeof Clock> = {
  pending: CircleDashed,
  queued: Clock,
  running: Loader2,
  succeeded: CheckCircle2,
  failed: XCircle,
  lost: Unplug,
  cancelled: Ban,
  skipped: SkipForward,
};

const STYLES: Record<string, { className: string }> = {
  pending: { className: 'bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-600' },
  queued: { className: 'bg-zinc-100 text-zinc-700 ring-zinc-300 dark:bg-zinc-800 dark:text-zinc-300 dark:ring-zinc-600' },
  running: { className: 'bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-700' },
  succeeded: { className: 'bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-700' },
  failed: { className: 'bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-200 dark:ring-red-700' },
  lost: { className: 'bg-orange-50 text-orange-800 ring-orange-300 dark:bg-orange-950 dark:text-orange-200 dark:ring-orange-700' },
  cancelled: { className: 'bg-amber-50 text-amber-800 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-700' },
  skipped: { className: 'bg-zinc-50 text-zinc-500 dark:text-zinc-400 ring-zinc-200 dark:bg-zinc-900 dark:text-zinc-400 dark:ring-zinc-700' },
};

/** A status as icon + word + colour: never colour alone. */
export function StatusBadge({ status, suffix }: { status: string; suffix?: string }) {
  const style = STYLES[status] ?? STYLES.pending;
  const Icon = STATUS_ICON[status] ?? STATUS_ICON.pending;
  return (
    <span
      className={`inline-flex items-center gap-1 rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset whitespace-nowrap ${style.className}`}
    >
      <Icon aria-hidden className={`size-3.5 ${status === 'running' ? 'animate-spin' : ''}`} />
      {status}
      {suffix ? <span>· {suffix}</span> : null}
    </span>
  );
}
