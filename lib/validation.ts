import { Validator, type OutputUnit } from '@cfworker/json-schema';

export interface FieldError {
  /** JSON Pointer of the offending value ("" for the whole document). */
  path: string;
  message: string;
}

/**
 * JSON Schema checks run in the browser (the replay editor) under a CSP
 * without 'unsafe-eval', so the validator interprets schemas instead of
 * compiling them to code. Draft 2020-12, every error reported; `format` is an
 * annotation here, as it was before (authors write it freely, nothing checks it).
 */
const cache = new Map<string, Validator>();

/** Checks (and caches) a JSON Schema; throws, naming the place, when the schema itself is invalid. */
export function compileSchema(schema: Record<string, unknown>): Validator {
  const key = JSON.stringify(schema);
  let validator = cache.get(key);
  if (!validator) {
    checkSchemaShape(schema);
    validator = new Validator(schema, '2020-12', false);
    cache.set(key, validator);
  }
  return validator;
}

/** Validates `value` against `schema`; returns the errors, empty when valid. */
export function validateAgainstSchema(schema: Record<string, unknown> | null, value: unknown): FieldError[] {
  if (!schema) return [];
  const result = compileSchema(schema).validate(value);
  if (result.valid) return [];
  return toFieldErrors(schema, result.errors);
}

/**
 * The validator reports every schema it passed through on the way to a
 * failure ("property x does not match"); a person needs the failures
 * themselves. Inside anyOf/oneOf/not the branches' failures say nothing
 * useful on their own: the combinator's own error stands for them.
 */
function toFieldErrors(schema: Record<string, unknown>, units: OutputUnit[]): FieldError[] {
  const insideBranch = (u: OutputUnit) => /\/(anyOf|oneOf)\/\d+\/|\/not\//.test(u.keywordLocation);
  const kept = units.filter((u) => !insideBranch(u));
  const leaves = kept.filter((u) => !kept.some((other) => other !== u && other.keywordLocation.startsWith(u.keywordLocation + '/')));
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const unit of leaves) {
    if (unit.keyword === 'format') continue;
    const error = describeUnit(schema, unit);
    if (!error) continue;
    const key = `${error.path}\u0000${error.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(error);
  }
  return out;
}

const pointer = (location: string) => location.replace(/^#/, '');
const escape = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');
const quoted = (message: string) => /"((?:[^"\\]|\\.)*)"/.exec(message)?.[1] ?? '';

/** The schema value a keyword location points at (`#/properties/a/minimum` → its number). */
function keywordValue(schema: unknown, location: string): unknown {
  let node = schema;
  for (const raw of pointer(location).split('/').slice(1)) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!node || typeof node !== 'object') return undefined;
    const next = (node as Record<string, unknown>)[segment];
    // A location through a reference continues in the schema it points at.
    node = segment === '$ref' && typeof next === 'string' && next.startsWith('#/') ? keywordValue(schema, next) : next;
  }
  return node;
}

/** Messages in the words the dashboard and the API have always used ("must be >= 1"). */
function describeUnit(schema: Record<string, unknown>, unit: OutputUnit): FieldError | null {
  const at = pointer(unit.instanceLocation);
  const limit = () => keywordValue(schema, unit.keywordLocation);
  switch (unit.keyword) {
    case 'required':
      return { path: `${at}/${escape(quoted(unit.error))}`, message: 'is required' };
    case 'additionalProperties':
    case 'unevaluatedProperties':
      // A `false` schema reports the same property again, as a 'false' unit.
      return { path: `${at}/${escape(quoted(unit.error))}`, message: 'is not allowed by the schema' };
    case 'false':
      return { path: at, message: 'is not allowed by the schema' };
    case 'type': {
      const expected = limit();
      return { path: at, message: `must be ${Array.isArray(expected) ? expected.join(',') : String(expected)}` };
    }
    case 'minimum':
      return { path: at, message: `must be >= ${String(limit())}` };
    case 'maximum':
      return { path: at, message: `must be <= ${String(limit())}` };
    case 'exclusiveMinimum':
      return { path: at, message: `must be > ${String(limit())}` };
    case 'exclusiveMaximum':
      return { path: at, message: `must be < ${String(limit())}` };
    case 'multipleOf':
      return { path: at, message: `must be multiple of ${String(limit())}` };
    case 'minLength':
      return { path: at, message: `must NOT have fewer than ${String(limit())} characters` };
    case 'maxLength':
      return { path: at, message: `must NOT have more than ${String(limit())} characters` };
    case 'pattern':
      return { path: at, message: `must match pattern "${String(limit())}"` };
    case 'enum':
      return { path: at, message: 'must be equal to one of the allowed values' };
    case 'const':
      return { path: at, message: 'must be equal to constant' };
    case 'minItems':
      return { path: at, message: `must NOT have fewer than ${String(limit())} items` };
    case 'maxItems':
      return { path: at, message: `must NOT have more than ${String(limit())} items` };
    case 'uniqueItems':
      return { path: at, message: 'must NOT have duplicate items' };
    case 'minProperties':
      return { path: at, message: `must NOT have fewer than ${String(limit())} properties` };
    case 'maxProperties':
      return { path: at, message: `must NOT have more than ${String(limit())} properties` };
    case 'anyOf':
      return { path: at, message: 'must match a schema in anyOf' };
    case 'oneOf':
      return { path: at, message: 'must match exactly one schema in oneOf' };
    case 'not':
      return { path: at, message: 'must NOT be valid' };
    default:
      return { path: at, message: unit.error.replace(/\.$/, '') || 'is invalid' };
  }
}

const TYPES = new Set(['array', 'boolean', 'integer', 'null', 'number', 'object', 'string']);
const SCHEMA_MAPS = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];
const SCHEMA_ONES = ['not', 'if', 'then', 'else', 'items', 'additionalProperties', 'unevaluatedProperties', 'unevaluatedItems', 'contains', 'propertyNames', 'additionalItems'];
const NUMBERS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'minItems', 'maxItems', 'minProperties', 'maxProperties', 'minContains', 'maxContains'];

/**
 * The mistakes a pipeline author makes (an unknown type, a pattern that is not
 * a regular expression, a keyword given the wrong kind of value), found when
 * the pipeline loads rather than when a step's inputs are checked. Walked with
 * a stack, so a deep schema cannot overflow it.
 */
function checkSchemaShape(root: unknown) {
  const stack: { node: unknown; at: string }[] = [{ node: root, at: '' }];
  while (stack.length) {
    const { node, at } = stack.pop()!;
    if (typeof node === 'boolean') continue;
    if (!node || typeof node !== 'object' || Array.isArray(node)) throw new Error(`${at || '/'} must be a schema (an object or a boolean)`);
    const s = node as Record<string, unknown>;
    const fail = (keyword: string, message: string) => {
      throw new Error(`${at}/${keyword} ${message}`);
    };
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? s.type : [s.type];
      if (!types.length || types.some((t) => typeof t !== 'string' || !TYPES.has(t))) fail('type', `must be one of ${[...TYPES].join(', ')}`);
    }
    if (s.required !== undefined && (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string'))) fail('required', 'must be a list of property names');
    if (s.enum !== undefined && !Array.isArray(s.enum)) fail('enum', 'must be a list');
    if (s.$ref !== undefined) {
      // Only references inside the schema: nothing is fetched, and a dangling one is the author's mistake.
      const ref = s.$ref;
      if (typeof ref !== 'string' || !ref.startsWith('#')) fail('$ref', 'must point inside this schema (#/…)');
      else if (ref.startsWith('#/') && keywordValue(root, ref) === undefined) fail('$ref', `points at nothing: ${ref}`);
    }
    for (const k of NUMBERS) if (s[k] !== undefined && typeof s[k] !== 'number') fail(k, 'must be a number');
    if (s.multipleOf !== undefined && !(typeof s.multipleOf === 'number' && s.multipleOf > 0)) fail('multipleOf', 'must be a number above 0');
    if (s.pattern !== undefined) {
      if (typeof s.pattern !== 'string') fail('pattern', 'must be a regular expression');
      try {
        new RegExp(s.pattern as string, 'u');
      } catch {
        fail('pattern', 'is not a valid regular expression');
      }
    }
    for (const k of SCHEMA_MAPS) {
      if (s[k] === undefined) continue;
      if (!s[k] || typeof s[k] !== 'object' || Array.isArray(s[k])) fail(k, 'must be an object of schemas');
      for (const [name, child] of Object.entries(s[k] as object)) {
        if (k === 'patternProperties') {
          try {
            new RegExp(name, 'u');
          } catch {
            fail(`${k}/${escape(name)}`, 'is not a valid regular expression');
          }
        }
        stack.push({ node: child, at: `${at}/${k}/${escape(name)}` });
      }
    }
    for (const k of SCHEMA_LISTS) {
      if (s[k] === undefined) continue;
      if (!Array.isArray(s[k])) fail(k, 'must be a list of schemas');
      (s[k] as unknown[]).forEach((child, i) => stack.push({ node: child, at: `${at}/${k}/${i}` }));
    }
    for (const k of SCHEMA_ONES) {
      if (s[k] === undefined) continue;
      if (k === 'items' && Array.isArray(s[k])) (s[k] as unknown[]).forEach((child, i) => stack.push({ node: child, at: `${at}/items/${i}` }));
      else stack.push({ node: s[k], at: `${at}/${k}` });
    }
  }
}
