import Anser from 'anser';

export interface LogChunk {
  seq: number;
  stream: 'stdout' | 'stderr' | 'system';
  text: string;
}

export interface LogSegment {
  text: string;
  /** "r, g, b" from the ANSI colour codes, or null. */
  fg: string | null;
  bold: boolean;
}

export interface LogLine {
  n: number;
  stream: LogChunk['stream'];
  segments: LogSegment[];
  /** The line without colour codes, for search. */
  plain: string;
}

/**
 * Operating-system commands (ESC ] … BEL or ESC ] … ESC \\): window titles and
 * OSC-8 hyperlinks. Dropped, keeping the text between them: a link's target
 * (javascript:, anything) is never shown as or made into a link.
 */
// eslint-disable-next-line no-control-regex -- the escape sequences are the point
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;

/**
 * Turns stored chunks into display lines: split on newlines (a line may span
 * chunks), OSC sequences dropped, colour codes parsed into segments. Segments
 * are plain text the page renders as text, never markup.
 */
export function toLogLines(chunks: LogChunk[]): LogLine[] {
  const lines: LogLine[] = [];
  let open: { stream: LogChunk['stream']; raw: string } | null = null;
  const close = () => {
    if (!open) return;
    const segments = Anser.ansiToJson(open.raw.replace(OSC, ''), { json: true, remove_empty: true }).map((e) => ({
      text: e.content,
      fg: e.fg || null,
      bold: e.decorations?.includes('bold') ?? false,
    }));
    lines.push({ n: lines.length + 1, stream: open.stream, segments, plain: segments.map((s) => s.text).join('') });
    open = null;
  };
  for (const chunk of chunks) {
    const parts = chunk.text.split('\n');
    parts.forEach((part, i) => {
      if (open && open.stream !== chunk.stream) {
        // An unfinished line of the other stream ends here; an empty one is nothing.
        if (open.raw === '') open = null;
        else close();
      }
      open = open ? { stream: open.stream, raw: open.raw + part } : { stream: chunk.stream, raw: part };
      if (i < parts.length - 1) close();
    });
  }
  if (open && (open as { raw: string }).raw !== '') close();
  return lines;
}
