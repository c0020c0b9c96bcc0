/** "3 min ago", with the absolute time on hover. Rendered on the server at request time. */
export function RelativeTime({ date, now = new Date() }: { date: Date | null; now?: Date }) {
  if (!date) return <span className="text-zinc-400">—</span>;
  return (
    <time dateTime={date.toISOString()} title={date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}>
      {relative(date, now)}
    </time>
  );
}

export function relative(date: Date, now = new Date()) {
  const seconds = Math.round((now.getTime() - date.getTime()) / 1000);
  if (seconds < 5) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86400)} d ago`;
}

export function formatDuration(start: Date | null, end: Date | null, now = new Date()) {
  if (!start) return '—';
  const ms = (end ?? now).getTime() - start.getTime();
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 100) / 10;
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
