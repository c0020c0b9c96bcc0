import { diffLines } from 'diff';

/** One line of a unified diff, with its number on each side (null where it is not on that side). */
export interface DiffLine {
  kind: 'same' | 'added' | 'removed';
  text: string;
  old: number | null;
  new: number | null;
}

/** A run of unchanged lines shown folded: "⋯ 40 unchanged lines". */
export interface DiffFold {
  kind: 'fold';
  /** The first line's number in the old text: stable while the texts are. */
  id: number;
  lines: DiffLine[];
}

/** Two texts as one unified, line-numbered diff. */
export function unifiedLines(before: string, after: string): DiffLine[] {
  const lines: DiffLine[] = [];
  let a = 1;
  let b = 1;
  for (const part of diffLines(before, after)) {
    for (const text of part.value.replace(/\n$/, '').split('\n')) {
      if (part.added) lines.push({ kind: 'added', text, old: null, new: b++ });
      else if (part.removed) lines.push({ kind: 'removed', text, old: a++, new: null });
      else lines.push({ kind: 'same', text, old: a++, new: b++ });
    }
  }
  return lines;
}

/**
 * The diff as a reader wants it: each change with `context` unchanged lines
 * either side, and every longer stretch of unchanged lines folded into one
 * (a fold of a single line would hide nothing, so it stays a line). With no
 * change at all, nothing is folded: the whole text is what there is to read.
 */
export function foldUnchanged(lines: DiffLine[], context = 3): (DiffLine | DiffFold)[] {
  if (!lines.some((l) => l.kind !== 'same')) return lines;
  const near = new Array<boolean>(lines.length).fill(false);
  lines.forEach((line, i) => {
    if (line.kind === 'same') return;
    for (let j = Math.max(0, i - context); j <= Math.min(lines.length - 1, i + context); j++) near[j] = true;
  });
  const out: (DiffLine | DiffFold)[] = [];
  let hidden: DiffLine[] = [];
  const flush = () => {
    if (hidden.length > 1) out.push({ kind: 'fold', id: hidden[0].old!, lines: hidden });
    else out.push(...hidden);
    hidden = [];
  };
  lines.forEach((line, i) => {
    if (near[i]) {
      flush();
      out.push(line);
    } else hidden.push(line);
  });
  flush();
  return out;
}
