import { NextResponse } from 'next/server';
import { z } from 'zod';
import type { Db } from '@/db/client';
import { errorResponse, findUnstorable, readJson } from '../api/handler';
import { DomainError } from '../errors';
import { requestActor } from '../auth/identity';
import { withIdempotencyKey } from '../idempotency';
import { publicOrigin } from '../paths';
import { limitApiCall } from '../rate-limit';
import { getDb } from '../server/runtime';
import { assertIdentified, perform, type AnyOperation } from './define';

/** Marks a handler as made from a declaration: the door test (operations.test.ts) finds it by this. */
export const OPERATION = Symbol.for('reprise.operation');

export type RouteHandler = ((request: Request, context?: { params: Promise<Record<string, string>> }) => Promise<Response>) & {
  [OPERATION]: AnyOperation;
};

/** `runId` (the route folder `[runId]`) → `run_id` (the declared path's `{run_id}`). */
export const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * The REST door of an operation: `export const POST = route(operations.retryRun)`.
 * Every answer is JSON (or the operation's own Response); a DomainError is
 * `{ error: { code, message, details } }` with its status, anything else 500
 * without detail.
 */
export function route(op: AnyOperation): RouteHandler {
  const handler = async (request: Request, context?: { params: Promise<Record<string, string>> }) => {
    try {
      const db = await getDb();
      const actor = op.permission === 'public' && !request.headers.get('authorization') ? null : await requestActor(request);
      assertIdentified(op, actor);
      await limitApiCall(db, actor);
      const url = new URL(request.url);
      const rawParams = Object.fromEntries(Object.entries((await context?.params) ?? {}).map(([k, v]) => [snakeCase(k), v]));
      const query = Object.fromEntries(url.searchParams);
      // A NUL or half a surrogate pair is refused here, before any lookup can send it to PostgreSQL.
      for (const [part, values] of [['path', rawParams], ['query', query]] as const) {
        const problem = findUnstorable(values);
        if (problem) throw new DomainError('bad_request', `The ${part === 'path' ? 'path' : 'query parameters'} hold text that cannot be stored.`, [problem]);
      }
      // The body is read (size, media type, JSON) here and checked against the declaration in perform().
      const body = op.method === 'GET' || op.method === 'DELETE' || !op.body ? undefined : await readJson(request, z.unknown());
      const raw = { params: rawParams, query, body };
      const origin = publicOrigin(request);
      const work = async (conn: Db) => ({ status: op.status ?? 200, body: await perform<unknown>(op, { db: conn, actor, origin, request }, raw) });
      const key = request.headers.get('idempotency-key');
      if (op.idempotent && key && actor) {
        const scope = `${actor.userId} ${request.method} ${url.pathname}`;
        const stored = await withIdempotencyKey(db, scope, key, body, work);
        return NextResponse.json(stored.body, { status: stored.status, headers: stored.replayed ? { 'Idempotent-Replayed': 'true' } : {} });
      }
      const { status, body: answer } = await work(db);
      if (answer instanceof Response) return answer;
      // Answers are per caller: never stored by a shared cache.
      return NextResponse.json(answer, { status, headers: { 'Cache-Control': 'no-store' } });
    } catch (error) {
      return errorResponse(error);
    }
  };
  return Object.assign(handler, { [OPERATION]: op });
}
