import { NextResponse } from 'next/server';
import { z } from 'zod';
import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { requestActor } from '../auth/identity';
import { DomainError } from '../errors';
import { withIdempotencyKey } from '../idempotency';
import { publicOrigin } from '../paths';
import { getDb } from '../server/runtime';

export const MAX_BODY_BYTES = 1024 * 1024;

export interface ApiContext<P> {
  request: Request;
  actor: Actor;
  db: Db;
  params: P;
  origin: string;
  url: URL;
}

export type ApiResult = { status?: number; body: unknown } | Response;

/**
 * The door every API route goes through: identity first (401), then the
 * handler; DomainErrors become `{ error: { code, message, details } }` with
 * their status, and nothing a client sent can produce a 500.
 */
export function apiRoute<P = Record<string, never>>(handler: (ctx: ApiContext<P>) => Promise<ApiResult>) {
  return async (request: Request, context: { params: Promise<P> }) => {
    try {
      const actor = await requestActor(request);
      if (!actor) throw new DomainError('unauthenticated', 'Sign in, or send Authorization: Bearer <token>.');
      const result = await handler({
        request,
        actor,
        db: await getDb(),
        params: await context.params,
        origin: publicOrigin(request.url),
        url: new URL(request.url),
      });
      if (result instanceof Response) return result;
      return NextResponse.json(result.body, { status: result.status ?? 200 });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export function errorResponse(error: unknown) {
  if (error instanceof DomainError) {
    return NextResponse.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      { status: error.status },
    );
  }
  console.error('[reprise] unexpected error', error);
  return NextResponse.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, { status: 500 });
}

/** Reads and validates a JSON body (an empty body counts as `{}`): 413 when too large, 400 when malformed. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  let raw: unknown = {};
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new DomainError('bad_request', 'The request body is not valid JSON.');
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError(
      'bad_request',
      'The request body does not have the expected shape.',
      parsed.error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message })),
    );
  }
  return parsed.data;
}

/** Honours an Idempotency-Key header when present: the same key and body get the first answer again. */
export async function idempotent(
  ctx: ApiContext<unknown>,
  body: unknown,
  operation: (db: Db) => Promise<{ status: number; body: unknown }>,
): Promise<ApiResult> {
  const key = ctx.request.headers.get('idempotency-key');
  if (!key) return operation(ctx.db);
  const scope = `${ctx.actor.userId} ${ctx.request.method} ${ctx.url.pathname}`;
  const result = await withIdempotencyKey(ctx.db, scope, key, body, operation);
  return NextResponse.json(result.body, {
    status: result.status,
    headers: result.replayed ? { 'Idempotent-Replayed': 'true' } : {},
  });
}
