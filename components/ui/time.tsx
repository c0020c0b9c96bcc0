type When = Date | string | null | undefined;
const toDate = (when: When) => (when ? (typeof when === 'string' ? new Date(when) : when) : null);

/** "3 min ago", with the absolute time on hover. */
export function RelativeTime({ date, now = new Date() }: { date: When; now?: Date }) {
  const at = toDate(date);
  if (!at) return <span className="text-zinc-400">—</span>;
  return (
    <time dateTime={at.toISOString()} title={absolute(at)}>
      {relative(at, now)}
    </time>
  );
}

/** "2026-11-23 14:05:09 UTC": the hover text of every relative time. */
export function absolute(when: Date | string) {
  return toDate(when)!.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}

export function relative(when: Date | string, now = new Date()) {
  const seconds = Math.round((now.getTime() - toDate(when)!.getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function formatDuration(start: When, end: When, now = new Date()) {
  const from = toDate(start);
  if (!from) return '—';
  const ms = Math.max(0, (toDate(end) ?? now).getTime() - from.getTime());
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
