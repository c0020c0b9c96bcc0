import { notFound } from 'next/navigation';
import { DomainError } from '../errors';
import { findItemByKey, getRunDetail } from '../runs/queries';
import { getDb } from './runtime';

/** Runs a read for a page; an unknown id renders the 404 page instead of an error. */
export async function orNotFound<T>(read: Promise<T>): Promise<T> {
  try {
    return await read;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') notFound();
    throw error;
  }
}

/** What every page about one step of a run starts from; unknown run or step → the 404 page. */
export async function loadStepPage(params: Promise<{ runId: string; key: string }>) {
  const { runId, key: rawKey } = await params;
  const key = decodeURIComponent(rawKey);
  const db = await getDb();
  const detail = await orNotFound(getRunDetail(db, runId));
  const item = await orNotFound(findItemByKey(db, runId, key));
  const step = detail.version.definition.steps.find((s) => s.key === key) ?? null;
  return { db, runId, key, detail, item, step, title: step?.title ?? key };
}
