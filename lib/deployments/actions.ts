import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Conn, Db, Tx } from '@/db/client';
import { attempts, deployments, environments, pipelines, runs, workItems, type EnvironmentHold, type InputChange } from '@/db/schema';
import type { Actor } from '../actor';
import { recordAudit } from '../audit';
import { assertCan, assertCanDeploy, deployRefusal, requiredRoles } from '../auth/permissions';
import type { ProjectRole } from '../auth/roles';
import { DomainError, notFound } from '../errors';
import { transact } from '../events';
import { isUuid } from '../ids';
import { ancestors } from '../pipelines/definition';
import { pipelineVersion } from '../pipelines/version-cache';
import { retryItem } from '../runs/item-operations';
import { lockRun, type AttemptRow } from '../runs/load';
import { reasonOf } from '../runs/reason';
import { nextRunNumber } from '../runs/run-number';
import { diffInputs } from '../runs/transitions';
import { createRun } from '../runs/trigger-run';
import { maskDiff, maskInputs } from '../secrets';
import { unpark } from './gate';

/**
 * Deployment actions (DESIGN §3 "Deployments"): retry a failed deployment,
 * redeploy, roll back — each one first a plan that says exactly what will be
 * deployed where, then the action, which acts on that same plan and refuses
 * what the plan refuses:
 * - 403 without the environment's protection role;
 * - 400 from the wrong state (retry of what did not fail, rollback to what
 *   never succeeded or is already live);
 * - 409 when the deployment was already retried (naming the newer one) or
 *   the environment is busy (naming its active deployment).
 * The environment's row is locked while an action decides, so of two at
 * once the second sees the first's deployment and is refused as busy.
 */

export type DeploymentActionName = 'retry' | 'redeploy' | 'rollback';

export interface DeploymentRef {
  id: string;
  version: number;
  status: string;
  commit: string | null;
  runId: string | null;
  runNumber: number | null;
}

export interface DeploymentPlan {
  action: DeploymentActionName;
  deployment: DeploymentRef;
  environment: { id: string; name: string; requiredRole: ProjectRole | null };
  /** The version the new deployment will get (unless another takes it first). */
  nextVersion: number;
  live: DeploymentRef | null;
  /** Rollback: the deployment rolled back to; redeploy: the one redeployed. */
  target: DeploymentRef | null;
  commit: { from: string | null; to: string | null };
  /** The deploy step's inputs: what is live, what will be deployed (masked); `after` null when resolved at run time. */
  inputs: { before: Record<string, unknown> | null; after: Record<string, unknown> | null; diff: InputChange[] | null };
  steps: { run: { key: string; title: string }[]; reused: { key: string; title: string; runNumber: number | null }[] };
  busy: DeploymentRef | null;
  held: EnvironmentHold | null;
  /** A rollback puts the environment on hold. */
  willHold: boolean;
  /** Rollback: the earlier succeeded deployments one may roll back to, newest first. */
  candidates: DeploymentRef[];
  allowed: boolean;
  refusal: { code: 'forbidden' | 'wrong_state' | 'conflict'; message: string } | null;
}

interface Loaded {
  deployment: typeof deployments.$inferSelect;
  environment: typeof environments.$inferSelect;
  attempt: AttemptRow | null;
  item: typeof workItems.$inferSelect | null;
  run: typeof runs.$inferSelect | null;
}

async function loadDeployment(conn: Conn, deploymentId: string): Promise<Loaded> {
  const [row] = isUuid(deploymentId)
    ? await conn
        .select({ deployment: deployments, environment: environments, attempt: attempts, item: workItems, run: runs })
        .from(deployments)
        .innerJoin(environments, eq(environments.id, deployments.environmentId))
        .leftJoin(attempts, eq(attempts.id, deployments.attemptId))
        .leftJoin(workItems, eq(workItems.id, attempts.workItemId))
        .leftJoin(runs, eq(runs.id, deployments.runId))
        .where(eq(deployments.id, deploymentId))
    : [];
  if (!row) throw notFound('Deployment');
  return row;
}

const refOf = (d: typeof deployments.$inferSelect, runNumber: number | null): DeploymentRef => ({
  id: d.id,
  version: d.version,
  status: d.status,
  commit: d.gitCommit,
  runId: d.runId,
  runNumber,
});

async function refs(conn: Conn, where: ReturnType<typeof and>, limit: number) {
  const rows = await conn
    .select({ d: deployments, number: runs.number })
    .from(deployments)
    .leftJoin(runs, eq(runs.id, deployments.runId))
    .where(where)
    .orderBy(desc(deployments.version))
    .limit(limit);
  return rows.map((r) => ({ ref: refOf(r.d, r.number), row: r.d }));
}

/** The environment's live deployment: its latest succeeded one. */
async function liveOf(conn: Conn, environmentId: string) {
  const [live] = await refs(conn, and(eq(deployments.environmentId, environmentId), eq(deployments.status, 'succeeded')), 1);
  return live ?? null;
}

/**
 * The environment's active deployment, if any: pending or running, not
 * parked at the gate (a deploy waiting for a hold's release or an approval
 * does not hold the environment).
 */
export async function activeDeployment(conn: Conn, environmentId: string): Promise<DeploymentRef | null> {
  const [row] = await conn
    .select({ d: deployments, number: runs.number })
    .from(deployments)
    .leftJoin(attempts, eq(attempts.id, deployments.attemptId))
    .leftJoin(runs, eq(runs.id, deployments.runId))
    .where(
      and(
        eq(deployments.environmentId, environmentId),
        inArray(deployments.status, ['pending', 'running']),
        or(isNull(attempts.id), isNull(attempts.parkedFor)),
      ),
    )
    .orderBy(desc(deployments.version))
    .limit(1);
  return row ? refOf(row.d, row.number) : null;
}

const label = (d: { version: number }) => `v${d.version}`;

/** What the action would do, and whether this actor may do it now. */
export async function planDeploymentAction(
  conn: Conn,
  actor: Actor,
  deploymentId: string,
  action: DeploymentActionName,
  options: { to?: string | null; commit?: string | null } = {},
): Promise<DeploymentPlan> {
  const loaded = await loadDeployment(conn, deploymentId);
  const { deployment, environment, attempt, item, run } = loaded;
  if (!run || !item || !attempt) throw new DomainError('wrong_state', `${label(deployment)} has no run to act on.`);
  const [required, live, busy] = await Promise.all([
    requiredRoles(conn, environment.projectId, [environment.name]),
    liveOf(conn, environment.id),
    activeDeployment(conn, environment.id),
  ]);
  const requiredRole = environment.protection.requiredRole ?? null;
  const refusals: DeploymentPlan['refusal'][] = [];
  const refuse = (code: NonNullable<DeploymentPlan['refusal']>['code'], message: string) => refusals.push({ code, message });
  const forbidden = deployRefusal(actor, environment.projectId, environment.name, required.get(environment.name)!);
  if (forbidden) refuse('forbidden', forbidden.message);

  const version = await pipelineVersion(conn, run.pipelineVersionId);
  const titleOf = (v: typeof version, key: string) => v.steps.get(key)?.title ?? key;
  let target: DeploymentRef | null = null;
  let commitTo: string | null = deployment.gitCommit;
  let after: Record<string, unknown> | null = null;
  let schema = version.steps.get(item.key)?.inputSchema ?? null;
  const steps: DeploymentPlan['steps'] = { run: [], reused: [] };
  let candidates: DeploymentRef[] = [];

  if (action === 'retry') {
    if (deployment.status !== 'failed') refuse('wrong_state', `Only a failed deployment can be retried; ${label(deployment)} is ${deployment.status}.`);
    else if (item.latestAttemptId !== attempt.id) {
      const [newer] = await refs(conn, and(eq(deployments.runId, run.id), eq(deployments.environmentId, environment.id), sql`${deployments.version} > ${deployment.version}`), 1);
      refuse('conflict', `${label(deployment)} was already retried${newer ? `: ${label(newer.ref)} (${newer.ref.status})` : ''}.`);
    }
    after = attempt.inputs;
    steps.run.push({ key: item.key, title: titleOf(version, item.key) });
    const below = new Set(version.descendantsOf(item.key));
    const skipped = await conn
      .select({ key: workItems.key })
      .from(workItems)
      .where(and(eq(workItems.runId, run.id), eq(workItems.status, 'skipped')));
    for (const s of skipped) if (below.has(s.key)) steps.run.push({ key: s.key, title: titleOf(version, s.key) });
  } else if (action === 'redeploy') {
    const [pipeline] = await conn.select().from(pipelines).where(eq(pipelines.id, run.pipelineId));
    const current = pipeline.currentVersionId ? await pipelineVersion(conn, pipeline.currentVersionId) : null;
    const step = current?.steps.get(item.key);
    if (!current || !step || step.environment !== environment.name) {
      refuse('wrong_state', `The current definition of ${pipeline.title} no longer deploys "${item.key}" to ${environment.name}.`);
    } else {
      schema = step.inputSchema ?? null;
      const above = ancestors(current.definition.steps, item.key);
      for (const s of current.definition.steps) if (above.has(s.key) || s.key === item.key) steps.run.push({ key: s.key, title: s.title });
    }
    commitTo = options.commit ?? (await latestCommit(conn, run.pipelineId, deployment.gitBranch)) ?? deployment.gitCommit;
    target = refOf(deployment, run.number);
  } else {
    candidates = live
      ? (await refs(conn, and(eq(deployments.environmentId, environment.id), eq(deployments.status, 'succeeded'), lt(deployments.version, live.ref.version)), 20)).map((r) => r.ref)
      : [];
    let chosen: Loaded | null = null;
    if (options.to) {
      chosen = await loadDeployment(conn, options.to).catch(() => null);
      if (!chosen || chosen.environment.id !== environment.id) refuse('wrong_state', `The rollback target is not a deployment of ${environment.name}.`);
    } else if (candidates[0]) {
      chosen = await loadDeployment(conn, candidates[0].id);
    } else {
      refuse('wrong_state', `${environment.name} has no earlier succeeded deployment to roll back to.`);
    }
    if (chosen && chosen.environment.id === environment.id) {
      target = refOf(chosen.deployment, chosen.run?.number ?? null);
      if (chosen.deployment.status !== 'succeeded') refuse('wrong_state', `Only a deployment that succeeded can be rolled back to; ${label(target)} is ${target.status}.`);
      else if (live && chosen.deployment.id === live.ref.id) refuse('wrong_state', `${label(target)} is already live in ${environment.name}.`);
      else if (!chosen.run || !chosen.item || !chosen.attempt) refuse('wrong_state', `${label(target)} has no run to take its inputs from.`);
      else {
        const targetVersion = await pipelineVersion(conn, chosen.run.pipelineVersionId);
        schema = targetVersion.steps.get(chosen.item.key)?.inputSchema ?? null;
        after = chosen.attempt.inputs;
        commitTo = chosen.deployment.gitCommit;
        steps.run.push({ key: chosen.item.key, title: titleOf(targetVersion, chosen.item.key) });
        const above = ancestors(targetVersion.definition.steps, chosen.item.key);
        for (const s of targetVersion.definition.steps) {
          if (above.has(s.key)) steps.reused.push({ key: s.key, title: s.title, runNumber: chosen.run.number });
        }
      }
    }
  }

  if (busy) refuse('conflict', `${environment.name} is busy: ${label(busy)} ${busy.runNumber ? `(run #${busy.runNumber}) ` : ''}is ${busy.status}. Wait for it to finish.`);

  const liveInputs = live ? await inputsOf(conn, live.row.attemptId) : null;
  const [before, afterMasked] = [liveInputs && maskInputs(liveInputs, schema), after && maskInputs(after, schema)];
  return {
    action,
    deployment: refOf(deployment, run.number),
    environment: { id: environment.id, name: environment.name, requiredRole },
    nextVersion: environment.lastVersion + 1,
    live: live?.ref ?? null,
    target,
    commit: { from: live?.ref.commit ?? null, to: commitTo },
    inputs: {
      before,
      after: afterMasked,
      diff: after && liveInputs ? maskDiff(diffInputs(liveInputs, after), schema) : null,
    },
    steps,
    busy,
    held: environment.hold,
    willHold: action === 'rollback',
    candidates,
    allowed: refusals.length === 0,
    refusal: refusals[0] ?? null,
  };
}

async function inputsOf(conn: Conn, attemptId: string | null) {
  if (!attemptId) return null;
  const [row] = await conn.select({ inputs: attempts.inputs }).from(attempts).where(eq(attempts.id, attemptId));
  return row?.inputs ?? null;
}

/** The newest commit seen in runs of the pipeline on that branch (runs_pipeline_branch_created_idx). */
async function latestCommit(conn: Conn, pipelineId: string, branch: string | null) {
  if (!branch) return null;
  const [row] = await conn
    .select({ commit: runs.gitCommit })
    .from(runs)
    .where(and(eq(runs.pipelineId, pipelineId), eq(runs.gitBranch, branch), sql`${runs.gitCommit} is not null`))
    .orderBy(desc(runs.createdAt), desc(runs.id))
    .limit(1);
  return row?.commit ?? null;
}

function assertAllowed(plan: DeploymentPlan) {
  if (plan.refusal) {
    throw new DomainError(plan.refusal.code, plan.refusal.message, {
      ...(plan.busy ? { active_deployment: plan.busy.id, active_version: plan.busy.version } : {}),
    });
  }
}

/** Locks the environment's row: deployment actions on one environment take turns. */
async function lockEnvironment(tx: Tx, deploymentId: string) {
  if (!isUuid(deploymentId)) throw notFound('Deployment');
  await tx.execute(sql`
    select 1 from environments e join deployments d on d.environment_id = e.id
    where d.id = ${deploymentId} for update of e`);
}

async function deploymentOfAttempt(conn: Conn, attemptId: string) {
  const [row] = await conn.select().from(deployments).where(eq(deployments.attemptId, attemptId));
  return row;
}

/** Retries a failed deployment: its deploy step again, same inputs and commit, the next version. */
export async function retryDeployment(db: Db, actor: Actor, deploymentId: string, options: { reason?: string | null } = {}) {
  const { run, item } = await loadDeployment(db, deploymentId);
  if (!run || !item) throw new DomainError('wrong_state', 'This deployment has no run to retry.');
  const reason = reasonOf(options.reason);
  let created: typeof deployments.$inferSelect | undefined;
  await retryItem(db, actor, run.id, item.id, {
    reason,
    // Inside the run's lock, after its items (the lock order of lib/runs/load.ts): the environment, then the plan.
    guard: async (tx) => {
      await lockEnvironment(tx, deploymentId);
      assertAllowed(await planDeploymentAction(tx, actor, deploymentId, 'retry'));
    },
    after: async (tx, attempt) => {
      created = await deploymentOfAttempt(tx, attempt.id);
      const [failed] = await tx.select().from(deployments).where(eq(deployments.id, deploymentId));
      await recordAudit(tx, actor, {
        action: 'deployment.retry',
        targetType: 'deployment',
        targetId: created?.id ?? deploymentId,
        projectId: run.projectId,
        reason,
        details: { retry_of: deploymentId, from_version: failed.version, version: created?.version ?? null },
      });
    },
  });
  return created!;
}

/**
 * Redeploys: a new run of the pipeline's current definition with only the
 * deploy step and what it needs, at the given commit or the newest of the
 * branch. Its deployment is written now (pending, the next version), so the
 * environment is busy from this moment, not from when the build finishes.
 */
export async function redeployDeployment(db: Db, actor: Actor, deploymentId: string, options: { commit?: string | null; reason?: string | null } = {}) {
  const reason = reasonOf(options.reason);
  return transact(db, async (tx, sink) => {
    await lockEnvironment(tx, deploymentId);
    const plan = await planDeploymentAction(tx, actor, deploymentId, 'redeploy', { commit: options.commit });
    assertAllowed(plan);
    const { deployment, environment, run, item } = await loadDeployment(tx, deploymentId);
    const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.id, run!.pipelineId));
    const number = await nextRunNumber(tx, pipeline.id);
    const version = await pipelineVersion(tx, pipeline.currentVersionId!);
    const sameCommit = plan.commit.to === deployment.gitCommit;
    const newRun = await createRun(tx, sink, actor, {
      pipelineId: pipeline.id,
      projectId: pipeline.projectId,
      version,
      number,
      params: run!.params,
      trigger: 'redeploy',
      commit: plan.commit.to,
      branch: deployment.gitBranch,
      message: sameCommit ? deployment.gitMessage : await messageOf(tx, run!.pipelineId, plan.commit.to),
      only: new Set(plan.steps.run.map((s) => s.key)),
      deployAction: { action: 'redeploy', environment: environment.name, step: item!.key, of: deployment.id, reason },
      reason,
      predeploy: item!.key,
    });
    const created = await deploymentOfRun(tx, newRun.id, environment.id);
    await recordAudit(tx, actor, {
      action: 'deployment.redeploy',
      targetType: 'deployment',
      targetId: created.id,
      projectId: pipeline.projectId,
      reason,
      details: { environment: environment.name, redeploy_of: deployment.id, from_version: deployment.version, version: created.version, commit: plan.commit.to, run: newRun.number },
    });
    return created;
  });
}

/**
 * Rolls an environment back to an earlier succeeded deployment: a new run, to
 * that environment only, that deploys the target's commit with its deploy
 * step's exact inputs; the steps above are not run again but reused from the
 * target's run. The environment goes on hold at the new version.
 */
export async function rollbackDeployment(db: Db, actor: Actor, deploymentId: string, options: { to?: string | null; reason: string }) {
  const reason = reasonOf(options.reason);
  if (!reason) throw new DomainError('invalid_inputs', 'A rollback needs a reason.', [{ path: '/reason', message: 'required' }]);
  return transact(db, async (tx, sink) => {
    await lockEnvironment(tx, deploymentId);
    const plan = await planDeploymentAction(tx, actor, deploymentId, 'rollback', { to: options.to });
    assertAllowed(plan);
    const target = await loadDeployment(tx, plan.target!.id);
    const targetRun = target.run!;
    const version = await pipelineVersion(tx, targetRun.pipelineVersionId);
    const reused = plan.steps.reused.map((s) => s.key);
    const reuse = await reusedAttempts(tx, targetRun.id, reused, target.attempt!.createdAt);
    const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.id, targetRun.pipelineId));
    const number = await nextRunNumber(tx, pipeline.id);
    const newRun = await createRun(tx, sink, actor, {
      pipelineId: pipeline.id,
      projectId: pipeline.projectId,
      version,
      number,
      params: targetRun.params,
      trigger: 'rollback',
      commit: target.deployment.gitCommit,
      branch: target.deployment.gitBranch,
      message: target.deployment.gitMessage,
      only: new Set([...reused, target.item!.key]),
      reuse,
      exactInputs: new Map([[target.item!.key, target.attempt!.inputs]]),
      deployAction: {
        action: 'rollback',
        environment: target.environment.name,
        step: target.item!.key,
        of: target.deployment.id,
        from: plan.live?.id ?? null,
        reason,
      },
      reason,
    });
    const created = await deploymentOfRun(tx, newRun.id, target.environment.id);
    const hold: EnvironmentHold = {
      deployment_id: created.id,
      version: created.version,
      by: actor.userId,
      by_name: actor.name,
      reason,
      at: new Date().toISOString(),
    };
    await tx.update(environments).set({ hold }).where(eq(environments.id, target.environment.id));
    sink.emit({
      type: 'environment.changed',
      projectId: pipeline.projectId,
      payload: { environment_id: target.environment.id, environment: target.environment.name, hold },
    });
    await recordAudit(tx, actor, {
      action: 'deployment.rollback',
      targetType: 'deployment',
      targetId: created.id,
      projectId: pipeline.projectId,
      reason,
      details: {
        environment: target.environment.name,
        rollback_from: plan.live?.id ?? null,
        rollback_to: target.deployment.id,
        from_version: plan.live?.version ?? null,
        to_version: target.deployment.version,
        version: created.version,
        run: newRun.number,
        reused,
      },
    });
    return created;
  });
}

/** For each reused step, its latest attempt in the target's run that succeeded before the target deployed. */
async function reusedAttempts(tx: Tx, runId: string, keys: string[], before: Date) {
  const reuse = new Map<string, AttemptRow>();
  if (!keys.length) return reuse;
  const rows = await tx
    .select({ key: workItems.key, attempt: attempts })
    .from(attempts)
    .innerJoin(workItems, eq(workItems.id, attempts.workItemId))
    .where(and(eq(attempts.runId, runId), inArray(workItems.key, keys), eq(attempts.status, 'succeeded'), sql`${attempts.createdAt} <= ${before.toISOString()}::timestamptz`))
    .orderBy(attempts.number);
  for (const row of rows) reuse.set(row.key, row.attempt);
  const missing = keys.filter((k) => !reuse.has(k));
  if (missing.length) throw new DomainError('wrong_state', `The target's run has no succeeded attempt of ${missing.join(', ')} to reuse.`);
  return reuse;
}

async function deploymentOfRun(tx: Tx, runId: string, environmentId: string) {
  const [row] = await tx
    .select()
    .from(deployments)
    .where(and(eq(deployments.runId, runId), eq(deployments.environmentId, environmentId)))
    .orderBy(desc(deployments.version))
    .limit(1);
  if (!row) throw new Error(`run ${runId} wrote no deployment`);
  return row;
}

async function messageOf(conn: Conn, pipelineId: string, commit: string | null) {
  if (!commit) return null;
  const [row] = await conn
    .select({ message: runs.gitMessage })
    .from(runs)
    .where(and(eq(runs.pipelineId, pipelineId), eq(runs.gitCommit, commit)))
    .orderBy(desc(runs.createdAt))
    .limit(1);
  return row?.message ?? null;
}

/**
 * Puts an environment on hold by hand, or releases it (with a reason; the
 * environment's protection role). Releasing lets the deploys that waited on
 * the hold go, in the order they were queued.
 */
export async function setHold(
  db: Db,
  actor: Actor,
  environmentId: string,
  change: { hold: boolean; reason: string | null | undefined },
) {
  const reason = reasonOf(change.reason);
  if (!reason) throw new DomainError('invalid_inputs', `${change.hold ? 'A hold' : 'Releasing a hold'} needs a reason.`, [{ path: '/reason', message: 'required' }]);
  return transact(db, async (tx, sink) => {
    if (!isUuid(environmentId)) throw notFound('Environment');
    const [environment] = await tx.select().from(environments).where(eq(environments.id, environmentId)).for('update');
    if (!environment) throw notFound('Environment');
    const required = (await requiredRoles(tx, environment.projectId, [environment.name])).get(environment.name)!;
    const forbidden = deployRefusal(actor, environment.projectId, environment.name, required, change.hold ? 'Holding' : 'Releasing');
    if (forbidden) throw forbidden;
    let hold: EnvironmentHold | null = null;
    if (change.hold) {
      if (environment.hold) throw new DomainError('wrong_state', `${environment.name} is already held at v${environment.hold.version}.`);
      const live = await liveOf(tx, environment.id);
      hold = { deployment_id: live?.ref.id ?? '', version: live?.ref.version ?? 0, by: actor.userId, by_name: actor.name, reason, at: new Date().toISOString() };
    } else if (!environment.hold) {
      throw new DomainError('wrong_state', `${environment.name} is not held.`);
    }
    const [after] = await tx.update(environments).set({ hold }).where(eq(environments.id, environment.id)).returning();
    const released = hold ? [] : await unpark(tx, sink, { environment: { projectId: environment.projectId, name: environment.name, kind: 'hold' } });
    sink.emit({
      type: 'environment.changed',
      projectId: environment.projectId,
      payload: { environment_id: environment.id, environment: environment.name, hold },
    });
    await recordAudit(tx, actor, {
      action: change.hold ? 'environment.hold' : 'environment.release',
      targetType: 'environment',
      targetId: environment.id,
      projectId: environment.projectId,
      reason,
      details: { environment: environment.name, hold: change.hold ? hold : environment.hold, released: released.length },
    });
    return after;
  });
}

/** A plan as the API and the dialogs show it (DeploymentPlan in snake case). */
export function planJson(plan: DeploymentPlan) {
  const ref = (d: DeploymentRef | null) =>
    d && { id: d.id, version: d.version, status: d.status, git_commit: d.commit, run_id: d.runId, run_number: d.runNumber };
  return {
    action: plan.action,
    deployment: ref(plan.deployment),
    environment: { id: plan.environment.id, name: plan.environment.name, required_role: plan.environment.requiredRole },
    next_version: plan.nextVersion,
    live: ref(plan.live),
    target: ref(plan.target),
    commit: plan.commit,
    inputs: plan.inputs,
    steps: {
      run: plan.steps.run,
      reused: plan.steps.reused.map((s) => ({ key: s.key, title: s.title, run_number: s.runNumber })),
    },
    busy: ref(plan.busy),
    held: plan.held,
    will_hold: plan.willHold,
    candidates: plan.candidates.map(ref),
    allowed: plan.allowed,
    refusal: plan.refusal,
  };
}

/**
 * Lets one waiting deploy step go: someone with its environment's role
 * approves it (it waited for an approval) or deploys it explicitly past the
 * hold. 400 when the step is not waiting; 403 without the role.
 */
export async function approveDeploy(db: Db, actor: Actor, runId: string, itemId: string, options: { reason?: string | null } = {}) {
  const reason = reasonOf(options.reason);
  return transact(db, async (tx, sink) => {
    const run = await lockRun(tx, runId);
    assertCan(actor, 'run.retry', { projectId: run.projectId, what: 'Run' });
    const [item] = isUuid(itemId)
      ? await tx.select().from(workItems).where(and(eq(workItems.id, itemId), eq(workItems.runId, runId))).for('update')
      : [];
    if (!item) throw notFound('Step');
    const [waiting] = item.latestAttemptId
      ? await tx.select().from(attempts).where(and(eq(attempts.id, item.latestAttemptId), eq(attempts.status, 'queued')))
      : [];
    if (!item.environment || !waiting?.parkedFor) {
      throw new DomainError('wrong_state', `Step "${item.key}" is not waiting for an approval or a hold.`);
    }
    await assertCanDeploy(tx, actor, run.projectId, [item.environment]);
    await tx.update(workItems).set({ approvalRole: null, passesHold: true }).where(eq(workItems.id, item.id));
    await unpark(tx, sink, { attemptId: waiting.id });
    sink.emit({
      type: 'attempt.approved',
      projectId: run.projectId,
      runId: run.id,
      payload: { run_id: run.id, item_id: item.id, attempt_id: waiting.id, environment: item.environment, waited_for: waiting.parkedFor.kind },
    });
    await recordAudit(tx, actor, {
      action: 'deployment.approve',
      targetType: 'run',
      targetId: run.id,
      projectId: run.projectId,
      reason,
      details: { number: run.number, item: item.key, environment: item.environment, waited_for: waiting.parkedFor.kind },
    });
    return waiting;
  });
}
