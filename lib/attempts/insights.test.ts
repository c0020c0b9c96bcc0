import { describe, expect, it } from 'vitest';
import { isFlaky, sameErrorAs } from './insights';

const attempt = (number: number, over: Partial<Parameters<typeof sameErrorAs>[0][number]> = {}) => ({
  id: `a${number}`,
  number,
  kind: number === 1 ? 'initial' : 'retry',
  status: 'failed' as const,
  inputs: { x: 1, y: 2 },
  error: { message: 'boom' },
  retryOf: number === 1 ? null : `a${number - 1}`,
  ...over,
});

describe('attempt insights', () => {
  it('marks a failure that repeats an earlier one', () => {
    const list = [attempt(1), attempt(2, { error: { message: 'other' } }), attempt(3)];
    expect(sameErrorAs(list)).toEqual(new Map([['a3', 1]]));
  });

  it('calls a step flaky when a retry with the same inputs succeeded', () => {
    expect(isFlaky([attempt(1), attempt(2, { status: 'succeeded', error: null, inputs: { y: 2, x: 1 } })])).toBe(true);
    // a replay with other inputs that succeeds is a fix, not flakiness
    expect(isFlaky([attempt(1), attempt(2, { kind: 'replay', status: 'succeeded', error: null, inputs: { x: 9 } })])).toBe(false);
    expect(isFlaky([attempt(1), attempt(2, { status: 'succeeded', error: null, inputs: { x: 2, y: 2 } })])).toBe(false);
    expect(isFlaky([attempt(1, { status: 'succeeded', error: null })])).toBe(false);
  });
});
