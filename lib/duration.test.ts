import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration';

describe('parseDuration', () => {
  it('reads every unit, alone and combined', () => {
    expect(parseDuration('500ms')).toBe(500);
    expect(parseDuration('5s')).toBe(5_000);
    expect(parseDuration('10m')).toBe(600_000);
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('7d')).toBe(7 * 86_400_000);
    expect(parseDuration('1d12h')).toBe(36 * 3_600_000);
    expect(parseDuration(' 1m30s ')).toBe(90_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
  });

  it('refuses what is not a duration', () => {
    for (const text of ['', '7', 'd', '7 days', '7w', '-1h', '1h ago']) expect(parseDuration(text), text).toBeNull();
  });
});
