import { eq } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { pipelineVersions } from '@/db/schema';
import { descendants, type PipelineDefinition, type StepDefinition } from './definition';

/** A pipeline version as the engine uses it, parsed once: versions never change. */
export interface PipelineVersionInfo {
  id: string;
  definition: PipelineDefinition;
  baseDir: string;
  steps: Map<string, StepDefinition>;
  /** Every step that transitively needs `key` (what a failure of `key` skips). */
  descendantsOf(key: string): string[];
}

const MAX_CACHED = 500;
const cache = new Map<string, Promise<PipelineVersionInfo>>();

/**
 * The parsed definition of a pipeline version, read from the database once
 * per process. A finishing step needs its dependents and descendants; reading
 * and walking the definition for every step made a step's cost grow with the
 * size of its run.
 */
export function pipelineVersion(conn: Conn, versionId: string): Promise<PipelineVersionInfo> {
  let found = cache.get(versionId);
  if (!found) {
    found = readVersion(conn, versionId);
    found.catch(() => cache.delete(versionId));
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
    cache.set(versionId, found);
  }
  return found;
}

async function readVersion(conn: Conn, versionId: string): Promise<PipelineVersionInfo> {
  const [row] = await conn
    .select({ definition: pipelineVersions.definition, baseDir: pipelineVersions.baseDir })
    .from(pipelineVersions)
    .where(eq(pipelineVersions.id, versionId));
  if (!row) throw new Error(`pipeline version ${versionId} not found`);
  return versionInfo(versionId, row.definition as unknown as PipelineDefinition, row.baseDir);
}

export function versionInfo(id: string, stored: PipelineDefinition, baseDir: string): PipelineVersionInfo {
  const definition = withDefaults(stored);
  const below = new Map<string, string[]>();
  return {
    id,
    definition,
    baseDir,
    steps: new Map(definition.steps.map((s) => [s.key, s])),
    descendantsOf(key) {
      let keys = below.get(key);
      if (!keys) below.set(key, (keys = [...descendants(definition.steps, key)]));
      return keys;
    },
  };
}

/** Versions stored before a field existed get the value the parser gives today. */
export function withDefaults(definition: PipelineDefinition): PipelineDefinition {
  return {
    ...definition,
    steps: definition.steps.map((s) => ({
      ...s,
      concurrency: s.concurrency ?? (s.environment ? { group: `environment:${s.environment}`, limit: 1 } : null),
    })),
  };
}

/** For each step, the steps that need it directly. */
export function dependentsByStep(steps: StepDefinition[]): Map<string, string[]> {
  const out = new Map<string, string[]>(steps.map((s) => [s.key, []]));
  for (const s of steps) for (const need of s.needs) out.get(need)?.push(s.key);
  return out;
}
