/**
 * What the CLI reads from the API's answers. The requests are generated
 * (api.gen.ts); the answers are `{}` in the OpenAPI description, so these name
 * the fields of README's HTTP API section the CLI shows.
 */

export type RunStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface RunSummary {
  id: string;
  number: number;
  pipeline_id: string;
  project_id: string;
  status: RunStatus;
  attempt: number;
  trigger: string;
  params: Record<string, unknown> | null;
  commit: string | null;
  branch: string | null;
  environment: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  html_url: string;
}

export interface Attempt {
  id: string;
  item_id: string;
  run_id: string;
  step: string;
  number: number;
  kind: string;
  status: string;
  inputs: Record<string, unknown>;
  inputs_pending?: boolean;
  error: { message?: string; exit_code?: number | null } | null;
  reason: string | null;
  run_attempt: number;
  started_at: string | null;
  finished_at: string | null;
  html_url: string;
}

export interface RunItem {
  id: string;
  key: string;
  status: string;
  needs: string[];
  attempt_count: number;
  latest_attempt: Attempt | null;
}

export interface Run extends RunSummary {
  items: RunItem[];
}

export interface Pipeline {
  id: string;
  project: string;
  name: string;
  title: string | null;
  /** The JSON Schema of its run parameters, or null. */
  params_schema: Record<string, unknown> | null;
  last_run: RunSummary | null;
  html_url: string;
}

export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export interface LogChunk {
  seq: number;
  stream: string;
  text: string;
  at: string;
}

export interface LogPage {
  items: LogChunk[];
  next_after: number;
}

export interface Project {
  id: string;
  key: string;
  title: string | null;
}

export interface Deployment {
  id: string;
  environment_id: string;
  environment: string;
  version: number;
  status: string;
  trigger: string;
  git_commit: string | null;
  run_id: string | null;
  live: boolean;
  html_url: string;
  created_at: string;
}

export interface Environment {
  id: string;
  name: string;
  live: Deployment | null;
  active: Deployment | null;
  hold: { reason: string | null; by_name?: string | null } | null;
}

/** A deployment as a plan names it. */
export interface PlanDeployment {
  id: string;
  version: number;
  status: string;
  git_commit: string | null;
  run_id: string | null;
  run_number: number | null;
}

/** What a deployment action would do (GET /api/v1/deployments/{id}/{action}-plan). */
export interface DeploymentPlan {
  action: 'retry' | 'redeploy' | 'rollback';
  environment: { id: string; name: string; required_role: string | null };
  next_version: number;
  live: PlanDeployment | null;
  target: PlanDeployment | null;
  commit: { from: string | null; to: string | null };
  inputs: {
    before: Record<string, unknown> | null;
    after: Record<string, unknown> | null;
    diff: { path: string; before?: unknown; after?: unknown; secret?: true }[] | null;
  };
  steps: { run: { key: string; title: string }[]; reused: { key: string; title: string; run_number: number | null }[] };
  busy: PlanDeployment | null;
  held: { reason: string | null; by_name?: string | null } | null;
  will_hold: boolean;
  allowed: boolean;
  refusal: { code: string; message: string } | null;
}
