/**
 * How a pipeline's params JSON Schema becomes a form: one field per top-level
 * property of a simple type (string, number, integer, boolean, or an enum of
 * such values). A schema with anything else (nested objects, arrays,
 * combinators) is edited as JSON instead. Used in the browser: no server imports.
 */

export type ParamKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export interface ParamField {
  name: string;
  kind: ParamKind;
  title: string;
  description: string | null;
  required: boolean;
  default: unknown;
  /** The choices of an enum, in the schema's order. */
  options: (string | number | boolean | null)[];
}

const SIMPLE = new Set(['string', 'number', 'integer', 'boolean']);
/** Keywords a form field can honour (checked by the validator, shown as hints). */
const FIELD_KEYWORDS = new Set([
  'type', 'title', 'description', 'default', 'enum', 'const', 'examples',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'minLength', 'maxLength', 'pattern', 'format', 'readOnly', 'writeOnly', 'deprecated', '$comment',
]);
const OBJECT_KEYWORDS = new Set(['type', 'title', 'description', 'properties', 'required', 'additionalProperties', '$schema', '$id', '$comment', 'examples', 'default']);

/** The fields of a params schema, or null when a form cannot render it (use the JSON editor). No schema: no fields. */
export function paramFields(schema: Record<string, unknown> | null | undefined): ParamField[] | null {
  if (!schema) return [];
  if (Object.keys(schema).some((k) => !OBJECT_KEYWORDS.has(k))) return null;
  if (schema.type !== undefined && schema.type !== 'object') return null;
  if (schema.additionalProperties !== undefined && typeof schema.additionalProperties !== 'boolean') return null;
  const properties = schema.properties ?? {};
  if (!properties || typeof properties !== 'object' || Array.isArray(properties)) return null;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]).filter((r) => typeof r === 'string') : []);
  const fields: ParamField[] = [];
  for (const [name, raw] of Object.entries(properties as Record<string, unknown>)) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return null;
    const prop = raw as Record<string, unknown>;
    if (Object.keys(prop).some((k) => !FIELD_KEYWORDS.has(k))) return null;
    const base = {
      name,
      title: typeof prop.title === 'string' ? prop.title : name,
      description: typeof prop.description === 'string' ? prop.description : null,
      required: required.has(name),
      default: prop.default,
      options: [] as ParamField['options'],
    };
    if (Array.isArray(prop.enum)) {
      if (!prop.enum.every((v) => v === null || ['string', 'number', 'boolean'].includes(typeof v))) return null;
      fields.push({ ...base, kind: 'enum', options: prop.enum as ParamField['options'] });
    } else if (typeof prop.type === 'string' && SIMPLE.has(prop.type)) {
      fields.push({ ...base, kind: prop.type as ParamKind });
    } else {
      return null;
    }
  }
  for (const name of required) if (!fields.some((f) => f.name === name)) return null;
  // The stored schema (jsonb) does not keep the author's order of properties: required first, then by name.
  return fields.sort((a, b) => Number(b.required) - Number(a.required) || a.name.localeCompare(b.name));
}

/** A field's value as the form holds it: text for inputs, a flag for checkboxes, the index of an enum choice. */
export type FieldValues = Record<string, string | boolean>;

/** The form's starting values: each field's default, or the value given. */
export function initialValues(fields: ParamField[], given: Record<string, unknown> = {}): FieldValues {
  const values: FieldValues = {};
  for (const f of fields) {
    const value = f.name in given ? given[f.name] : f.default;
    if (f.kind === 'boolean') values[f.name] = value === true;
    else if (f.kind === 'enum') {
      const at = f.options.findIndex((o) => o === value);
      values[f.name] = at === -1 ? '' : String(at);
    } else values[f.name] = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  }
  return values;
}

/**
 * The params object the form stands for. An empty optional field is left out
 * (the server fills its default); a number field whose text is no number is
 * sent as text, so the schema check names the field rather than guessing.
 */
export function valuesToParams(fields: ParamField[], values: FieldValues): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[f.name];
    if (f.kind === 'boolean') {
      params[f.name] = value === true;
      continue;
    }
    if (typeof value !== 'string' || value === '') {
      if (f.required && f.kind === 'string') params[f.name] = '';
      continue;
    }
    if (f.kind === 'enum') params[f.name] = f.options[Number(value)];
    else if (f.kind === 'number' || f.kind === 'integer') {
      const n = Number(value.trim());
      params[f.name] = value.trim() !== '' && Number.isFinite(n) ? n : value;
    } else params[f.name] = value;
  }
  return params;
}

/** The field a validation error's JSON Pointer is about ("/epochs" → "epochs"), or null for the whole object. */
export function fieldOfPath(path: string): string | null {
  const first = path.split('/')[1];
  return first === undefined || first === '' ? null : first.replace(/~1/g, '/').replace(/~0/g, '~');
}
