import pc from 'picocolors';

/** Environment variables, as a test may give them. */
export type Env = Record<string, string | undefined>;

export type Colors = ReturnType<typeof pc.createColors>;

/** Colours when standard output is a terminal (NO_COLOR and FORCE_COLOR respected), plain text otherwise. */
export function wantColor(stream: { isTTY?: boolean }, env: Env = process.env): boolean {
  if ('NO_COLOR' in env && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true;
  return !!stream.isTTY && env.TERM !== 'dumb';
}

const STATUS: Record<string, { icon: string; paint: keyof Colors }> = {
  succeeded: { icon: '✓', paint: 'green' },
  failed: { icon: '✗', paint: 'red' },
  lost: { icon: '✗', paint: 'red' },
  running: { icon: '●', paint: 'cyan' },
  queued: { icon: '○', paint: 'yellow' },
  pending: { icon: '·', paint: 'dim' },
  cancelled: { icon: '⊘', paint: 'magenta' },
  skipped: { icon: '–', paint: 'dim' },
};

/** A status as icon and word (never colour alone), coloured when colours are on. */
export function statusLabel(status: string, c: Colors): string {
  const known = STATUS[status] ?? { icon: '?', paint: 'reset' as const };
  const paint = c[known.paint] as (s: string) => string;
  return paint(`${known.icon} ${status}`);
}

// eslint-disable-next-line no-control-regex
const ANSI = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][\s\S]*?(?:\u0007|\u001b\\)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Text from the server (names, titles, reasons, errors) as inert characters: no escape sequence reaches the terminal. */
export const clean = (s: string | number | null | undefined): string => String(s ?? '').replace(ANSI, '').replace(/\r?\n/g, ' ').replace(CONTROL, '');

/**
 * Log text as a step wrote it. To a terminal its colours (SGR) stay and every
 * other escape (titles, links, cursor moves, OSC 8) goes; to a file or pipe,
 * plain text.
 */
export function logText(text: string, keepColour: boolean): string {
  // eslint-disable-next-line no-control-regex
  const stripped = text.replace(ANSI, (sequence) => (keepColour && /^\u001b\[[0-9;]*m$/.test(sequence) ? sequence : ''));
  // eslint-disable-next-line no-control-regex
  return stripped.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001a\u001c-\u001f\u007f]/g, '');
}

/** Rows as columns padded to the widest cell (colour codes not counted). */
export function table(header: string[], rows: string[][], c: Colors): string {
  const widths = header.map((h, i) => Math.max(visibleLength(h), ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat(widths[i] - visibleLength(cell))))
      .join('  ')
      .trimEnd();
  return [c.bold(line(header)), ...rows.map(line)].join('\n');
}

export function duration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '';
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  if (ms < 60_000) return 'just now';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min ago`;
  const h = Math.round(m / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} d ago`;
}

export const between = (from: string | null | undefined, to: string | null | undefined) =>
  from && to ? duration(Date.parse(to) - Date.parse(from)) : '';
