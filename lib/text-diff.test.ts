import { describe, expect, it } from 'vitest';
import { foldUnchanged, unifiedLines } from './text-diff';

const text = (n: number, change?: [number, string]) =>
  Array.from({ length: n }, (_, i) => (change && change[0] === i + 1 ? change[1] : `line ${i + 1}`)).join('\n') + '\n';

describe('a text diff', () => {
  it('numbers each line on both sides, a changed line as removed then added', () => {
    const lines = unifiedLines(text(3), text(3, [2, 'changed']));
    expect(lines.map((l) => [l.kind, l.old, l.new, l.text])).toEqual([
      ['same', 1, 1, 'line 1'],
      ['removed', 2, null, 'line 2'],
      ['added', null, 2, 'changed'],
      ['same', 3, 3, 'line 3'],
    ]);
  });

  it('folds long unchanged stretches, keeping three lines of context around each change', () => {
    const folded = foldUnchanged(unifiedLines(text(40), text(40, [20, 'changed'])));
    const shape = folded.map((item) =>
      item.kind === 'fold' ? `fold ${item.lines.length} from ${item.id}` : `${item.kind} ${item.old ?? item.new}`,
    );
    expect(shape).toEqual([
      'fold 16 from 1',
      'same 17',
      'same 18',
      'same 19',
      'removed 20',
      'added 20',
      'same 21',
      'same 22',
      'same 23',
      'fold 17 from 24',
    ]);
    // Nothing is lost: unfolded, it is the whole diff.
    const unfolded = folded.flatMap((item) => (item.kind === 'fold' ? item.lines : [item]));
    expect(unfolded).toEqual(unifiedLines(text(40), text(40, [20, 'changed'])));
  });

  it('never folds a single line, and folds nothing when nothing changed', () => {
    // Changes at lines 2 and 10 leave only line 6 out of context: one line is shown, not folded.
    const before = text(12);
    const after = text(12, [2, 'a']).replace('line 10\n', 'b\n');
    expect(foldUnchanged(unifiedLines(before, after)).some((item) => item.kind === 'fold')).toBe(false);
    const same = unifiedLines(text(30), text(30));
    expect(foldUnchanged(same)).toEqual(same);
  });
});
