import { headers } from 'next/headers';
import type { z } from 'zod';
import { findUnstorable } from '../api/handler';
import { sessionActor } from '../auth/identity';
import { DomainError } from '../errors';
import { publicOrigin } from '../paths';
import type { ActionResult } from '../server/action';
import { getDb } from '../server/runtime';
import { perform, type AnyOperation, type Given, type Operation } from './define';
import { OPERATION } from './rest';

export type ActionInput<Op> = Op extends Operation<infer P, infer Q, infer B, unknown> ? Given<P> & Given<Q> & Given<B> : never;

/**
 * The server-action door of an operation, for the dashboard:
 * `export const retryRunAction = action(operations.retryRun)` in a 'use server'
 * file. It takes the same input as the REST route (one object) and goes
 * through the same checks; refusals come back as data for the form, never as
 * a thrown error.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any declared operation, whatever its parts
export function action<Op extends Operation<any, any, any, any>>(declared: Op) {
  const op = declared as unknown as AnyOperation;
  const door = async (input: ActionInput<Op>): Promise<ActionResult<Awaited<ReturnType<Op['run']>>>> => {
    try {
      const origin = publicOrigin({ headers: await headers() });
      const actor = await sessionActor();
      if (!actor && op.permission !== 'public') throw new DomainError('unauthenticated', 'Your session has ended; sign in again.');
      const value = (input ?? {}) as Record<string, unknown>;
      const unstorable = findUnstorable(value);
      if (unstorable) throw new DomainError('bad_request', 'The form holds text that cannot be stored.', [unstorable]);
      const split = (shape: z.ZodObject | undefined): Record<string, unknown> =>
        shape ? Object.fromEntries(Object.entries(value).filter(([k]) => k in shape.shape)) : {};
      const known = new Set([op.params, op.query, op.body].flatMap((s) => (s ? Object.keys(s.shape) : [])));
      const unknown = Object.keys(value).filter((k) => !known.has(k));
      if (unknown.length) throw new DomainError('bad_request', `Unknown field(s): ${unknown.join(', ')}.`);
      const data = await perform<Awaited<ReturnType<Op['run']>>>(op, { db: await getDb(), actor, origin, request: null }, {
        params: split(op.params),
        query: split(op.query),
        body: split(op.body),
      });
      return { ok: true, data };
    } catch (error) {
      if (error instanceof DomainError) {
        return { ok: false, error: { code: error.code, status: error.status, message: error.message, details: error.details } };
      }
      console.error('[reprise] action failed', error);
      return { ok: false, error: { code: 'internal', status: 500, message: 'Something went wrong on our side.' } };
    }
  };
  return Object.assign(door, { [OPERATION]: op });
}

/** A door that needs no identity (sign-in, first-run setup, sign-out), declared by name so the door test knows it. */
export interface PublicDoor {
  id: string;
  summary: string;
  permission: 'public';
}

/** Marks a form action as a declared public door: it checks its own input and grants nothing by itself. */
export function publicFormAction<F extends (...args: never[]) => Promise<unknown>>(door: PublicDoor, fn: F): F {
  return Object.assign(fn, { [OPERATION]: door });
}
