import type { AttemptStatus } from '@/db/schema';

interface AttemptLike {
  id: string;
  number: number;
  kind: string;
  status: AttemptStatus;
  inputs: Record<string, unknown>;
  error: { message: string } | null;
  retryOf: string | null;
}

const FAILED: AttemptStatus[] = ['failed', 'lost'];
const sameJson = (a: unknown, b: unknown) => JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));

/** Objects with sorted keys, so equal inputs compare equal whatever their key order. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

/**
 * For each failed attempt, the first earlier attempt that failed with the very
 * same error ("same error as attempt 1"): a retry that fails the same way is
 * not worth repeating blindly.
 */
export function sameErrorAs(attempts: AttemptLike[]): Map<string, number> {
  const found = new Map<string, number>();
  attempts.forEach((a, i) => {
    if (!FAILED.includes(a.status) || !a.error) return;
    const earlier = attempts.slice(0, i).find((b) => FAILED.includes(b.status) && b.error?.message === a.error!.message);
    if (earlier) found.set(a.id, earlier.number);
  });
  return found;
}

/**
 * A step is flaky when a retry with identical inputs succeeded after a
 * failure: the inputs were fine, something around the step was not.
 */
export function isFlaky<A extends Omit<AttemptLike, 'inputs'>>(
  attempts: A[],
  inputsOf: (a: A) => unknown = (a) => (a as unknown as AttemptLike).inputs,
): boolean {
  const byId = new Map(attempts.map((a) => [a.id, a]));
  return attempts.some((a) => {
    if (a.status !== 'succeeded' || !a.retryOf || (a.kind !== 'retry' && a.kind !== 'auto_retry')) return false;
    const before = byId.get(a.retryOf);
    return !!before && FAILED.includes(before.status) && sameJson(inputsOf(before), inputsOf(a));
  });
}
