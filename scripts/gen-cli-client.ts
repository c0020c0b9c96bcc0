/**
 * Writes cli/api.gen.ts, the CLI's API client, from the OpenAPI description
 * the server serves at /api/v1/openapi.json: one typed function per
 * operationId, with its method, path template, which input fields go in the
 * path, the query and the body, and the input's type converted from the
 * document's JSON Schemas. The CLI sends nothing else, so a field renamed in a
 * declaration breaks the CLI's typecheck instead of its users.
 *
 *   node --import tsx scripts/gen-cli-client.ts          # writes cli/api.gen.ts
 *   node --import tsx scripts/gen-cli-client.ts --check  # exits 1 when it is stale
 *
 * openapi-typescript would do the schema part but needs TypeScript 5; the
 * declarations use a small subset of JSON Schema, converted here. A keyword
 * outside that subset stops the generator rather than typing it loosely.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: JsonSchema | boolean;
  description?: string;
  [keyword: string]: unknown;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: JsonSchema;
  description?: string;
}

interface OpenApiOperation {
  operationId: string;
  summary?: string;
  description?: string;
  'x-permission'?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

/** Keywords that only constrain or describe a value: they change no TypeScript type. */
const ANNOTATIONS = new Set([
  '$schema',
  'description',
  'title',
  'default',
  'examples',
  'format',
  'pattern',
  'minLength',
  'maxLength',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
  'propertyNames',
  'readOnly',
  'writeOnly',
  'deprecated',
]);
const STRUCTURE = new Set(['type', 'enum', 'const', 'anyOf', 'oneOf', 'items', 'properties', 'required', 'additionalProperties']);

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const propertyName = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
/** A literal as Prettier would write it (single quotes where that needs no escape). */
const literal = (value: unknown) => {
  const json = JSON.stringify(value);
  return typeof value === 'string' && !/['\\]/.test(json) ? `'${json.slice(1, -1)}'` : json;
};
const indent = (text: string, by: string) => text.replace(/\n/g, `\n${by}`);
const union = (parts: string[]) => {
  const unique = [...new Set(parts)];
  return unique.includes('unknown') ? 'unknown' : unique.join(' | ');
};

/** A doc comment, safe from `*\/` in the text. */
function docComment(lines: string[], pad: string): string {
  const text = lines.filter(Boolean).join('\n\n').replace(/\*\//g, '*\\/');
  if (!text) return '';
  const body = text.split('\n');
  if (body.length === 1) return `${pad}/** ${body[0]} */\n`;
  return `${pad}/**\n${body.map((l) => (l ? `${pad} * ${l}` : `${pad} *`)).join('\n')}\n${pad} */\n`;
}

/** The TypeScript type of a value matching `schema` (the subset the declarations use). */
export function schemaToType(schema: JsonSchema | boolean | undefined, at = '#'): string {
  if (schema === undefined || schema === true) return 'unknown';
  if (schema === false) return 'never';
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !STRUCTURE.has(keyword) && !keyword.startsWith('x-')) {
      throw new Error(`${at}: JSON Schema keyword "${keyword}" is not supported by scripts/gen-cli-client.ts`);
    }
  }
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum) return union(schema.enum.map(literal));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return union(alternatives.map((s, i) => schemaToType(s, `${at}/anyOf/${i}`)));
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  if (types.length === 0) {
    if (schema.properties || schema.additionalProperties !== undefined) return objectType(schema, at);
    return 'unknown';
  }
  return union(
    types.map((type) => {
      switch (type) {
        case 'string':
          return 'string';
        case 'number':
        case 'integer':
          return 'number';
        case 'boolean':
          return 'boolean';
        case 'null':
          return 'null';
        case 'array': {
          const item = schemaToType(schema.items, `${at}/items`);
          return /^[\w.]+$/.test(item) ? `${item}[]` : `Array<${item}>`;
        }
        case 'object':
          return objectType(schema, at);
        default:
          throw new Error(`${at}: JSON Schema type "${type}" is not supported`);
      }
    }),
  );
}

function objectType(schema: JsonSchema, at: string): string {
  const required = new Set(schema.required ?? []);
  const members = Object.entries(schema.properties ?? {}).map(
    ([name, property]) =>
      docComment([property.description ?? ''], '  ') +
      `  ${propertyName(name)}${required.has(name) ? '' : '?'}: ${indent(schemaToType(property, `${at}/properties/${name}`), '  ')};`,
  );
  const extra = schema.additionalProperties;
  if (extra !== false && !(extra === undefined && members.length > 0)) {
    members.push(`  [key: string]: ${schemaToType(extra === undefined ? true : extra, `${at}/additionalProperties`)};`);
  }
  return members.length ? `{\n${members.join('\n')}\n}` : 'Record<string, never>';
}

/** `runs.retry_plan` → `runsRetryPlan`. */
export function functionName(operationId: string): string {
  return operationId
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((part, i) => (i === 0 ? part : part[0].toUpperCase() + part.slice(1)))
    .join('');
}

const typeName = (operationId: string) => {
  const name = functionName(operationId);
  return name[0].toUpperCase() + name.slice(1) + 'Input';
};

const PRELUDE = `// Generated by scripts/gen-cli-client.ts from the OpenAPI description (lib/operations/openapi.ts,
// served at /api/v1/openapi.json). Do not edit: run \`node --import tsx scripts/gen-cli-client.ts\`.
// cli/api.gen.test.ts fails when this file differs from a fresh generation.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Where each field of an operation's input goes: the path template, the query string or the JSON body. */
export interface OperationSpec {
  id: string;
  method: HttpMethod;
  path: string;
  pathParams: readonly string[];
  queryParams: readonly string[];
  bodyParams: readonly string[];
  /** Honours an Idempotency-Key header. */
  idempotent: boolean;
}

export interface CallOptions {
  idempotencyKey?: string;
  lastEventId?: string;
  signal?: AbortSignal;
}

/** Sends one operation's input; what it answers (parsed JSON, or the Response of a stream) is the transport's choice. */
export type Send<R> = (op: OperationSpec, input: object, options?: CallOptions) => Promise<R>;
`;

/** The text of cli/api.gen.ts for an OpenAPI document. */
export function generateClient(doc: OpenApiDocument): string {
  const operations = Object.entries(doc.paths)
    .flatMap(([route, methods]) => Object.entries(methods).map(([method, op]) => ({ route, method: method.toUpperCase(), op })))
    .sort((a, b) => a.op.operationId.localeCompare(b.op.operationId));
  const seen = new Set<string>();
  const out = [PRELUDE];
  for (const { route, method, op } of operations) {
    const fn = functionName(op.operationId);
    if (seen.has(fn)) throw new Error(`two operations are named ${fn}`);
    seen.add(fn);
    const at = `${method} ${route}`;
    const parameters = (op.parameters ?? []).filter((p) => p.in === 'path' || p.in === 'query');
    const body = op.requestBody?.content?.['application/json']?.schema;
    if (op.requestBody && !body) throw new Error(`${at}: only application/json bodies are supported`);
    if (body && body.type !== 'object') {
      throw new Error(`${at}: a body must be a JSON object`);
    }
    const bodyRequired = new Set(body?.required ?? []);
    const fields = [
      ...parameters.map((p) => ({
        name: p.name,
        required: p.in === 'path' || !!p.required,
        type: schemaToType(p.schema, `${at} ${p.in} ${p.name}`),
        description: p.description ?? p.schema?.description ?? '',
        where: p.in,
      })),
      ...Object.entries(body?.properties ?? {}).map(([name, schema]) => ({
        name,
        required: bodyRequired.has(name),
        type: schemaToType(schema, `${at} body ${name}`),
        description: schema.description ?? '',
        where: 'body',
      })),
    ];
    const names = fields.map((f) => f.name);
    if (new Set(names).size !== names.length) throw new Error(`${at}: input field names repeat across path, query and body`);
    const listOf = (where: string) => `[${fields.filter((f) => f.where === where).map((f) => literal(f.name)).join(', ')}]`;
    const input = typeName(op.operationId);
    const members = fields.map(
      (f) => docComment([f.description], '  ') + `  ${propertyName(f.name)}${f.required ? '' : '?'}: ${indent(f.type, '  ')};`,
    );
    const anyRequired = fields.some((f) => f.required);
    out.push(
      '',
      docComment([`\`${op.operationId}\`: ${op.summary ?? ''}`], '') +
        (members.length ? `export interface ${input} {\n${members.join('\n')}\n}\n` : `export type ${input} = Record<string, never>;\n`),
      `export const ${fn}Op: OperationSpec = {`,
      `  id: ${literal(op.operationId)},`,
      `  method: ${literal(method)},`,
      `  path: ${literal(route)},`,
      `  pathParams: ${listOf('path')},`,
      `  queryParams: ${listOf('query')},`,
      `  bodyParams: ${listOf('body')},`,
      `  idempotent: ${(op.parameters ?? []).some((p) => p.in === 'header' && p.name.toLowerCase() === 'idempotency-key')},`,
      `};\n`,
      docComment([op.summary ?? '', op.description ?? ''], '') +
        `export function ${fn}<R>(send: Send<R>, input: ${input}${anyRequired ? '' : ' = {}'}, options?: CallOptions): Promise<R> {`,
      `  return send(${fn}Op, input, options);`,
      `}`,
    );
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n') + '\n';
}

/** The document as the server builds it, from the same declarations as its routes. */
export async function currentDocument(): Promise<OpenApiDocument> {
  const { openApiOp } = await import('../lib/operations/meta');
  return (await openApiOp.run({ origin: 'http://localhost' } as never, {})) as unknown as OpenApiDocument;
}

export const GENERATED_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'api.gen.ts');

async function main() {
  const text = generateClient(await currentDocument());
  if (process.argv.includes('--check')) {
    const current = fs.existsSync(GENERATED_FILE) ? fs.readFileSync(GENERATED_FILE, 'utf8') : '';
    if (current !== text) {
      console.error(`${path.relative(process.cwd(), GENERATED_FILE)} is stale: run node --import tsx scripts/gen-cli-client.ts`);
      process.exit(1);
    }
    return;
  }
  fs.writeFileSync(GENERATED_FILE, text);
  console.log(`wrote ${path.relative(process.cwd(), GENERATED_FILE)}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
