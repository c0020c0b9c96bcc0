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

  it('drops OSC sequences (titles, OSC-8 links) and keeps their text', () => {
    const text = '\u001b]0;window title\u0007before \u001b]8;;javascript:alert(1)\u001b\\click me\u001b]8;;\u001b\\ after\n\u001b]8;;https://x.test\u0007ok\u001b]8;;\u0007\n';
    expect(toLogLines([{ seq: 1, stream: 'stdout', text }]).map((l) => l.plain)).toEqual(['before click me after', 'ok']);
  });
});

