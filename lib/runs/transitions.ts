import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import type { Tx } from '@/db/client';
import { attempts, runs, workItems } from '@/db/schema';
import type { AttemptKind, InputChange, ItemStatus } from '@/db/schema';
import { gatesFor, PARKED_UNTIL } from '../deployments/gate';
import { recordDeployment, settleUndeployed } from '../deployments/record';
import { WORK_CHANNEL } from '../engine/channels';
import { ensureConcurrencyGroups } from '../engine/concurrency';
import type { EventSink } from '../events';
import type { AttemptRow, ItemRow, RunRow } from './load';
import { changesRunOutcome, isFinishedRun, UNFINISHED_ITEM_SQL } from './state';

type ItemRequest = Partial<Pick<ItemRow, 'requestedBy' | 'requestedReason'>>;
const BATCH = 500;

export interface NewAttempt {
  kind: AttemptKind;
  inputs: Record<string, unknown>;
  /** The inputs need outputs not at hand: the worker that claims the attempt resolves them. */
  inputsPending?: boolean;
  triggeredBy: string | null;
  reason?: string | null;
  retryOf?: string | null;
  inputOverrides?: Record<string, unknown> | null;
  inputDiff?: InputChange[] | null;
  availableAt?: Date;
}

/**
 * The writes of one operator action on a run (trigger, retry, replay, cancel):
 * each changes one row and emits its event; the run's row is written once,
 * last (see lockRun's lock order), by `save`.
 */
export class RunChanges {
  private statusMayChange = false;
  private restart = false;
  private workQueued = false;
  private movedToVersion = false;

  constructor(
    readonly tx: Tx,
    readonly sink: EventSink,
    readonly run: RunRow,
  ) {}

  async setItemStatus(
    item: ItemRow,
    status: ItemStatus,
    extra: Partial<Pick<ItemRow, 'requestedBy' | 'requestedReason'>> = {},
  ) {
    await this.tx
      .update(workItems)
      .set({ status, updatedAt: new Date(), ...extra })
      .where(eq(workItems.id, item.id));
    if (item.status !== status) {
      this.sink.emit({
        type: 'item.status_changed',
        projectId: this.run.projectId,
        runId: this.run.id,
        payload: { run_id: this.run.id, item_id: item.id, key: item.key, status, previous: item.status },
      });
    }
    this.noteTransition(item, status);
    Object.assign(item, extra);
  }

  private noteTransition(item: ItemRow, status: ItemStatus) {
    if (changesRunOutcome(item.status, status)) this.statusMayChange = true;
    item.status = status;
  }

  /** Queues a new attempt of `item` (the item becomes `queued`). */
  async queueAttempt(item: ItemRow, spec: NewAttempt, itemExtra: ItemRequest = {}): Promise<AttemptRow> {
    const [attempt] = await this.queueAttempts([{ item, spec, itemExtra }]);
    return attempt;
  }

  /** Queues new attempts of several items at once: a run of 2,000 ready steps is a few statements, not 6,000. */
  async queueAttempts(list: { item: ItemRow; spec: NewAttempt; itemExtra?: ItemRequest }[]): Promise<AttemptRow[]> {
    if (!list.length) return [];
    this.workQueued = true;
    const now = new Date();
    // Deploy steps may have to wait for an approval or a hold's release (lib/deployments/gate.ts).
    const gates = await gatesFor(
      this.tx,
      this.run.projectId,
      list.map((l) => l.item),
    );
    // The attempts' ids are made here, so the attempts and their items'
    // pointers to them go to the server together and are answered in one round trip.
    const ids = list.map(() => randomUUID());
    const inserted: Promise<AttemptRow[]>[] = [];
    for (let i = 0; i < list.length; i += BATCH) {
      inserted.push(
        this.tx
          .insert(attempts)
          .values(
            list.slice(i, i + BATCH).map(({ item, spec }, j) => ({
              id: ids[i + j],
              workItemId: item.id,
              runId: this.run.id,
              number: item.attemptCount + 1,
              kind: spec.kind,
              status: 'queued' as const,
              inputs: spec.inputs,
              inputsPending: spec.inputsPending ?? false,
              inputOverrides: spec.inputOverrides ?? null,
              inputDiff: spec.inputDiff ?? null,
              reason: spec.reason ?? null,
              triggeredBy: spec.triggeredBy,
              pipelineVersionId: this.run.pipelineVersionId,
              retryOf: spec.retryOf ?? null,
              runAttempt: this.run.attempt + (this.restart ? 1 : 0),
              concurrencyKey: item.concurrencyKey,
              concurrencyLimit: item.concurrencyLimit,
              availableAt: gates.has(item.id) ? PARKED_UNTIL : (spec.availableAt ?? now),
              parkedFor: gates.get(item.id) ?? null,
            })),
          )
          .returning()
          .execute(),
      );
    }
    const pointers = list.map(({ item, itemExtra }, i) => ({
      id: item.id,
      attempt_id: ids[i],
      clear: 'requestedBy' in (itemExtra ?? {}),
      requested_by: itemExtra?.requestedBy ?? null,
      requested_reason: itemExtra?.requestedReason ?? null,
    }));
    const pointed = this.tx.execute(sql`
      update work_items w set
        latest_attempt_id = p.attempt_id, attempt_count = w.attempt_count + 1, status = 'queued', updated_at = now(),
        requested_by = case when p.clear then p.requested_by else w.requested_by end,
        requested_reason = case when p.clear then p.requested_reason else w.requested_reason end
      from jsonb_to_recordset(${JSON.stringify(pointers)}::jsonb)
        as p(id uuid, attempt_id uuid, clear boolean, requested_by uuid, requested_reason text)
      where w.id = p.id`);
    const [created] = await Promise.all([Promise.all(inserted).then((slices) => slices.flat()), pointed]);
    const byItem = new Map(created.map((a) => [a.workItemId, a]));
    const groups = list.flatMap(({ item }) =>
      item.concurrencyKey
        ? [
            {
              key: item.concurrencyKey,
              name: item.concurrencyKey.slice(this.run.projectId.length + 1),
              limit: item.concurrencyLimit ?? 1,
            },
          ]
        : [],
    );
    await ensureConcurrencyGroups(this.tx, this.run.projectId, groups);
    for (const { item, itemExtra } of list) {
      const attempt = byItem.get(item.id)!;
      item.latestAttemptId = attempt.id;
      item.attemptCount = attempt.number;
      await recordDeployment(this.tx, this.sink, this.run, item, attempt);
      this.sink.emit({
        type: 'attempt.created',
        projectId: this.run.projectId,
        runId: this.run.id,
        payload: {
          run_id: this.run.id,
          item_id: item.id,
          attempt_id: attempt.id,
          number: attempt.number,
          kind: attempt.kind,
          status: 'queued',
          item_status: 'queued',
        },
      });
      this.noteTransition(item, 'queued');
      Object.assign(item, itemExtra ?? {});
    }
    return list.map(({ item }) => byItem.get(item.id)!);
  }

  /** The run starts again: its attempt counter rises (a retry or replay) and it is `running`. */
  startNewRunAttempt() {
    this.restart = true;
  }

  /**
   * The run is pinned to another pipeline version from now on (a retry with
   * the latest definition): attempts queued after this record it and run its
   * steps; earlier attempts keep the version they ran. Written by `save`.
   */
  moveToVersion(versionId: string) {
    this.run.pipelineVersionId = versionId;
    this.movedToVersion = true;
  }

  /**
   * Writes the run's row: its status (derived from its items once none is
   * left unfinished) and attempt. The action holds every item of the run
   * (loadRunGraph with lock), so no step finishes meanwhile and what it reads
   * here is exact; steps finishing later end the run themselves (settleRuns).
   */
  async save(): Promise<RunRow> {
    const previous = this.run.status;
    const restart = this.restart;
    if (this.workQueued) this.sink.wake(WORK_CHANNEL);
    this.workQueued = false;
    // A new run whose first steps were queued changes nothing on its row.
    if (!this.statusMayChange && !restart) return this.run;
    const [row] = await this.tx
      .update(runs)
      .set({
        attempt: restart ? sql`${runs.attempt} + 1` : sql`${runs.attempt}`,
        ...(this.movedToVersion ? { pipelineVersionId: this.run.pipelineVersionId } : {}),
        status: sql`case
          when not exists (select 1 from ${workItems} w where w.run_id = ${runs.id} and w.status in (${UNFINISHED_ITEM_SQL})) then
            case when exists (select 1 from ${workItems} w where w.run_id = ${runs.id} and w.status = 'cancelled') then 'cancelled'
                 when exists (select 1 from ${workItems} w where w.run_id = ${runs.id} and w.status in ('failed', 'skipped')) then 'failed'
                 else 'succeeded' end
          when ${restart}::boolean then 'running'
          else ${runs.status} end`,
        startedAt: sql`coalesce(${runs.startedAt}, case when ${restart}::boolean then now() end)`,
        finishedAt: sql`case
          when not exists (select 1 from ${workItems} w where w.run_id = ${runs.id} and w.status in (${UNFINISHED_ITEM_SQL}))
          then coalesce(${runs.finishedAt}, now()) end`,
      })
      .where(eq(runs.id, this.run.id))
      .returning();
    Object.assign(this.run, row);
    if (isFinishedRun(row.status)) await settleUndeployed(this.tx, this.sink, row);
    this.statusMayChange = false;
    this.restart = false;
    this.movedToVersion = false;
    if (row.status !== previous || restart) {
      this.sink.emit({
        type: 'run.status_changed',
        projectId: row.projectId,
        runId: row.id,
        payload: { run_id: row.id, status: row.status, previous, attempt: row.attempt },
      });
    }
    return row;
  }
}

/** A retry of `previous`: the same frozen inputs (or the same pending resolution), linked to it. */
export function retryOf(previous: AttemptRow, triggeredBy: string, reason: string | null): NewAttempt {
  return {
    kind: 'retry',
    inputs: previous.inputs,
    inputsPending: previous.inputsPending,
    triggeredBy,
    reason,
    retryOf: previous.id,
  };
}

/** Field-by-field changes between two input objects, for the replay's record. */
export function diffInputs(before: Record<string, unknown>, after: Record<string, unknown>): InputChange[] {
  const changes: InputChange[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key];
    const b = after[key];
    if (JSON.stringify(a) === JSON.stringify(b)) continue;
    const change: InputChange = { path: `/${key}` };
    if (key in before) change.before = a;
    if (key in after) change.after = b;
    changes.push(change);
  }
  return changes;
}
