import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { ago, clean, duration, logText, statusLabel, table, wantColor } from './format';

const plain = pc.createColors(false);
const colour = pc.createColors(true);

describe('colours', () => {
  it('are on for a terminal, off for a pipe, and follow NO_COLOR / FORCE_COLOR', () => {
    expect(wantColor({ isTTY: true }, {})).toBe(true);
    expect(wantColor({ isTTY: false }, {})).toBe(false);
    expect(wantColor({}, {})).toBe(false);
    expect(wantColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });

  it('never say a status by colour alone', () => {
    expect(statusLabel('failed', plain)).toBe('✗ failed');
    expect(statusLabel('succeeded', plain)).toBe('✓ succeeded');
    expect(statusLabel('failed', colour)).toBe('\u001b[31m✗ failed\u001b[39m');
    expect(statusLabel('something-new', plain)).toBe('? something-new');
  });
});

describe('text from the server', () => {
  it('reaches the terminal inert: no escape sequence, no control character, one line', () => {
    expect(clean('deploy\u001b]8;;http://evil\u0007click\u001b]8;;\u0007 \u001b[2Jnow\r\nthen\u0007')).toBe('deployclick now then');
    expect(clean(null)).toBe('');
  });

  it('keeps a log\'s colours for a terminal only, and drops every other escape', () => {
    const log = '\u001b[32mok\u001b[0m \u001b]0;title\u0007\u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\ \u001b[2K\u0008done\n';
    expect(logText(log, true)).toBe('\u001b[32mok\u001b[0m link done\n');
    expect(logText(log, false)).toBe('ok link done\n');
  });
});

it('tables pad columns by what is visible', () => {
  const text = table(['A', 'STATUS', 'C'], [['x', statusLabel('failed', colour), 'end'], ['long', 'ok', '']], plain);
  // eslint-disable-next-line no-control-regex
  const lines = text.split('\n').map((l) => l.replace(/\u001b\[[0-9;]*m/g, ''));
  expect(lines).toEqual(['A     STATUS    C', 'x     ✗ failed  end', 'long  ok']);
});

it('durations and ages read as a person would say them', () => {
  expect(duration(420)).toBe('420 ms');
  expect(duration(5_300)).toBe('5.3 s');
  expect(duration(42_000)).toBe('42 s');
  expect(duration(213_000)).toBe('3 min 33 s');
  expect(duration(2 * 3_600_000 + 5 * 60_000)).toBe('2 h 5 min');
  const now = Date.parse('2026-11-24T12:00:00Z');
  expect(ago('2026-11-24T11:59:30Z', now)).toBe('just now');
  expect(ago('2026-11-24T11:00:00Z', now)).toBe('1 h ago');
  expect(ago('2026-11-24T09:00:00Z', now)).toBe('3 h ago');
  expect(ago('2026-11-20T12:00:00Z', now)).toBe('4 d ago');
});
