import { Fragment } from 'react';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  items?: Schema;
  anyOf?: Schema[];
  oneOf?: Schema[];
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  minLength?: number;
  default?: unknown;
};

interface Parameter {
  name: string;
  in: string;
  required: boolean;
  schema: Schema;
  description?: string;
}

export interface OpenApiOperation {
  operationId: string;
  tags: string[];
  summary: string;
  description?: string;
  'x-permission'?: string;
  parameters: Parameter[];
  requestBody?: { content: { 'application/json': { schema: Schema } } };
  responses: Record<string, { description: string }>;
}

export interface OpenApiDoc {
  info: { title: string; description: string };
  servers: { url: string }[];
  paths: Record<string, Record<string, OpenApiOperation>>;
}

const METHOD_STYLE: Record<string, string> = {
  get: 'bg-sky-50 text-sky-800 ring-sky-300 dark:bg-sky-950 dark:text-sky-200 dark:ring-sky-700',
  post: 'bg-emerald-50 text-emerald-800 ring-emerald-300 dark:bg-emerald-950 dark:text-emerald-200 dark:ring-emerald-700',
  put: 'bg-amber-50 text-amber-800 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-700',
  patch: 'bg-amber-50 text-amber-800 ring-amber-300 dark:bg-amber-950 dark:text-amber-200 dark:ring-amber-700',
  delete: 'bg-red-50 text-red-800 ring-red-300 dark:bg-red-950 dark:text-red-200 dark:ring-red-700',
};

/** A JSON Schema in a few words: `string (uuid)`, `viewer | operator`, `array of string`. */
export function describeType(schema: Schema | undefined): string {
  if (!schema) return 'any';
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return alternatives.map(describeType).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.join(' | ') : schema.type;
  if (type === 'array') return `array of ${describeType(schema.items)}`;
  if (!type) return schema.properties ? 'object' : 'any';
  return schema.format ? `${type} (${schema.format})` : type;
}

function limits(schema: Schema) {
  const parts: string[] = [];
  if (schema.minLength !== undefined) parts.push(`min length ${schema.minLength}`);
  if (schema.maxLength !== undefined) parts.push(`max length ${schema.maxLength}`);
  if (schema.minimum !== undefined) parts.push(`≥ ${schema.minimum}`);
  if (schema.maximum !== undefined) parts.push(`≤ ${schema.maximum}`);
  if (schema.default !== undefined) parts.push(`default ${JSON.stringify(schema.default)}`);
  return parts.join(', ');
}

/** Text with `code` spans, rendered as text nodes only (never as HTML). */
function Prose({ text }: { text: string }) {
  return (
    <>
      {text.split('\n\n').map((paragraph, p) => (
        <p key={p} className="text-sm text-zinc-600 dark:text-zinc-300">
          {paragraph.split(/(`[^`]+`)/).map((part, i) =>
            part.startsWith('`') && part.endsWith('`') ? (
              <code key={i} className="rounded bg-zinc-100 px-1 font-mono text-xs dark:bg-zinc-800">
                {part.slice(1, -1)}
              </code>
            ) : (
              <Fragment key={i}>{part}</Fragment>
            ),
          )}
        </p>
      ))}
    </>
  );
}

const anchor = (id: string) => `op-${id.replace(/[^a-z0-9]+/gi, '-')}`;

function FieldTable({ caption, rows }: { caption: string; rows: { name: string; where?: string; required: boolean; schema: Schema; description?: string }[] }) {
  return (
    <table className="w-full text-left text-sm">
      <caption className="pb-1 text-left text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">{caption}</caption>
      <thead className="sr-only">
        <tr>
          <th scope="col">Name</th>
          <th scope="col">Type</th>
          <th scope="col">Description</th>
        </tr>
      </thead>
      <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
        {rows.map((r) => (
          <tr key={`${r.where}-${r.name}`}>
            <td className="w-56 py-1 pr-3 align-top">
              <code className="font-mono text-xs font-medium">{r.name}</code>
              {r.where ? <span className="ml-1 text-xs text-zinc-500 dark:text-zinc-400">{r.where}</span> : null}
              {r.required ? <span className="ml-1 text-xs text-red-700 dark:text-red-300">required</span> : null}
            </td>
            <td className="w-64 py-1 pr-3 align-top font-mono text-xs text-zinc-600 dark:text-zinc-300">{describeType(r.schema)}</td>
            <td className="py-1 align-top text-xs text-zinc-600 dark:text-zinc-300">
              {[r.description ?? r.schema.description, limits(r.schema)].filter(Boolean).join(' — ')}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The OpenAPI document for people: operations by tag, each with who may call it, its inputs and its answers. */
export function ApiReference({ doc }: { doc: OpenApiDoc }) {
  const operations = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
  const tags = [...new Set(operations.map((o) => o.op.tags[0] ?? 'other'))];
  return (
    <div className="grid gap-8 lg:grid-cols-[12rem_1fr]">
      <nav aria-label="API areas" className="lg:sticky lg:top-4 lg:self-start">
        <ul className="space-y-1 text-sm">
          {tags.map((tag) => (
            <li key={tag}>
              <a href={`#tag-${tag}`} className="text-sky-700 capitalize hover:underline dark:text-sky-400">
                {tag}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="min-w-0 space-y-10">
        {tags.map((tag) => (
          <section key={tag} aria-labelledby={`tag-${tag}`} className="space-y-4">
            <h2 id={`tag-${tag}`} className="text-xl font-semibold capitalize">
              {tag}
            </h2>
            {operations
              .filter((o) => (o.op.tags[0] ?? 'other') === tag)
              .map(({ path, method, op }) => {
                const body = op.requestBody?.content['application/json'].schema;
                const bodyRows = Object.entries(body?.properties ?? {}).map(([name, schema]) => ({
                  name,
                  required: (body?.required ?? []).includes(name),
                  schema,
                }));
                return (
                  <article
                    key={op.operationId}
                    id={anchor(op.operationId)}
                    className="space-y-3 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm dark:border-zinc-800 dark:bg-zinc-900/60"
                  >
                    <h3 className="flex flex-wrap items-center gap-2">
                      <span className={`rounded px-1.5 py-0.5 font-mono text-xs font-semibold uppercase ring-1 ring-inset ${METHOD_STYLE[method] ?? ''}`}>{method}</span>
                      <code className="break-all font-mono text-sm font-medium">{path}</code>
                      <span className="text-sm text-zinc-600 dark:text-zinc-300">— {op.summary}</span>
                    </h3>
                    <div className="space-y-2">{op.description ? <Prose text={op.description} /> : null}</div>
                    <p className="text-xs text-zinc-500 dark:text-zinc-400">
                      Permission: <code className="font-mono">{op['x-permission'] ?? 'unknown'}</code> · operation{' '}
                      <code className="font-mono">{op.operationId}</code>
                    </p>
                    {op.parameters.length ? (
                      <FieldTable
                        caption="Parameters"
                        rows={op.parameters.map((p) => ({ name: p.name, where: `(${p.in})`, required: p.required, schema: p.schema, description: p.description }))}
                      />
                    ) : null}
                    {bodyRows.length ? <FieldTable caption="JSON body" rows={bodyRows} /> : null}
                    <div>
                      <p className="pb-1 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Responses</p>
                      <ul className="flex flex-wrap gap-x-4 gap-y-1 text-xs text-zinc-600 dark:text-zinc-300">
                        {Object.entries(op.responses).map(([status, r]) => (
                          <li key={status}>
                            <code className={`font-mono font-semibold ${status.startsWith('2') ? 'text-emerald-700 dark:text-emerald-300' : ''}`}>{status}</code> {r.description}
                          </li>
                        ))}
                      </ul>
                    </div>
                  </article>
                );
              })}
          </section>
        ))}
      </div>
    </div>
  );
}
