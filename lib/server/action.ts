import type { Db } from '@/db/client';
import type { Actor } from '../actor';
import { requireActionActor } from '../auth/identity';
import { DomainError } from '../errors';
import type { FieldError } from '../validation';
import { getDb } from './runtime';

export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: string; status: number; message: string; details?: FieldError[] | Record<string, unknown> } };

/**
 * The one wrapper every server action goes through: identity first, then the
 * domain call; refusals come back as data the form shows next to its fields,
 * never as a thrown error.
 */
export async function runAction<T>(work: (actor: Actor, db: Db) => Promise<T>): Promise<ActionResult<T>> {
  try {
    const actor = await requireActionActor();
    return { ok: true, data: await work(actor, await getDb()) };
  } catch (error) {
    if (error instanceof DomainError) {
      return { ok: false, error: { code: error.code, status: error.status, message: error.message, details: error.details } };
    }
    console.error('[reprise] action failed', error);
    return { ok: false, error: { code: 'internal', status: 500, message: 'Something went wrong on our side.' } };
  }
}
