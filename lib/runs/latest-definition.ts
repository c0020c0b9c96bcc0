import { eq } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { pipelineLoadErrors, pipelines, pipelineVersions } from '@/db/schema';
import {
  definitionChanges,
  describeStructureDifference,
  structureDifference,
  type StepDefinitionChange,
  type StructureDifference,
} from '../pipelines/definition-change';
import type { PipelineDefinition } from '../pipelines/definition';
import { withDefaults } from '../pipelines/version-cache';
import { pipelineVersionRefs } from '../pipelines/version-numbers';
import type { RunRow } from './load';

/**
 * Retry with the latest definition: the failed steps run again with the
 * pipeline's current step definitions (command, env, inputs, schema, timeout,
 * retry policy) instead of the run's own. The rule, shared by the retry and
 * its plan, lives here.
 */

/** Which definition a run retry uses: the run's own version (the default) or the pipeline's current one. */
export type DefinitionChoice = 'run' | 'latest';
export const DEFINITION_CHOICES = ['run', 'latest'] as const satisfies readonly DefinitionChoice[];

export interface VersionSide {
  id: string;
  number: number;
  hash: string;
  structureHash: string;
  definition: PipelineDefinition;
}

export interface LatestDefinitionInput {
  /** The run's version. */
  from: VersionSide;
  /** The pipeline's current version; null if it has none (never loaded). */
  to: VersionSide | null;
  /** The pipeline's file failed to load since its current version was stored. */
  loadError: { file: string; line: number | null; message: string } | null;
}

export interface LatestDefinitionPlan {
  allowed: boolean;
  notAllowedBecause: string | null;
  from: { id: string; number: number; hash: string };
  to: { id: string; number: number; hash: string } | null;
  /** The current version is another one than the run's. */
  changed: boolean;
  /** Steps added or removed and needs changed; null when the structure hash is equal. */
  structure: StructureDifference | null;
  /** The run's steps whose definition differs, with whether this retry runs them again. */
  steps: (StepDefinitionChange & { title: string; runsAgain: boolean })[];
}

const ref = (v: VersionSide) => ({ id: v.id, number: v.number, hash: v.hash });

/**
 * Whether the run may be retried with the pipeline's current definition, and
 * what would change for each step. Refused when the structure (step keys and
 * needs) differs — the run's items would no longer match its graph — when a
 * step would deploy to another environment (a retry redeploys where the run
 * deployed), or when the pipeline's file failed to load (its current version
 * is not what the file says).
 */
export function latestDefinitionPlan(
  input: LatestDefinitionInput,
  items: { key: string }[],
  runsAgain: Set<string>,
): LatestDefinitionPlan {
  const { loadError } = input;
  // Versions stored before a field existed compare as the parser reads them today.
  const from = { ...input.from, definition: withDefaults(input.from.definition) };
  const to = input.to && { ...input.to, definition: withDefaults(input.to.definition) };
  const plan: LatestDefinitionPlan = {
    allowed: true,
    notAllowedBecause: null,
    from: ref(from),
    to: to && ref(to),
    changed: !!to && to.id !== from.id,
    structure: null,
    steps: [],
  };
  const refuse = (because: string) => {
    if (plan.allowed) Object.assign(plan, { allowed: false, notAllowedBecause: because });
  };
  if (loadError) {
    const where = loadError.line ? `${loadError.file}, line ${loadError.line}` : loadError.file;
    refuse(`The pipeline's file failed to load (${where}: ${loadError.message}); fix it first, or retry with this run's definition.`);
  }
  if (!to) {
    refuse('The pipeline has no current definition.');
    return plan;
  }
  if (!plan.changed) return plan;
  if (to.structureHash !== from.structureHash) {
    plan.structure = structureDifference(from.definition, to.definition);
    refuse(
      `The pipeline's steps changed since this run (${describeStructureDifference(plan.structure) || 'structure hash differs'}): ` +
        "retry with this run's definition, or start a new run.",
    );
  }
  const inRun = new Set(items.map((i) => i.key));
  const titles = new Map(to.definition.steps.map((s) => [s.key, s.title]));
  plan.steps = definitionChanges(from.definition, to.definition)
    .filter((c) => inRun.has(c.key))
    .map((c) => ({ ...c, title: titles.get(c.key) ?? c.key, runsAgain: runsAgain.has(c.key) }));
  for (const step of plan.steps) {
    const moved = step.changes.find((c) => c.field === 'environment');
    if (moved) {
      const name = (v: unknown) => (typeof v === 'string' ? v : 'no environment');
      refuse(
        `Step "${step.key}" now deploys to ${name(moved.after)} instead of ${name(moved.before)}: ` +
          "a retry deploys where the run did. Retry with this run's definition, or start a new run.",
      );
    }
  }
  return plan;
}

/** The run's version and the pipeline's current one, read for a retry (inside its transaction). */
export async function readLatestDefinitionInput(conn: Conn, run: RunRow): Promise<LatestDefinitionInput> {
  const [pipeline] = await conn
    .select({ currentVersionId: pipelines.currentVersionId, sourceFile: pipelines.sourceFile })
    .from(pipelines)
    .where(eq(pipelines.id, run.pipelineId));
  const refs = await pipelineVersionRefs(conn, run.pipelineId);
  const side = async (id: string): Promise<VersionSide> => {
    const [row] = await conn.select().from(pipelineVersions).where(eq(pipelineVersions.id, id));
    return {
      id,
      number: refs.get(id)?.number ?? 0,
      hash: row.contentHash,
      structureHash: row.structureHash,
      definition: row.definition as unknown as PipelineDefinition,
    };
  };
  const [loadError] = pipeline.sourceFile
    ? await conn.select().from(pipelineLoadErrors).where(eq(pipelineLoadErrors.file, pipeline.sourceFile))
    : [];
  return {
    from: await side(run.pipelineVersionId),
    to: pipeline.currentVersionId ? await side(pipeline.currentVersionId) : null,
    loadError: loadError ? { file: loadError.file, line: loadError.line, message: loadError.message } : null,
  };
}
