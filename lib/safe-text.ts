/**
 * Text that PostgreSQL accepts whatever a step printed or wrote.
 *
 * `text` and `jsonb` refuse U+0000, and `jsonb` refuses a lone UTF-16
 * surrogate (JSON.stringify writes it as a `\ud800` escape, which PostgreSQL
 * rejects as invalid Unicode). Either one used to make a log or finish insert
 * fail, and a failed finish left the attempt to be `lost` and run again.
 */

/** Stands where a NUL byte was, so a reader sees that something was there. */
export const NUL_REPLACEMENT = '\u2400';

// Two native scans instead of one regex: several times faster on 64 KiB log
// chunks, and isWellFormed is free on one-byte (Latin-1) strings.
const isUnsafe = (s: string) => s.indexOf('\0') !== -1 || !s.isWellFormed();

/** NUL becomes "␀" and a lone surrogate U+FFFD; any other string is returned as it is. */
export function safeText(s: string): string {
  if (!isUnsafe(s)) return s;
  return s.replaceAll('\0', NUL_REPLACEMENT).toWellFormed();
}

type Container = Record<string, unknown> | unknown[];

/**
 * `value` with safeText applied to every string and object key, at any depth
 * (arrays and plain objects; numbers, booleans, null and other objects are
 * kept). The walk keeps its own stack, so a deeply nested value (outputs a
 * step wrote) cannot overflow the call stack. Returns `value` itself when
 * nothing needed replacing.
 */
export function safeJson<T>(value: T): T {
  if (typeof value === 'string') return safeText(value) as T;
  if (!isContainer(value) || !containsUnsafeText(value)) return value;
  return safeCopy(value) as T;
}

function isContainer(value: unknown): value is Container {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function containsUnsafeText(root: Container): boolean {
  const stack: Container[] = [root];
  const seen = new Set<Container>();
  const unsafeOrQueued = (item: unknown) => {
    if (typeof item === 'string') return isUnsafe(item);
    if (isContainer(item) && !seen.has(item)) {
      seen.add(item);
      stack.push(item);
    }
    return false;
  };
  seen.add(root);
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (Array.isArray(node)) {
      for (const item of node) if (unsafeOrQueued(item)) return true;
    } else {
      for (const key of Object.keys(node)) if (isUnsafe(key) || unsafeOrQueued(node[key])) return true;
    }
  }
  return false;
}

function safeCopy(root: Container): Container {
  // Each container is copied once, so a value shared by two parents (or a
  // cycle, which JSON cannot have but a caller's object might) stays finite.
  const copies = new Map<Container, Container>();
  const pending: [Container, Container][] = [];
  const copyOf = (item: unknown): unknown => {
    if (typeof item === 'string') return safeText(item);
    if (!isContainer(item)) return item;
    let copy = copies.get(item);
    if (!copy) {
      copy = Array.isArray(item) ? new Array<unknown>(item.length) : Object.getPrototypeOf(item) === null ? Object.create(null) as Container : {};
      copies.set(item, copy);
      pending.push([item, copy]);
    }
    return copy;
  };
  const result = copyOf(root) as Container;
  while (pending.length > 0) {
    const [source, target] = pending.pop()!;
    if (Array.isArray(source)) {
      for (let i = 0; i < source.length; i++) (target as unknown[])[i] = copyOf(source[i]);
    } else {
      for (const key of Object.keys(source)) setOwn(target as Record<string, unknown>, safeText(key), copyOf(source[key]));
    }
  }
  return result;
}

/** Plain assignment would set the prototype for a `__proto__` key that JSON.parse made an own property. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown) {
  if (key === '__proto__') Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
