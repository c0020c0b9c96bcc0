import { and, eq, inArray, sql } from 'drizzle-orm';
import type { Conn, Tx } from '@/db/client';
import { attempts, concurrencyGroups, runs, workItems, type ParkedFor } from '@/db/schema';
import { parkedMessages } from '../deployments/gate';
import type { StepDefinition } from '../pipelines/definition';
import { ReferenceError, resolveReferences } from '../pipelines/references';

/**
 * Concurrency groups: at most `limit` attempts of a group run at once, across
 * every worker. Groups belong to a project: `key` is "<project id>:<name>".
 * A step's group is fixed when its run starts (the name may use run params).
 * The claim (lib/engine/claim.ts) only takes a grouped attempt while its
 * group's row says `running < limit`, and counts it there under the row's lock.
 */
export interface ConcurrencyGroup {
  key: string;
  name: string;
  limit: number;
}

export function concurrencyOf(step: StepDefinition, projectId: string, params: Record<string, unknown>): ConcurrencyGroup | null {
  if (!step.concurrency) return null;
  let name = step.concurrency.group;
  try {
    name = String(resolveReferences(name, { params, outputs: {} }));
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error;
  }
  return { key: `${projectId}:${name}`, name, limit: step.concurrency.limit };
}

/** Creates the groups' rows (the claim locks and counts them); a changed limit takes effect. */
export async function ensureConcurrencyGroups(tx: Tx, projectId: string, groups: ConcurrencyGroup[]) {
  const unique = [...new Map(groups.map((g) => [g.key, g])).values()];
  if (!unique.length) return;
  await tx
    .insert(concurrencyGroups)
    .values(unique.map((g) => ({ key: g.key, projectId, name: g.name, limit: g.limit })))
    .onConflictDoUpdate({
      target: concurrencyGroups.key,
      set: { limit: sql`excluded.limit` },
      setWhere: sql`${concurrencyGroups.limit} <> excluded.limit`,
    });
}

/**
 * Why each of these queued attempts waits, when its group is full:
 * "waiting for staging: run #12 deploy-staging is running".
 */
export async function waitingReasons(
  conn: Conn,
  queued: { id: string; status: string; concurrencyKey: string | null; parkedFor?: ParkedFor | null }[],
) {
  // A deploy parked at its gate says why first: a hold or an approval (lib/deployments/gate.ts).
  const reasons = await parkedMessages(conn, queued.filter((a) => a.status === 'queued' && a.parkedFor).map((a) => ({ id: a.id, parkedFor: a.parkedFor! })));
  const keys = [...new Set(queued.filter((a) => a.status === 'queued' && a.concurrencyKey && !reasons.has(a.id)).map((a) => a.concurrencyKey!))];
  if (!keys.length) return reasons;
  const [groups, holders] = await Promise.all([
    conn.select().from(concurrencyGroups).where(inArray(concurrencyGroups.key, keys)),
    conn
      .select({ key: attempts.concurrencyKey, runNumber: runs.number, step: workItems.key })
      .from(attempts)
      .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
      .innerJoin(runs, eq(runs.id, attempts.runId))
      .where(and(eq(attempts.status, 'running'), inArray(attempts.concurrencyKey, keys)))
      .limit(50),
  ]);
  for (const group of groups) {
    const running = holders.filter((h) => h.key === group.key);
    if (running.length < group.limit) continue;
    const label = group.name.startsWith('environment:') ? group.name.slice('environment:'.length) : group.name;
    const who = running.map((h) => `run #${h.runNumber} ${h.step}`).join(', ');
    const reason = `waiting for ${label}: ${who} ${running.length === 1 ? 'is' : 'are'} running`;
    for (const a of queued) if (a.status === 'queued' && a.concurrencyKey === group.key && !reasons.has(a.id)) reasons.set(a.id, reason);
  }
  return reasons;
}
