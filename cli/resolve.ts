import {
  deploymentsGet,
  deploymentsList,
  environmentsList,
  pipelinesList,
  projectsList,
  runsGet,
  runsList,
} from './api.gen';
import { isUuid, type RunRef } from './args';
import type { Context } from './context';
import { ApiError, UsageError } from './errors';
import { clean } from './format';
import type { Deployment, Environment, Page, Pipeline, Project, Run, RunItem, RunSummary } from './shapes';

export const qualifiedName = (p: Pipeline) => `${p.project}/${p.name}`;

export async function listPipelines(ctx: Context): Promise<Pipeline[]> {
  return ((await pipelinesList(ctx.api)) as Page<Pipeline>).items;
}

/** A pipeline by id, `project/name` or name; a name in several projects is refused with the qualified names to choose from. */
export async function resolvePipeline(ctx: Context, ref: string, pipelines?: Pipeline[]): Promise<Pipeline> {
  const all = pipelines ?? (await listPipelines(ctx));
  if (isUuid(ref)) {
    const byId = all.find((p) => p.id === ref.toLowerCase());
    if (byId) return byId;
  }
  const slash = ref.indexOf('/');
  const matches =
    slash > 0 ? all.filter((p) => qualifiedName(p) === ref) : all.filter((p) => p.name === ref || p.id === ref);
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new UsageError(`"${ref}" names a pipeline in ${matches.length} projects: use one of ${matches.map(qualifiedName).join(', ')}.`);
  }
  const known = all.map(qualifiedName).sort();
  throw new UsageError(`No pipeline "${ref}"${known.length ? ` (pipelines you may see: ${known.join(', ')})` : ' (you may see no pipeline)'}.`);
}

/** Every run of a pipeline with that number; runs come newest first, so the walk stops below it. */
async function findByNumber(ctx: Context, pipelineId: string, number: number): Promise<RunSummary | null> {
  let cursor: string | undefined;
  for (;;) {
    const page = (await runsList(ctx.api, { pipeline: pipelineId, limit: 100, cursor })) as Page<RunSummary>;
    const found = page.items.find((r) => r.number === number);
    if (found) return found;
    const last = page.items[page.items.length - 1];
    if (!page.next_cursor || !last || last.number < number) return null;
    cursor = page.next_cursor;
  }
}

/** A run by id, or by number (`release#12`, or `12` when one pipeline alone has a run 12). */
export async function resolveRun(ctx: Context, ref: RunRef): Promise<Run> {
  if (ref.kind === 'id') return (await runsGet(ctx.api, { run_id: ref.id })) as Run;
  const pipelines = await listPipelines(ctx);
  const candidates = ref.pipeline ? [await resolvePipeline(ctx, ref.pipeline, pipelines)] : pipelines;
  const found: { pipeline: Pipeline; run: RunSummary }[] = [];
  for (const pipeline of candidates) {
    const run = await findByNumber(ctx, pipeline.id, ref.number);
    if (run) found.push({ pipeline, run });
  }
  if (found.length === 0) {
    throw new UsageError(`No run #${ref.number}${ref.pipeline ? ` of ${ref.pipeline}` : ''}.`);
  }
  if (found.length > 1) {
    throw new UsageError(
      `Several pipelines have a run #${ref.number}: use one of ${found.map((f) => `${qualifiedName(f.pipeline)}#${ref.number}`).join(', ')} (or the run's id).`,
    );
  }
  return (await runsGet(ctx.api, { run_id: found[0].run.id })) as Run;
}

/** The newest run of the pipeline that is failed now (a failed run retried since is not). */
export async function latestFailedRun(ctx: Context, pipeline: Pipeline): Promise<Run> {
  const page = (await runsList(ctx.api, { pipeline: pipeline.id, status: 'failed', limit: 1 })) as Page<RunSummary>;
  if (!page.items[0]) throw new ApiError(0, 'nothing_to_retry', `${qualifiedName(pipeline)} has no failed run to retry.`);
  return (await runsGet(ctx.api, { run_id: page.items[0].id })) as Run;
}

export function findStep(run: Run, key: string): RunItem {
  const item = run.items.find((i) => i.key === key || i.id === key);
  if (!item) throw new UsageError(`Run #${run.number} has no step "${key}" (its steps: ${run.items.map((i) => clean(i.key)).join(', ')}).`);
  return item;
}

interface FoundEnvironment {
  project: Project;
  environment: Environment;
}

/** An environment by id, `project/name`, or name (with `--project`, or when one project alone has it). */
export async function resolveEnvironment(ctx: Context, ref: string, projectKey?: string): Promise<FoundEnvironment> {
  const slash = ref.indexOf('/');
  const wantedProject = slash > 0 ? ref.slice(0, slash) : projectKey;
  const name = slash > 0 ? ref.slice(slash + 1) : ref;
  const projects = ((await projectsList(ctx.api)) as Page<Project>).items.filter((p) => !wantedProject || p.key === wantedProject);
  if (wantedProject && projects.length === 0) throw new UsageError(`No project "${wantedProject}".`);
  const found: FoundEnvironment[] = [];
  for (const project of projects) {
    const { items } = (await environmentsList(ctx.api, { project: project.key })) as Page<Environment>;
    for (const environment of items) if (environment.id === ref || environment.name === name) found.push({ project, environment });
  }
  if (found.length === 1) return found[0];
  if (found.length > 1) {
    throw new UsageError(`"${ref}" is an environment of several projects: use one of ${found.map((f) => `${f.project.key}/${f.environment.name}`).join(', ')}.`);
  }
  throw new UsageError(`No environment "${ref}"${wantedProject ? ` in ${wantedProject}` : ''}.`);
}

export type DeploymentAction = 'retry' | 'redeploy' | 'rollback';

/**
 * A deployment by id, or by its environment: for `retry` the environment's
 * latest deployment (it must have failed), for `redeploy` and `rollback` its
 * live one.
 */
export async function resolveDeployment(ctx: Context, ref: string, action: DeploymentAction, projectKey?: string): Promise<Deployment> {
  if (isUuid(ref)) return (await deploymentsGet(ctx.api, { deployment_id: ref.toLowerCase() })) as Deployment;
  const { project, environment } = await resolveEnvironment(ctx, ref, projectKey);
  const where = `${project.key}/${environment.name}`;
  if (action === 'retry') {
    const { items } = (await deploymentsList(ctx.api, { project: project.key, environment: environment.name, limit: 1 })) as Page<Deployment>;
    if (!items[0]) throw new ApiError(0, 'nothing_to_retry', `Nothing was deployed to ${where} yet.`);
    if (items[0].status !== 'failed') {
      throw new ApiError(0, 'nothing_to_retry', `The latest deployment to ${where} (v${items[0].version}) is ${items[0].status}, not failed.`);
    }
    return items[0];
  }
  if (!environment.live) throw new ApiError(0, 'nothing_live', `${where} has no live deployment to ${action}.`);
  return environment.live;
}
