/**
 * Secret inputs (DESIGN §5): an `inputSchema` property marked
 * `"writeOnly": true` or `"x-secret": true` reaches the step process as it
 * is, and leaves Reprise nowhere else — every read shows `MASK` instead, logs,
 * errors and outputs are masked before they are stored, and a replay keeps
 * the old value unless the operator types a new one.
 *
 * Pure functions, with no server import: the replay editor uses them too.
 */

/** What a secret value reads as, everywhere it would be shown. */
export const MASK = '••••';

/** Shorter secret values are not looked for in text: "ab" would mask half the log. */
export const MIN_MASKED_LENGTH = 4;

type Schema = Record<string, unknown>;

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

const isSecretSchema = (s: Schema) => s.writeOnly === true || s['x-secret'] === true;

const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const unescape = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');

/**
 * The JSON Pointers of the secret properties of `schema`, nested objects
 * included (`/auth/token`); `*` stands for every element of an array
 * (`/hooks/*` /token). Branches of allOf, anyOf and oneOf count: a property
 * secret in one of them is treated as secret. `$ref` is not followed.
 */
export function secretPaths(schema: Schema | null | undefined): string[] {
  const found = new Set<string>();
  const walk = (s: unknown, at: string, depth: number) => {
    if (!isObject(s) || depth > 32) return;
    if (at && isSecretSchema(s)) {
      found.add(at);
      return;
    }
    if (isObject(s.properties)) {
      for (const [name, sub] of Object.entries(s.properties)) walk(sub, `${at}/${escape(name)}`, depth + 1);
    }
    if (isObject(s.items)) walk(s.items, `${at}/*`, depth + 1);
    for (const branch of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = s[branch];
      if (Array.isArray(list)) list.forEach((sub) => walk(sub, at, depth + 1));
    }
  };
  walk(schema, '', 0);
  return [...found].sort();
}

/** Calls `visit` with each value found at `pointer` (several when it has `*`) and a setter for it. */
function visitPath(root: unknown, pointer: string, visit: (value: unknown, set: (v: unknown) => void) => void) {
  const segments = pointer.split('/').slice(1).map(unescape);
  const step = (node: unknown, i: number) => {
    const segment = segments[i];
    const last = i === segments.length - 1;
    if (segment === '*' && Array.isArray(node)) {
      node.forEach((_, j) => (last ? visit(node[j], (v) => (node[j] = v)) : step(node[j], i + 1)));
      return;
    }
    if (!isObject(node) || !Object.prototype.hasOwnProperty.call(node, segment)) return;
    if (last) visit(node[segment], (v) => (node[segment] = v));
    else step(node[segment], i + 1);
  };
  if (segments.length) step(root, 0);
}

const clone = <T>(value: T): T => (value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T));

/** A copy of `value` with every secret present in it replaced by MASK. */
export function maskInputs<T>(value: T, schema: Schema | null | undefined): T {
  const paths = secretPaths(schema);
  if (!paths.length || value === null || typeof value !== 'object') return value;
  const copy = clone(value);
  for (const path of paths) visitPath(copy, path, (_, set) => set(MASK));
  return copy;
}

/**
 * Every secret value of `inputs`, as text to look for in logs, errors and
 * outputs: strings as they are (and as they read inside JSON, when that
 * differs), other values as JSON, strings nested in a secret object one by
 * one. Longest first, so a secret containing another is masked whole.
 */
export function secretValues(inputs: unknown, schema: Schema | null | undefined): string[] {
  const values = new Set<string>();
  const add = (text: string) => {
    if (text.length >= MIN_MASKED_LENGTH && text !== MASK) values.add(text);
  };
  const collect = (value: unknown) => {
    if (typeof value === 'string') {
      add(value);
      add(JSON.stringify(value).slice(1, -1));
    } else if (value !== null && value !== undefined) {
      add(JSON.stringify(value));
      if (typeof value === 'object') Object.values(value).forEach(collect);
    }
  };
  for (const path of secretPaths(schema)) visitPath(inputs, path, (value) => collect(value));
  return [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every occurrence of each secret value replaced by MASK. */
export function maskText(text: string, secrets: readonly string[]): string {
  let masked = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_MASKED_LENGTH && masked.includes(secret)) masked = masked.split(secret).join(MASK);
  }
  return masked;
}

/** Masks every string inside a JSON value (keys too): a step's outputs or error. */
export function maskJson<T>(value: T, secrets: readonly string[]): T {
  if (!secrets.length) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return maskText(v, secrets);
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [maskText(k, secrets), walk(x)]));
    return v;
  };
  return walk(value) as T;
}

/**
 * Masks a stream of text that arrives in pieces: a secret split across two
 * pieces is still masked, because the end of a piece that could be the start
 * of a secret is held back until the next piece (or `end`) says what it is.
 */
export class StreamMasker {
  private held = '';

  constructor(private readonly secrets: readonly string[]) {}

  /** The masked text that can be passed on now. */
  write(text: string): string {
    if (!this.secrets.length) return text;
    const masked = maskText(this.held + text, this.secrets);
    const keep = this.possibleStart(masked);
    this.held = masked.slice(masked.length - keep);
    return masked.slice(0, masked.length - keep);
  }

  /** Whatever was held back: the stream ended, so it is not a secret's start. */
  end(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest end of `text` that is a proper start of some secret. */
  private possibleStart(text: string): number {
    let longest = 0;
    for (const secret of this.secrets) {
      for (let n = Math.min(secret.length - 1, text.length); n > longest; n--) {
        if (text.endsWith(secret.slice(0, n))) {
          longest = n;
          break;
        }
      }
    }
    return longest;
  }
}

/**
 * The inputs a replay runs with: a secret the operator left as MASK keeps the
 * previous attempt's value; one they typed replaces it.
 */
export function mergeReplayInputs(
  edited: Record<string, unknown>,
  previous: Record<string, unknown>,
  schema: Schema | null | undefined,
): Record<string, unknown> {
  const paths = secretPaths(schema);
  if (!paths.length) return edited;
  const merged = clone(edited);
  for (const path of paths) {
    const before: unknown[] = [];
    visitPath(previous, path, (value) => before.push(value));
    let i = 0;
    visitPath(merged, path, (value, set) => {
      // Array elements (`*`) are matched by position.
      const old = before[path.includes('*') ? i : 0];
      i++;
      if (value === MASK && old !== undefined) set(clone(old));
    });
  }
  return merged;
}

/** Whether a JSON Pointer (without `*`) names a secret of `schema`, or lies inside one. */
export function isSecretPath(pointer: string, schema: Schema | null | undefined): boolean {
  const segments = pointer.split('/').slice(1);
  return secretPaths(schema).some((path) => {
    const parts = path.split('/').slice(1);
    return (
      parts.length <= segments.length &&
      parts.every((p, i) => (p === '*' ? /^\d+$/.test(segments[i]) : p === segments[i]))
    );
  });
}

export interface MaskedChange {
  path: string;
  before?: unknown;
  after?: unknown;
  /** The change is to a secret: before and after read MASK, and only the fact that it changed is told. */
  secret?: true;
}

/** An inputs diff fit to show and to audit: secret values replaced by MASK, a changed secret marked as such. */
export function maskDiff<C extends { path: string; before?: unknown; after?: unknown }>(
  changes: C[],
  schema: Schema | null | undefined,
): (C & MaskedChange)[] {
  if (!secretPaths(schema).length) return changes;
  return changes.map((change) => {
    const masked: C & MaskedChange = { ...change };
    if (isSecretPath(change.path, schema)) {
      if ('before' in change) masked.before = MASK;
      if ('after' in change) masked.after = MASK;
      masked.secret = true;
      return masked;
    }
    const at = (value: unknown) => {
      // Put the value back at its place in an inputs object, mask that, and take it out again.
      const segments = change.path.split('/').slice(1).map(unescape);
      const root: Record<string, unknown> = {};
      let node = root;
      segments.slice(0, -1).forEach((s) => (node = (node[s] = {}) as Record<string, unknown>));
      node[segments[segments.length - 1]] = value;
      let out: unknown = maskInputs(root, schema);
      for (const s of segments) out = (out as Record<string, unknown>)[s];
      return out;
    };
    if ('before' in change) masked.before = at(change.before);
    if ('after' in change) masked.after = at(change.after);
    return masked;
  });
}

interface AttemptLike {
  inputs: Record<string, unknown>;
  inputOverrides: Record<string, unknown> | null;
  inputDiff: { path: string; before?: unknown; after?: unknown }[] | null;
  outputs: Record<string, unknown> | null;
  error: { message: string } | null;
}

/**
 * An attempt as every read shows it: its secret inputs masked, and their
 * values masked wherever else they could appear (outputs and errors are
 * masked when stored; this also covers what was stored before).
 */
export function maskAttempt<A extends AttemptLike>(attempt: A, schema: Schema | null | undefined): A {
  if (!secretPaths(schema).length) return attempt;
  const secrets = secretValues(attempt.inputs, schema);
  return {
    ...attempt,
    inputs: maskInputs(attempt.inputs, schema),
    inputOverrides: attempt.inputOverrides && maskJson(maskInputs(attempt.inputOverrides, schema), secrets),
    inputDiff: attempt.inputDiff && maskJson(maskDiff(attempt.inputDiff, schema), secrets),
    outputs: maskJson(attempt.outputs, secrets),
    error: maskJson(attempt.error, secrets),
  };
}
