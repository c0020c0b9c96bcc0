import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

// ---------------------------------------------------------------- identity

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull().unique(),
    name: text('name').notNull(),
    passwordHash: text('password_hash').notNull(),
    // The instance role: `admin` manages users and may do anything in every
    // project; `member` has what its project memberships give it.
    role: text('role').$type<UserRole>().notNull().default('member'),
    // True when single sign-on's group mapping made the user an instance
    // admin: the next SSO sign-in without such a group takes it back. An admin
    // who sets the role by hand owns it (false), and SSO leaves it alone.
    roleFromSso: boolean('role_from_sso').notNull().default(false),
    // A deactivated user's sessions and tokens stop working at the next request.
    active: boolean('active').notNull().default(true),
    // The OpenID Connect identity the user signs in with (lib/auth/sso.ts):
    // the provider's issuer and its stable `sub`, never the email, which may change.
    ssoIssuer: text('sso_issuer'),
    ssoSubject: text('sso_subject'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('users_sso_identity_idx').on(t.ssoIssuer, t.ssoSubject)],
);

/** A user's role in one project (lib/auth/roles.ts). */
export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    role: text('role').$type<ProjectRole>().notNull(),
    // Granted by single sign-on's group mapping: the next SSO sign-in sets it
    // again from the groups, or removes it. SSO never lowers or removes an
    // admin's grant (false); when the groups give more, the membership becomes
    // SSO's, so that leaving the group takes the higher role back.
    fromSso: boolean('from_sso').notNull().default(false),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
);

export const apiTokens = pgTable(
  'api_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    name: text('name').notNull(),
    // sha256 of the secret: a leaked database does not leak usable tokens.
    tokenHash: text('token_hash').notNull().unique(),
    // The one project a token acts in, and the highest role it may use there
    // (never above its owner's). Null project: an instance token (only
    // REPRISE_BOOTSTRAP_TOKEN makes one), acting with its owner's roles.
    projectId: uuid('project_id').references(() => projects.id),
    role: text('role').$type<ProjectRole>(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('api_tokens_user_idx').on(t.userId, t.createdAt)],
);

// ---------------------------------------------------------------- pipelines

export const projects = pgTable('projects', {
  id: uuid('id').primaryKey().defaultRandom(),
  key: text('key').notNull().unique(),
  title: text('title').notNull(),
  createdAt: createdAt(),
});

export const pipelines = pgTable(
  'pipelines',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    title: text('title').notNull(),
    currentVersionId: uuid('current_version_id'),
    sourceFile: text('source_file'),
    // Run numbers are per pipeline and never reused: each pipeline has a
    // sequence of its own, made with its row (migration 0016;
    // lib/runs/run-number.ts). A counter here was held under the row's lock
    // until commit: concurrent triggers of one pipeline took turns on disk flushes.
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('pipelines_project_name_idx').on(t.projectId, t.name)],
);

export const pipelineVersions = pgTable(
  'pipeline_versions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    contentHash: text('content_hash').notNull(),
    structureHash: text('structure_hash').notNull(),
    definition: jsonb('definition').$type<PipelineDefinitionJson>().notNull(),
    source: text('source').notNull(),
    sourceFile: text('source_file').notNull(),
    baseDir: text('base_dir').notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('pipeline_versions_hash_idx').on(t.pipelineId, t.contentHash)],
);

export const pipelineLoadErrors = pgTable('pipeline_load_errors', {
  file: text('file').primaryKey(),
  line: integer('line'),
  message: text('message').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------- runs

export const runs = pgTable(
  'runs',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    pipelineId: uuid('pipeline_id')
      .notNull()
      .references(() => pipelines.id),
    pipelineVersionId: uuid('pipeline_version_id')
      .notNull()
      .references(() => pipelineVersions.id),
    number: integer('number').notNull(),
    params: jsonb('params').$type<Record<string, unknown>>().notNull().default({}),
    trigger: text('trigger').$type<RunTrigger>().notNull(),
    triggeredBy: uuid('triggered_by').references(() => users.id),
    gitCommit: text('git_commit'),
    gitBranch: text('git_branch'),
    gitMessage: text('git_message'),
    environment: text('environment'),
    // A run made by a deployment action (redeploy, rollback): what it deploys
    // where, and from which deployment (lib/deployments/actions.ts).
    deployAction: jsonb('deploy_action').$type<DeployAction>(),
    attempt: integer('attempt').notNull().default(1),
    // Derived from the items once none is left unfinished (lib/engine/settle-run.ts):
    // no counter here, which every finishing step of the run would take turns to write.
    status: text('status').$type<RunStatus>().notNull().default('queued'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  // History lists read newest first: `order by created_at desc, id desc`,
  // which is NULLS FIRST. Each index ends in ascending (created_at, id) so a
  // backward scan yields exactly that order (`.desc()` would make the index
  // DESC NULLS LAST, which no list can use), after the equality columns of one
  // filter of the run history (lib/runs/queries.ts listRuns). The plan tests
  // (lib/runs/history-plans.test.ts) fail when a list stops reading its index.
  (t) => [
    uniqueIndex('runs_pipeline_number_idx').on(t.pipelineId, t.number),
    index('runs_created_idx').on(t.createdAt, t.id),
    index('runs_pipeline_created_idx').on(t.pipelineId, t.createdAt, t.id),
    index('runs_pipeline_status_created_idx').on(t.pipelineId, t.status, t.createdAt, t.id),
    // Also the loose index scan of a pipeline's branches and actors (runFilterOptions).
    index('runs_pipeline_branch_created_idx').on(t.pipelineId, t.gitBranch, t.createdAt, t.id),
    index('runs_pipeline_actor_created_idx').on(t.pipelineId, t.triggeredBy, t.createdAt, t.id),
    index('runs_pipeline_trigger_created_idx').on(t.pipelineId, t.trigger, t.createdAt, t.id),
    index('runs_project_created_idx').on(t.projectId, t.createdAt, t.id),
    index('runs_status_created_idx').on(t.status, t.createdAt, t.id),
    // The header search's commit prefix (lib/runs/search.ts): `lower(git_commit) like 'ab12%'`.
    index('runs_commit_prefix_idx').using('btree', sql`lower(${t.gitCommit}) text_pattern_ops`),
    // The few runs in flight, in order, without walking the finished ones (listActiveRuns).
    index('runs_active_created_idx')
      .on(t.createdAt, t.id)
      .where(sql`${t.status} in ('queued', 'running')`),
  ],
);

export const workItems = pgTable(
  'work_items',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    key: text('key').notNull(),
    position: integer('position').notNull(),
    needs: text('needs')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    // The items that need this one, and how many of this item's needs have
    // not succeeded: a finishing step decrements its dependents' counts and
    // queues those reaching 0, without loading the run's graph.
    dependents: text('dependents')
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    unmetNeeds: integer('unmet_needs').notNull().default(0),
    // From the step's definition, fixed when the run starts: where it deploys
    // and which concurrency group its attempts queue in (lib/engine/concurrency.ts).
    environment: text('environment'),
    concurrencyKey: text('concurrency_key'),
    concurrencyLimit: integer('concurrency_limit'),
    status: text('status').$type<ItemStatus>().notNull().default('pending'),
    latestAttemptId: uuid('latest_attempt_id'),
    attemptCount: integer('attempt_count').notNull().default(0),
    // Who asked for the next attempt of a pending item (a retry or replay
    // upstream), so the attempt created when it becomes ready records them.
    requestedBy: uuid('requested_by').references(() => users.id),
    requestedReason: text('requested_reason'),
    // A deploy step someone without the environment's role set going: its
    // attempt waits until someone with this role approves (lib/deployments/gate.ts).
    approvalRole: text('approval_role').$type<ProjectRole>(),
    // An explicit deployment (a deployment action, an approval): it does not
    // wait on the environment's hold.
    passesHold: boolean('passes_hold').notNull().default(false),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('work_items_run_key_idx').on(t.runId, t.key),
    // Whether a run has anything left to do, without reading its finished items (settleRuns).
    index('work_items_unfinished_idx')
      .on(t.runId)
      .where(sql`${t.status} in ('pending', 'queued', 'running')`),
  ],
);

export const attempts = pgTable(
  'attempts',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    workItemId: uuid('work_item_id')
      .notNull()
      .references(() => workItems.id),
    runId: uuid('run_id')
      .notNull()
      .references(() => runs.id),
    number: integer('number').notNull(),
    kind: text('kind').$type<AttemptKind>().notNull(),
    status: text('status').$type<AttemptStatus>().notNull().default('queued'),
    inputs: jsonb('inputs').$type<Record<string, unknown>>().notNull().default({}),
    // Inputs that reference outputs of several upstream steps are resolved by
    // the worker that claims the attempt (lib/engine/inputs.ts), not when it is queued.
    inputsPending: boolean('inputs_pending').notNull().default(false),
    inputOverrides: jsonb('input_overrides').$type<Record<string, unknown>>(),
    inputDiff: jsonb('input_diff').$type<InputChange[]>(),
    reason: text('reason'),
    outputs: jsonb('outputs').$type<Record<string, unknown>>(),
    error: jsonb('error').$type<AttemptError>(),
    triggeredBy: uuid('triggered_by').references(() => users.id),
    retryOf: uuid('retry_of'),
    runAttempt: integer('run_attempt').notNull(),
    // How many attempts the current automatic series holds, this one included.
    autoChain: integer('auto_chain').notNull().default(1),
    concurrencyKey: text('concurrency_key'),
    concurrencyLimit: integer('concurrency_limit'),
    workerId: text('worker_id'),
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    cancelRequested: boolean('cancel_requested').notNull().default(false),
    // Automatic retries wait out their backoff: not claimable before this.
    // A deploy step waiting on a hold or an approval is parked far in the
    // future (PARKED_UNTIL) with `parked_for` saying why, until released.
    availableAt: timestamp('available_at', { withTimezone: true }).notNull().defaultNow(),
    parkedFor: jsonb('parked_for').$type<ParkedFor>(),
    // A step a rollback did not run again: the attempt whose outputs it reuses.
    reusedFrom: uuid('reused_from'),
    // The pipeline version whose step definition this attempt runs (command,
    // env, timeout, schema). Usually its run's; a retry with the latest
    // definition moves the run on, while earlier attempts keep the one they ran.
    pipelineVersionId: uuid('pipeline_version_id').references(() => pipelineVersions.id),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('attempts_item_number_idx').on(t.workItemId, t.number),
    index('attempts_run_idx').on(t.runId),
    index('attempts_retry_of_idx').on(t.retryOf),
    // What a claim reads: ready attempts outside any concurrency group, oldest first
    // (grouped ones are found per group, by attempts_group_queue_idx).
    index('attempts_queue_idx')
      .on(t.availableAt, t.createdAt)
      .where(sql`${t.status} = 'queued' and ${t.concurrencyKey} is null`),
    index('attempts_lease_idx')
      .on(t.leaseExpiresAt)
      .where(sql`${t.status} = 'running'`),
    index('attempts_group_queue_idx')
      .on(t.concurrencyKey, t.availableAt, t.createdAt)
      .where(sql`${t.status} = 'queued' and ${t.concurrencyKey} is not null`),
    // The few deploy attempts waiting on a hold or an approval (lib/deployments/gate.ts).
    index('attempts_parked_idx')
      .on(t.runId)
      .where(sql`${t.status} = 'queued' and ${t.parkedFor} is not null`),
    index('attempts_group_running_idx')
      .on(t.concurrencyKey)
      .where(sql`${t.status} = 'running' and ${t.concurrencyKey} is not null`),
  ],
);

/**
 * A concurrency group: at most `limit` of its attempts run at once across all
 * workers. `running` is kept by the claim (+1) and the finish (-1) under this
 * row's lock, so concurrent claims of one group cannot overshoot.
 */
export const concurrencyGroups = pgTable('concurrency_groups', {
  key: text('key').primaryKey(),
  projectId: uuid('project_id')
    .notNull()
    .references(() => projects.id),
  name: text('name').notNull(),
  limit: integer('limit').notNull(),
  running: integer('running').notNull().default(0),
});

export const logChunks = pgTable(
  'log_chunks',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    attemptId: uuid('attempt_id')
      .notNull()
      .references(() => attempts.id),
    seq: integer('seq').notNull(),
    stream: text('stream').$type<LogStream>().notNull(),
    text: text('text').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('log_chunks_attempt_seq_idx').on(t.attemptId, t.seq)],
);

// ---------------------------------------------------------------- deployments

export const environments = pgTable(
  'environments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    name: text('name').notNull(),
    protection: jsonb('protection').$type<{ requiredRole?: ProjectRole }>().notNull().default({}),
    lastVersion: integer('last_version').notNull().default(0),
    activeDeploymentId: uuid('active_deployment_id'),
    // Set by a rollback: new deploys wait until someone releases it.
    hold: jsonb('hold').$type<EnvironmentHold>(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('environments_project_name_idx').on(t.projectId, t.name)],
);

export const deployments = pgTable(
  'deployments',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => environments.id),
    version: integer('version').notNull(),
    status: text('status').notNull(),
    trigger: text('trigger').notNull(),
    triggeredBy: uuid('triggered_by').references(() => users.id),
    gitCommit: text('git_commit'),
    gitBranch: text('git_branch'),
    gitMessage: text('git_message'),
    runId: uuid('run_id').references(() => runs.id),
    attemptId: uuid('attempt_id').references(() => attempts.id),
    retryOf: uuid('retry_of'),
    redeployOf: uuid('redeploy_of'),
    rollbackFrom: uuid('rollback_from'),
    rollbackTo: uuid('rollback_to'),
    reason: text('reason'),
    errorMessage: text('error_message'),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    completedAt: timestamp('completed_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('deployments_env_version_idx').on(t.environmentId, t.version),
    // An environment's live deployment and its active one, whatever its history (lib/deployments/read.ts).
    index('deployments_live_idx')
      .on(t.environmentId, t.version)
      .where(sql`${t.status} = 'succeeded'`),
    index('deployments_active_idx')
      .on(t.environmentId, t.version)
      .where(sql`${t.status} in ('pending', 'running')`),
    // Ascending, read backwards: newest first is `desc` NULLS FIRST (see runs).
    index('deployments_project_created_idx').on(t.projectId, t.createdAt, t.id),
    index('deployments_env_created_idx').on(t.environmentId, t.createdAt, t.id),
    // One deployment per deploy-step attempt; its status follows the attempt by this key.
    uniqueIndex('deployments_attempt_idx').on(t.attemptId),
    // A redeploy's deployment written ahead of its attempt, found when the run moves on or ends.
    index('deployments_undeployed_idx')
      .on(t.runId)
      .where(sql`${t.attemptId} is null`),
  ],
);

// ---------------------------------------------------------------- history

/**
 * A transaction id (xid8): 64 bits, so it reaches TypeScript as a bigint.
 * drizzle has no built-in type for it.
 */
const xid8 = customType<{ data: bigint; driverData: string }>({
  dataType: () => 'xid8',
  toDriver: (value) => value.toString(),
  fromDriver: (value) => BigInt(value),
});

export const events = pgTable(
  'events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    // The writing transaction. Ids are taken in id order but committed in any
    // order; readers go in (xid, id) order below the oldest running
    // transaction, so an event that commits late is never skipped
    // (lib/event-hub.ts).
    xid: xid8('xid')
      .notNull()
      .default(sql`pg_current_xact_id()`),
    type: text('type').notNull(),
    projectId: uuid('project_id'),
    runId: uuid('run_id'),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    index('events_run_idx').on(t.runId, t.id),
    index('events_created_idx').on(t.createdAt),
    index('events_xid_idx').on(t.xid, t.id),
  ],
);

export const auditEntries = pgTable(
  'audit_entries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    actorId: uuid('actor_id').references(() => users.id),
    // Who it was at the time (a user's email may change later), and which token acted, if any.
    actorEmail: text('actor_email'),
    tokenId: uuid('token_id'),
    projectId: uuid('project_id'),
    address: text('address'),
    action: text('action').notNull(),
    targetType: text('target_type').notNull(),
    targetId: text('target_id').notNull(),
    reason: text('reason'),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [
    // Ascending, read backwards: newest first is `desc` NULLS FIRST (see runs).
    index('audit_created_idx').on(t.createdAt, t.id),
    index('audit_target_idx').on(t.targetType, t.targetId, t.createdAt),
    index('audit_project_created_idx').on(t.projectId, t.createdAt, t.id),
    index('audit_actor_created_idx').on(t.actorId, t.createdAt, t.id),
    index('audit_action_created_idx').on(t.action, t.createdAt, t.id),
  ],
);

/**
 * Fixed-window counters (lib/rate-limit.ts), in the database so every app
 * instance counts the same requests.
 */
export const rateLimits = pgTable(
  'rate_limits',
  {
    key: text('key').primaryKey(),
    windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
    hits: integer('hits').notNull(),
  },
  (t) => [index('rate_limits_window_idx').on(t.windowStartedAt)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    scope: text('scope').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    responseStatus: integer('response_status').notNull(),
    // Text, not jsonb: the stored answer is returned byte for byte (jsonb would reorder keys).
    responseBody: text('response_body').notNull(),
    createdAt: createdAt(),
  },
  // created_at: retention deletes spent keys oldest first, in batches.
  (t) => [primaryKey({ columns: [t.scope, t.key] }), index('idempotency_created_idx').on(t.createdAt)],
);

// ---------------------------------------------------------------- value types

export type UserRole = 'admin' | 'member';
export type ProjectRole = 'viewer' | 'operator' | 'deployer' | 'admin';
export type RunTrigger = 'manual' | 'api' | 'retry' | 'redeploy' | 'rollback' | 'schedule';
export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type ItemStatus = 'pending' | 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'skipped';
export type AttemptStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'lost';
export type AttemptKind = 'initial' | 'auto_retry' | 'retry' | 'replay' | 'rerun' | 'reused';

/** What a run made by a deployment action deploys (runs.deploy_action). */
export interface DeployAction {
  action: 'redeploy' | 'rollback';
  environment: string;
  /** The deploy step's key. */
  step: string;
  /** redeploy: the deployment redeployed; rollback: the target deployment. */
  of: string;
  /** rollback: the live deployment it replaces. */
  from?: string | null;
  reason?: string | null;
}

/** Why a queued deploy attempt waits (attempts.parked_for). */
export interface ParkedFor {
  kind: 'hold' | 'approval';
  environment: string;
  /** approval: the role that may let it through. */
  role?: ProjectRole;
}

/** An environment's hold (environments.hold), set by a rollback. */
export interface EnvironmentHold {
  deployment_id: string;
  version: number;
  by: string | null;
  by_name: string | null;
  reason: string | null;
  at: string;
}
export type LogStream = 'stdout' | 'stderr' | 'system';
export type ErrorClassification = 'exit_code' | 'timeout' | 'lost' | 'cancelled' | 'spawn' | 'outputs' | 'inputs';
export interface AttemptError {
  message: string;
  exit_code: number | null;
  classification: ErrorClassification;
}
export interface InputChange {
  path: string;
  before?: unknown;
  after?: unknown;
  /** A secret input changed: before and after read "••••" (lib/secrets.ts). */
  secret?: true;
}
/** The parsed YAML as stored with each version; see lib/pipelines/definition.ts. */
export type PipelineDefinitionJson = Record<string, unknown>;
