import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';

export interface FieldError {
  /** JSON Pointer of the offending value ("" for the whole document). */
  path: string;
  message: string;
}

// strict: false accepts the annotations authors commonly write (title,
// examples, format) without failing the whole pipeline file.
const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false });
const cache = new Map<string, ValidateFunction>();

/** Compiles (and caches) a JSON Schema; throws when the schema itself is invalid. */
export function compileSchema(schema: Record<string, unknown>): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = cache.get(key);
  if (!validate) {
    validate = ajv.compile(schema);
    cache.set(key, validate);
  }
  return validate;
}

/** Validates `value` against `schema`; returns the errors, empty when valid. */
export function validateAgainstSchema(schema: Record<string, unknown> | null, value: unknown): FieldError[] {
  if (!schema) return [];
  const validate = compileSchema(schema);
  if (validate(value)) return [];
  return (validate.errors ?? []).map(toFieldError);
}

function toFieldError(e: ErrorObject): FieldError {
  if (e.keyword === 'required') {
    const prop = (e.params as { missingProperty: string }).missingProperty;
    return { path: `${e.instancePath}/${prop}`, message: `is required` };
  }
  if (e.keyword === 'additionalProperties') {
    const prop = (e.params as { additionalProperty: string }).additionalProperty;
    return { path: `${e.instancePath}/${prop}`, message: 'is not allowed by the schema' };
  }
  return { path: e.instancePath, message: e.message ?? 'is invalid' };
}
