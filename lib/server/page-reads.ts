import { notFound } from 'next/navigation';
import type { Actor } from '../actor';
import { can } from '../auth/permissions';
import { requirePageActor } from '../auth/identity';
import { DomainError } from '../errors';
import { perform } from '../operations/define';
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
