import { and, eq, inArray, isNotNull, sql } from 'drizzle-orm';
import type { Conn, Tx } from '@/db/client';
import { attempts, environments, runs, workItems, type EnvironmentHold, type ParkedFor } from '@/db/schema';
import type { Actor } from '../actor';
import { deployRefusal, requiredRoles } from '../auth/permissions';
import type { ProjectRole } from '../auth/roles';
import { WORK_CHANNEL } from '../engine/channels';
import type { EventSink } from '../events';

/**
 * The deploy gate: when a deploy step's attempt is queued, it either goes or
 * waits ("parks"), and says why:
 * - **approval** — the person whose action set the step going (a trigger, a
 *   run retry, a replay upstream) lacks the environment's protection role:
 *   the step waits until someone who has it approves (approveDeploy). So an
 *   operator's retry of a failed staging deploy runs staging and leaves
 *   production waiting for a deployer, instead of being refused outright.
 *   Actions aimed at a protected deployment itself (retry of that deployment,
 *   redeploy, rollback, approving) are refused with 403 instead.
 * - **hold** — the environment is held (a rollback put it on hold): new
 *   deploys wait until someone releases the hold, or deploys explicitly (a
 *   deployment action or an approval lets that one step pass).
 *
 * A parked attempt stays `queued` with `available_at = PARKED_UNTIL`, so the
 * claim (lib/engine/claim.ts) never sees it and pays nothing for it; it holds
 * no concurrency slot and does not make its environment busy. The same rule
 * is written in SQL in the finish statement (lib/engine/finish-attempt.ts,
 * `gates`), where a step's dependents are queued.
 */
export const PARKED_UNTIL = new Date('9999-01-01T00:00:00Z');

type GateItem = { id: string; environment: string | null; approvalRole: ProjectRole | null; passesHold: boolean };

/**
 * Before an action sets deploy steps going (they will be queued now or when
 * their needs succeed): each one records whether it needs someone else's
 * approval, from the actor's role against its environment's protection.
 */
export async function noteApprovals(tx: Tx, actor: Actor, projectId: string, items: GateItem[], options: { passHold?: boolean } = {}) {
  const deploys = items.filter((i) => i.environment);
  if (!deploys.length) return;
  const required = await requiredRoles(tx, projectId, deploys.map((i) => i.environment));
  for (const item of deploys) {
    const needed = required.get(item.environment!)!;
    const approvalRole = deployRefusal(actor, projectId, item.environment!, needed) ? needed : null;
    const passesHold = options.passHold ?? item.passesHold;
    if (approvalRole === item.approvalRole && passesHold === item.passesHold) continue;
    await tx.update(workItems).set({ approvalRole, passesHold }).where(eq(workItems.id, item.id));
    item.approvalRole = approvalRole;
    item.passesHold = passesHold;
  }
}

/** Why each of these items' new attempts must wait (absent: it goes), read where they are queued. */
export async function gatesFor(conn: Conn, projectId: string, items: GateItem[]): Promise<Map<string, ParkedFor>> {
  const gates = new Map<string, ParkedFor>();
  const deploys = items.filter((i) => i.environment);
  if (!deploys.length) return gates;
  for (const item of deploys) {
    if (item.approvalRole) gates.set(item.id, { kind: 'approval', environment: item.environment!, role: item.approvalRole });
  }
  const maybeHeld = deploys.filter((i) => !gates.has(i.id) && !i.passesHold);
  if (!maybeHeld.length) return gates;
  const held = await conn
    .select({ name: environments.name })
    .from(environments)
    .where(
      and(
        eq(environments.projectId, projectId),
        inArray(environments.name, [...new Set(maybeHeld.map((i) => i.environment!))]),
        isNotNull(environments.hold),
      ),
    );
  const names = new Set(held.map((h) => h.name));
  for (const item of maybeHeld) if (names.has(item.environment!)) gates.set(item.id, { kind: 'hold', environment: item.environment! });
  return gates;
}

/** How a parked attempt's wait reads: "production is held at v12 by Ana: bad migration". */
export function parkedMessage(parked: ParkedFor, hold: EnvironmentHold | null): string {
  if (parked.kind === 'approval') return `waiting for a ${parked.role} to approve deploying to ${parked.environment}`;
  if (!hold) return `waiting: ${parked.environment} was held`;
  return `${parked.environment} is held at v${hold.version} by ${hold.by_name ?? 'someone'}${hold.reason ? `: ${hold.reason}` : ''}`;
}

/** The messages of these parked attempts (by attempt id), with their environments' holds as they are now. */
export async function parkedMessages(conn: Conn, list: { id: string; parkedFor: ParkedFor | null }[]) {
  const parked = list.filter((a) => a.parkedFor);
  const messages = new Map<string, string>();
  if (!parked.length) return messages;
  const rows = await conn
    .select({ id: attempts.id, hold: environments.hold })
    .from(attempts)
    .innerJoin(runs, eq(runs.id, attempts.runId))
    .innerJoin(environments, and(eq(environments.projectId, runs.projectId), eq(environments.name, sql`${attempts.parkedFor}->>'environment'`)))
    .where(inArray(attempts.id, parked.map((a) => a.id)));
  const holds = new Map(rows.map((r) => [r.id, r.hold]));
  for (const a of parked) messages.set(a.id, parkedMessage(a.parkedFor!, holds.get(a.id) ?? null));
  return messages;
}

/**
 * Lets parked attempts go (the hold was released, or someone approved): they
 * become claimable now and the workers are woken. Returns the attempts let go.
 */
export async function unpark(tx: Tx, sink: EventSink, where: { environment: { projectId: string; name: string; kind: 'hold' } } | { attemptId: string }) {
  const condition =
    'attemptId' in where
      ? eq(attempts.id, where.attemptId)
      : and(
          sql`${attempts.parkedFor}->>'kind' = ${where.environment.kind}`,
          sql`${attempts.parkedFor}->>'environment' = ${where.environment.name}`,
          sql`exists (select 1 from ${runs} r where r.id = ${attempts.runId} and r.project_id = ${where.environment.projectId})`,
        );
  const released = await tx
    .update(attempts)
    .set({ parkedFor: null, availableAt: new Date() })
    .where(and(eq(attempts.status, 'queued'), isNotNull(attempts.parkedFor), condition))
    .returning({ id: attempts.id, runId: attempts.runId, workItemId: attempts.workItemId });
  if (released.length) sink.wake(WORK_CHANNEL);
  return released;
}
