import { z } from 'zod';
import { requiredRoleOf } from '../auth/permissions';
import { isMutation, type AnyOperation } from './define';

const jsonSchema = (schema: z.ZodType) =>
  z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input', unrepresentable: 'any' }) as Record<string, unknown> & {
    properties?: Record<string, Record<string, unknown>>;
    required?: string[];
  };

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
    },
  },
};

const errorResponse = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function who(op: AnyOperation) {
  if (op.permission === 'public') return 'No identity needed.';
  if (op.permission === 'signed_in') return 'Any signed-in user or token; what it returns is limited to the projects the caller may read.';
  if (op.permission === 'instance.admin') return 'Instance admins only.';
  return `Needs the \`${requiredRoleOf(op.permission)}\` role in the project (\`${op.permission}\`).`;
}

function parameters(op: AnyOperation) {
  const out: Record<string, unknown>[] = [];
  for (const [location, schema] of [['path', op.params], ['query', op.query]] as const) {
    if (!schema) continue;
    const described = jsonSchema(schema);
    for (const [name, property] of Object.entries(described.properties ?? {})) {
      out.push({
        name,
        in: location,
        required: location === 'path' || (described.required ?? []).includes(name),
        schema: property,
        ...(typeof property.description === 'string' ? { description: property.description } : {}),
      });
    }
  }
  return out;
}

/** The OpenAPI 3.1 description of every declared operation: what `GET /api/v1/openapi.json` serves. */
export function openApiDocument(operations: readonly AnyOperation[], serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const responses: Record<string, unknown> = {
      [String(op.status ?? 200)]: { description: 'Done', content: { 'application/json': { schema: {} } } },
      400: errorResponse('The request is malformed, or the object is in the wrong state'),
      404: errorResponse('Unknown, or in a project the caller may not read'),
    };
    if (op.permission !== 'public') {
      responses[401] = errorResponse('No identity: sign in or send a Bearer token');
      responses[403] = errorResponse("The caller's role does not allow it");
      responses[429] = {
        ...errorResponse('Too many requests for this token or user; wait the seconds in Retry-After'),
        headers: { 'Retry-After': { description: 'Seconds until the limit allows another request', schema: { type: 'integer', minimum: 1 } } },
      };
    }
    if (isMutation(op)) {
      responses[409] = errorResponse('Conflict: a concurrent change, or already done');
      if (op.body) {
        responses[413] = errorResponse('Body larger than 1 MiB');
        responses[415] = errorResponse('Body sent as something other than application/json');
        responses[422] = errorResponse('Invalid inputs, with details: [{ path, message }]');
      }
    }
    paths[op.path] ??= {};
    paths[op.path][op.method.toLowerCase()] = {
      operationId: op.id,
      tags: [op.tag],
      summary: op.summary,
      description: [op.description, who(op)].filter(Boolean).join('\n\n'),
      // Machine-readable too: the API reference page and the CLI show it.
      'x-permission': op.permission,
      parameters: [
        ...parameters(op),
        ...(op.idempotent ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 200 } }] : []),
      ],
      ...(op.body ? { requestBody: { required: false, content: { 'application/json': { schema: jsonSchema(op.body) } } } } : {}),
      responses,
      ...(op.permission === 'public' ? { security: [] } : {}),
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Reprise API',
      version: '1',
      description: 'Pipelines and deployments: trigger, retry, replay, cancel, and read every attempt. JSON in and out, snake_case.',
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token (POST /api/v1/tokens).' },
        session: { type: 'apiKey', in: 'cookie', name: 'authjs.session-token', description: 'The dashboard session.' },
      },
      schemas: { Error: errorSchema },
    },
    security: [{ bearer: [] }, { session: [] }],
    paths,
  };
}
