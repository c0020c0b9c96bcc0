import fs from 'node:fs';
import { InvalidArgumentError } from 'commander';
import { UsageError } from './errors';

/** Commander's collector for an option given several times. */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function positiveInteger(value: string): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError('expected a whole number, 1 or more.');
  return Number(value);
}

/**
 * `key=value` sets a string; `key:=json` a JSON value (`epochs:=3`,
 * `tags:='["a","b"]'`), as HTTPie does — so `version=1.10` stays the string a
 * person meant and never turns into the number 1.1.
 */
export function parseAssignment(text: string, what = '--param'): [string, unknown] {
  const match = /^([^=:]+)(:?=)([\s\S]*)$/.exec(text);
  if (!match || !match[1].trim())
    throw new UsageError(`${what} ${JSON.stringify(text)}: expected key=value (a string) or key:=json.`);
  const [, key, operator, value] = match;
  if (operator === '=') return [key.trim(), value];
  try {
    return [key.trim(), JSON.parse(value) as unknown];
  } catch {
    throw new UsageError(
      `${what} ${key.trim()}:= takes JSON; ${JSON.stringify(value)} is not (for a string, use ${key.trim()}=…).`,
    );
  }
}

/**
 * What `key=value` means for one property of a JSON Schema: the string as
 * typed, unless the schema says the property is not a string (`replicas` of
 * type integer), when the text is read as JSON (`replicas=3` is the number 3,
 * `dry_run=true` the boolean). Text that is not JSON stays a string, for the
 * server to refuse with the schema's own words.
 */
export function typedBySchema(value: string, property: unknown): unknown {
  if (!property || typeof property !== 'object') return value;
  const declared = (property as { type?: unknown }).type;
  const types = Array.isArray(declared) ? declared : declared === undefined ? [] : [declared];
  if (!types.length || types.includes('string')) return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/**
 * Assignments applied in order over `base` (later ones win). With `schema`
 * (an object's JSON Schema, as a pipeline's params are), `key=value` is typed
 * by the property's declared type: see typedBySchema.
 */
export function applyAssignments(base: Record<string, unknown>, assignments: string[], what: string, schema?: unknown) {
  const properties =
    (schema && typeof schema === 'object'
      ? (schema as { properties?: Record<string, unknown> }).properties
      : undefined) ?? {};
  const result = { ...base };
  for (const text of assignments) {
    const [key, value] = parseAssignment(text, what);
    const typed =
      /^[^=:]+=/.test(text) && typeof value === 'string' && Object.hasOwn(properties, key)
        ? typedBySchema(value, properties[key])
        : value;
    result[key] = typed;
  }
  return result;
}

/** A JSON object from a file (`-` reads standard input). */
export function readJsonObject(file: string, what: string): Record<string, unknown> {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`${what} ${file}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${what} ${file} is not JSON: ${(error as Error).message}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    throw new UsageError(`${what} ${file} must hold a JSON object.`);
  return parsed as Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (text: string) => UUID.test(text);

/** How a run was named on the command line. */
export type RunRef = { kind: 'id'; id: string } | { kind: 'number'; pipeline: string | null; number: number };

/**
 * A run is its id, or its number: `release#12` (number 12 of the pipeline
 * release, `demo/release#12` when names repeat across projects), or `12` /
 * `#12` when only one pipeline has a run 12. Anything else is not a run
 * reference (null): `retry` then reads it as a pipeline name.
 */
export function parseRunRef(text: string): RunRef | null {
  if (isUuid(text)) return { kind: 'id', id: text.toLowerCase() };
  const bare = /^#?(\d{1,9})$/.exec(text);
  if (bare) return { kind: 'number', pipeline: null, number: Number(bare[1]) };
  const qualified = /^(.+)#(\d{1,9})$/.exec(text);
  if (qualified) return { kind: 'number', pipeline: qualified[1], number: Number(qualified[2]) };
  return null;
}
