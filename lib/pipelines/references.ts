/**
 * `${{ params.x }}` and `${{ steps.<key>.outputs.<name> }}` references inside
 * step inputs. A string that is exactly one reference takes the referenced
 * value as-is (any JSON type); references inside longer strings are
 * interpolated as text.
 */

const REF = /\$\{\{\s*(.*?)\s*\}\}/g;
const PARAM = /^params\.([A-Za-z_][\w-]*)$/;
const STEP_OUTPUT = /^steps\.([A-Za-z0-9][\w-]*)\.outputs\.([A-Za-z_][\w-]*)$/;

export type Reference =
  | { kind: 'params'; name: string; path: (string | number)[]; text: string }
  | { kind: 'steps'; step: string; output: string; path: (string | number)[]; text: string }
  | { kind: 'invalid'; path: (string | number)[]; text: string };

export function findReferences(value: unknown, path: (string | number)[] = []): Reference[] {
  if (typeof value === 'string') {
    return [...value.matchAll(REF)].map((m) => parseReference(m[1], path, m[0]));
  }
  if (Array.isArray(value)) return value.flatMap((v, i) => findReferences(v, [...path, i]));
  if (value && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) => findReferences(v, [...path, k]));
  }
  return [];
}

function parseReference(expr: string, path: (string | number)[], text: string): Reference {
  const param = expr.match(PARAM);
  if (param) return { kind: 'params', name: param[1], path, text };
  const step = expr.match(STEP_OUTPUT);
  if (step) return { kind: 'steps', step: step[1], output: step[2], path, text };
  return { kind: 'invalid', path, text };
}

export interface ResolutionContext {
  params: Record<string, unknown>;
  outputs: Record<string, Record<string, unknown> | null | undefined>;
}

export class ReferenceError extends Error {}

/** Replaces every reference in `value` with what it names; throws ReferenceError when something is missing. */
export function resolveReferences(value: unknown, ctx: ResolutionContext): unknown {
  if (typeof value === 'string') {
    const whole = value.match(/^\$\{\{\s*(.*?)\s*\}\}$/);
    if (whole) return lookup(whole[1], ctx);
    return value.replace(REF, (_, expr: string) => {
      const found = lookup(expr, ctx);
      return typeof found === 'string' ? found : JSON.stringify(found);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, ctx));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveReferences(v, ctx)]));
  }
  return value;
}

function lookup(expr: string, ctx: ResolutionContext): unknown {
  const param = expr.match(PARAM);
  if (param) {
    if (!(param[1] in ctx.params)) throw new ReferenceError(`parameter "${param[1]}" was not given`);
    return ctx.params[param[1]];
  }
  const step = expr.match(STEP_OUTPUT);
  if (step) {
    const outputs = ctx.outputs[step[1]];
    if (!outputs || !(step[2] in outputs)) {
      throw new ReferenceError(`step "${step[1]}" produced no output "${step[2]}"`);
    }
    return outputs[step[2]];
  }
  throw new ReferenceError(`"${expr}" is not a reference`);
}
