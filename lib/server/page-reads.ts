import { headers } from 'next/headers';
import { notFound } from 'next/navigation';
import type { Actor } from '../actor';
import { can } from '../auth/permissions';
import { requirePageActor } from '../auth/identity';
import { DomainError } from '../errors';
import type { ActionInput } from '../operations/action';
import { perform, type AnyOperation, type Operation } from '../operations/define';
import { projectOfRun } from '../operations/resources';
import { publicOrigin } from '../paths';
import { findItemByKey, getRunDetail } from '../runs/queries';
import { VIEWS, type ViewData, type ViewName, type ViewParams } from '../views/registry';
import { getDb } from './runtime';

/** Runs a read for a page; an unknown id (or one the reader may not see) renders the 404 page instead of an error. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') notFound();
    throw error;
  }
}

/**
 * A page's first render: the same operation `GET /api/views/<name>` performs,
 * with the signed-in user's permissions — so a page shows exactly what its
 * refetches will.
 */
export async function readView<N extends ViewName>(name: N, params: ViewParams<N>): Promise<ViewData<N>> {
  const actor = await requirePageActor();
  return orNotFound(
    perform<ViewData<N>>(VIEWS[name], { db: await getDb(), actor, origin: publicOrigin(), request: null }, { params: {}, query: params, body: undefined }),
  );
}

/** A page's read through a declared operation: its data, or the refusal the page shows instead (403). */
export type PageRead<T> = { ok: true; data: T } | { ok: false; refusal: string };

/**
 * Reads through an operation with the signed-in user's permissions, the same
 * checks as its REST route: unknown (or unreadable) → the 404 page; a refusal
 * (a viewer on an admin page) comes back for the page to say so.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any declared operation, whatever its parts
export async function readOperation<Op extends Operation<any, any, any, any>>(
  declared: Op,
  input: ActionInput<Op>,
): Promise<PageRead<Awaited<ReturnType<Op['run']>>>> {
  const op = declared as unknown as AnyOperation;
  const actor = await requirePageActor();
  const value = (input ?? {}) as Record<string, unknown>;
  const pick = (shape: AnyOperation['params']) => (shape ? Object.fromEntries(Object.entries(value).filter(([k]) => k in shape.shape)) : {});
  const origin = publicOrigin({ headers: await headers() });
  try {
    const data = await perform<Awaited<ReturnType<Op['run']>>>(op, { db: await getDb(), actor, origin, request: null }, {
      params: pick(op.params),
      query: pick(op.query),
      body: undefined,
    });
    return { ok: true, data };
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') notFound();
    if (error instanceof DomainError && (error.code === 'forbidden' || error.code === 'bad_request')) return { ok: false, refusal: error.message };
    throw error;
  }
}

/** What every page about one step of a run starts from; unknown run or step (or unreadable) → the 404 page. */
export async function loadStepPage(params: Promise<{ runId: string; key: string }>, actor?: Actor) {
  const { runId, key: rawKey } = await params;
  const key = decodeURIComponent(rawKey);
  const db = await getDb();
  const reader = actor ?? (await requirePageActor());
  const projectId = await orNotFound(projectOfRun(db, { run_id: runId }));
  // A run of a project the reader may not read is not found, as through the API.
  if (!can(reader, 'project.read', { projectId })) notFound();
  const detail = await orNotFound(getRunDetail(db, runId));
  const item = await orNotFound(findItemByKey(db, runId, key));
  const step = detail.version.definition.steps.find((s) => s.key === key) ?? null;
  return { db, actor: reader, runId, key, detail, item, step, title: step?.title ?? key };
}
