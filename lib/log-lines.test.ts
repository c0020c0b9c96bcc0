import { describe, expect, it } from 'vitest';
import { toLogLines } from './log-lines';

describe('log lines', () => {
  it('splits chunks into lines, joins lines across chunks and parses colours as data', () => {
    const lines = toLogLines([
      { seq: 1, stream: 'stdout', text: 'one\ntw' },
      { seq: 2, stream: 'stdout', text: 'o\n\u001b[32mgreen\u001b[0m <script>x</script>\n' },
      { seq: 3, stream: 'stderr', text: 'warn' },
    ]);
    expect(lines.map((l) => [l.stream, l.plain])).toEqual([
      ['stdout', 'one'],
      ['stdout', 'two'],
      ['stdout', 'green <script>x</script>'],
      ['stderr', 'warn'],
    ]);
    expect(lines[2].segments[0]).toEqual({ text: 'green', fg: expect.stringMatching(/\d+, \d+, \d+/), bold: false });
  });
});
