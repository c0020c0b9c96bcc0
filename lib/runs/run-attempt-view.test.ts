import { describe, expect, it } from 'vitest';
import type { AttemptRow, ItemRow } from './load';
import { itemsAtRunAttempt } from './run-attempt-view';

const item = (id: string, status: string) => ({ id, status }) as unknown as ItemRow;
const attempt = (n: number, runAttempt: number, status: string) => ({ id: `${n}`, number: n, runAttempt, status }) as unknown as AttemptRow;

describe('a run as it stood in each run attempt', () => {
  it('shows earlier run attempts from their attempts and the current one live', () => {
    const items = [item('build', 'succeeded'), item('deploy', 'running'), item('notify', 'pending')];
    const attempts = new Map([
      ['build', [attempt(1, 1, 'succeeded')]],
      ['deploy', [attempt(1, 1, 'failed'), attempt(2, 2, 'running')]],
    ]);
    const first = itemsAtRunAttempt(items, attempts, 1, 2);
    expect([...first.values()].map((v) => [v.status, v.attempts])).toEqual([
      ['succeeded', 1],
      ['failed', 1],
      ['skipped', 0],
    ]);
    const now = itemsAtRunAttempt(items, attempts, 2, 2);
    expect([...now.values()].map((v) => [v.status, v.attempts])).toEqual([
      ['succeeded', 1],
      ['running', 2],
      ['pending', 0],
    ]);
  });
});
