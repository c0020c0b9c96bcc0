import { z } from 'zod';
import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { assertCan, requiredRoleOf, type Permission } from '../auth/permissions';
import { DomainError } from '../errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** What a door hands an operation besides its input. */
export interface OperationContext {
  db: Db;
  actor: Actor;
  /** Where html_url links point (lib/paths.ts publicOrigin). */
  origin: string;
  /** The HTTP request, for operations that answer with a stream or a file; null through a server action. */
  request: Request | null;
  /** The project the door authorized the operation in (set by perform for operations with a project). */
  projectId?: string;
}

/** A public door needs no identity (sign-in, the API description); every other one does. */
export type OperationPermission = Permission | 'public';

type AnyObject = z.ZodObject<z.ZodRawShape>;
type Part = AnyObject | undefined;
/** A part's parsed type; an absent part adds nothing to the input. */
export type Parsed<S extends Part> = S extends AnyObject ? z.infer<S> : unknown;
/** A part's type as callers write it (before defaults and coercion). */
export type Given<S extends Part> = S extends AnyObject ? z.input<S> : unknown;

/**
 * One operation, declared once: the REST route (lib/operations/rest.ts), the
 * server action (lib/operations/action.ts) and the OpenAPI document
 * (lib/operations/openapi.ts) are made from it, so no door exists without its
 * permission check and the UI and the API take the same input.
 *
 * Input is one object: the path parameters, the query (GET) and the JSON body
 * (others), each a strict zod object, with distinct keys.
 */
export interface Operation<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined, O = unknown> {
  id: string;
  summary: string;
  description?: string;
  /** OpenAPI tag: the area of the API. */
  tag: string;
  method: HttpMethod;
  /** OpenAPI path, e.g. `/api/v1/runs/{run_id}/retry`; the route file lives at the same path. */
  path: string;
  params?: P;
  query?: Q;
  body?: B;
  permission: OperationPermission;
  /**
   * The project whose role decides a project permission, found from the path
   * parameters; throws not found for an unknown object. Objects of a project
   * the actor may not read are "not found" too.
   */
  project?: (db: Db, params: Parsed<P>, query: Parsed<Q>) => Promise<string>;
  /** What a missing object is called in the 404 ("Run", "Pipeline"). */
  what?: string;
  run: (ctx: OperationContext, input: Parsed<P> & Parsed<Q> & Parsed<B>) => Promise<O>;
  /** The success status (201 for creations). */
  status?: number;
  /** Honours an Idempotency-Key header (REST). */
  idempotent?: boolean;
  /** Not in the public API description (the dashboard's own reads). */
  internal?: boolean;
}

/** Any declared operation, as the doors and the API description handle them (its input is checked by perform()). */
export type AnyOperation = Omit<Operation, 'params' | 'query' | 'body' | 'project' | 'run'> & {
  params?: AnyObject;
  query?: AnyObject;
  body?: AnyObject;
  project?: (db: Db, params: never, query: never) => Promise<string>;
  run: (ctx: OperationContext, input: never) => Promise<unknown>;
};

export const isMutation = (op: AnyOperation) => op.method !== 'GET';

/** Declares an operation; a project permission without a way to find the project fails at load, not at request time. */
export function defineOperation<P extends Part = undefined, Q extends Part = undefined, B extends Part = undefined, O = unknown>(
  op: Operation<P, Q, B, O>,
): Operation<P, Q, B, O> {
  if (op.permission !== 'public' && requiredRoleOf(op.permission) && !op.project) {
    throw new Error(`operation ${op.id}: permission ${op.permission} needs a project resolver`);
  }
  const keys = [op.params, op.query, op.body].flatMap((s) => (s ? Object.keys(s.shape) : []));
  if (new Set(keys).size !== keys.length) throw new Error(`operation ${op.id}: parameter names repeat across path, query and body`);
  return op;
}

export interface FieldProblem {
  path: string;
  message: string;
}

/** Parses one part of the input; a refusal names every offending field. */
export function parsePart<S extends z.ZodType>(schema: S | undefined, value: unknown, part: 'path' | 'query' | 'body'): z.infer<S> {
  if (!schema) return {} as z.infer<S>;
  const parsed = schema.safeParse(value ?? {});
  if (parsed.success) return parsed.data;
  const details: FieldProblem[] = parsed.error.issues.map((i) => ({
    path: '/' + i.path.map(String).join('/'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${(i as { keys: string[] }).keys.join(', ')}` : i.message,
  }));
  if (part === 'path') throw new DomainError('not_found', 'Not found');
  throw new DomainError('bad_request', part === 'query' ? 'The query parameters are not valid.' : 'The request body does not have the expected shape.', details);
}

/** Every door but a public one needs an identity: checked first, before anything of the request is read. */
export function assertIdentified(op: AnyOperation, actor: Actor | null) {
  if (op.permission !== 'public' && !actor) throw new DomainError('unauthenticated', 'Sign in, or send Authorization: Bearer <token>.');
}

/**
 * The door's checks in order, the same for REST and server actions: identity
 * (401), the path parameters (404) and query (400), the project's role (404
 * if the actor may not even read it, else 403), then the body (400), then the
 * work.
 */
export async function perform<O>(
  op: AnyOperation,
  ctx: Omit<OperationContext, 'actor'> & { actor: Actor | null },
  raw: { params: unknown; query: unknown; body: unknown },
): Promise<O> {
  assertIdentified(op, ctx.actor);
  const params: unknown = parsePart(op.params, raw.params, 'path');
  const query: unknown = parsePart(op.query, raw.query, 'query');
  let projectId: string | undefined;
  if (op.permission !== 'public') {
    projectId = op.project ? await op.project(ctx.db, params as never, query as never) : undefined;
    assertCan(ctx.actor!, op.permission, { projectId, what: op.what });
  }
  const body: unknown = parsePart(op.body, raw.body, 'body');
  const input = { ...(params as object), ...(query as object), ...(body as object) };
  return op.run({ ...ctx, projectId } as OperationContext, input as never) as Promise<O>;
}
