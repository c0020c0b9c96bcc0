import { asc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { pipelineVersions } from '@/db/schema';
import { notFound } from '../errors';
import type { PipelineDefinition, StepDefinition } from '../pipelines/definition';
import { pipelineRunDurations, summarizeDurations } from '../pipelines/durations';
import { versionInfo } from '../pipelines/version-cache';
import { cachedLayout } from '../runs/graph-layout';
import { getPipeline } from '../runs/queries';
import { maskInputs, maskText, secretValues } from '../secrets';
import { toJson } from './json';

export interface PipelineDefinitionParams {
  pipelineId: string;
  /** The version numbers compared on the Versions tab (1 is the first loaded). */
  from?: string;
  to?: string;
}

/** The fields of a step an author changes, by the name the page shows. */
const STEP_FIELDS: [string, (s: StepDefinition) => unknown][] = [
  ['title', (s) => s.title],
  ['needs', (s) => s.needs],
  ['command', (s) => s.run],
  ['inputs', (s) => s.inputs],
  ['input schema', (s) => s.inputSchema],
  ['retry', (s) => s.retry],
  ['timeout', (s) => s.timeoutMs],
  ['env', (s) => s.env],
  ['environment', (s) => s.environment],
  ['concurrency', (s) => s.concurrency],
];

export interface StepChange {
  key: string;
  change: 'added' | 'removed' | 'changed';
  fields: string[];
}

/** Which steps two versions define differently, and in which fields. */
export function stepChanges(before: PipelineDefinition, after: PipelineDefinition): StepChange[] {
  const old = new Map(before.steps.map((s) => [s.key, s]));
  const now = new Map(after.steps.map((s) => [s.key, s]));
  const changes: StepChange[] = [];
  for (const step of after.steps) {
    const was = old.get(step.key);
    if (!was) {
      changes.push({ key: step.key, change: 'added', fields: [] });
      continue;
    }
    const fields = STEP_FIELDS.filter(([, read]) => JSON.stringify(read(was)) !== JSON.stringify(read(step))).map(([name]) => name);
    if (fields.length) changes.push({ key: step.key, change: 'changed', fields });
  }
  for (const step of before.steps) if (!now.has(step.key)) changes.push({ key: step.key, change: 'removed', fields: [] });
  return changes;
}

/**
 * A pipeline as defined, before any run: its current version's graph, steps
 * and YAML source, every version it has had (numbered in the order they were
 * first loaded), and two versions compared (`from` → `to`; by default the
 * current one against the one before it).
 */
export async function loadPipelineDefinition(db: Conn, { pipelineId, from, to }: PipelineDefinitionParams) {
  const pipeline = await getPipeline(db, pipelineId);
  // A pipeline has a handful of versions; their list is read without the
  // sources, which only the current and the two compared ones need.
  const versions = (
    await db
      .select({
        id: pipelineVersions.id,
        contentHash: pipelineVersions.contentHash,
        structureHash: pipelineVersions.structureHash,
        sourceFile: pipelineVersions.sourceFile,
        createdAt: pipelineVersions.createdAt,
      })
      .from(pipelineVersions)
      .where(eq(pipelineVersions.pipelineId, pipeline.id))
      .orderBy(asc(pipelineVersions.createdAt), asc(pipelineVersions.id))
  ).map((v, i) => ({ ...v, number: i + 1, current: v.id === pipeline.currentVersionId }));
  const current = versions.find((v) => v.current) ?? null;

  const numberIn = (text: string | undefined) => {
    const n = Number(text);
    return Number.isInteger(n) && n >= 1 && n <= versions.length ? n : null;
  };
  const toNumber = numberIn(to) ?? current?.number ?? versions.length;
  const fromNumber = numberIn(from) ?? (toNumber > 1 ? toNumber - 1 : toNumber);
  const wanted = [current?.id, versions[fromNumber - 1]?.id, versions[toNumber - 1]?.id].filter((id): id is string => !!id);
  const full = wanted.length
    ? await db
        .select({ id: pipelineVersions.id, source: pipelineVersions.source, definition: pipelineVersions.definition, baseDir: pipelineVersions.baseDir })
        .from(pipelineVersions)
        .where(inArray(pipelineVersions.id, [...new Set(wanted)]))
    : [];
  const byId = new Map(full.map((v) => [v.id, { ...v, definition: versionInfo(v.id, v.definition as unknown as PipelineDefinition, v.baseDir).definition }]));
  if (versions.length && !current) throw notFound('Pipeline');
  // Secret inputs (DESIGN §5) are never shown: not in the steps, not in any
  // YAML source shown, whichever of the read versions wrote them literally.
  const secrets = [
    ...new Set(
      [...byId.values()].flatMap((v) =>
        v.definition.steps.flatMap((s) => secretValues(s.inputs, s.inputSchema).filter((text) => !text.includes('${{'))),
      ),
    ),
  ].sort((x, y) => y.length - x.length);
  const sourceOf = (id: string) => maskText(byId.get(id)!.source, secrets);
  const shown = current ? byId.get(current.id)! : null;
  const definition = shown?.definition ?? null;

  const a = versions[fromNumber - 1];
  const b = versions[toNumber - 1];
  const compare =
    a && b
      ? {
          from: { number: a.number, contentHash: a.contentHash, createdAt: a.createdAt, source: sourceOf(a.id) },
          to: { number: b.number, contentHash: b.contentHash, createdAt: b.createdAt, source: sourceOf(b.id) },
          structureChanged: a.structureHash !== b.structureHash,
          steps: stepChanges(byId.get(a.id)!.definition, byId.get(b.id)!.definition),
        }
      : null;

  return toJson({
    now: new Date(),
    pipeline: {
      id: pipeline.id,
      name: pipeline.name,
      title: pipeline.title,
      project: pipeline.project,
      sourceFile: pipeline.sourceFile,
      versionHash: pipeline.versionHash,
    },
    current: current && shown ? { number: current.number, contentHash: current.contentHash, createdAt: current.createdAt, source: sourceOf(current.id) } : null,
    params: definition?.params ?? null,
    layout: definition && current ? cachedLayout(current.structureHash, definition.steps) : null,
    steps: (definition?.steps ?? []).map((s) => ({
      key: s.key,
      title: s.title,
      needs: s.needs,
      run: s.run,
      inputs: maskInputs(s.inputs, s.inputSchema),
      inputSchema: s.inputSchema,
      retry: s.retry,
      timeoutMs: s.timeoutMs,
      env: s.env,
      environment: s.environment,
      concurrency: s.concurrency,
    })),
    versions: versions
      .map((v) => ({ number: v.number, contentHash: v.contentHash, structureHash: v.structureHash, sourceFile: v.sourceFile, createdAt: v.createdAt, current: v.current }))
      .reverse(),
    compare,
  });
}

export type PipelineDefinitionView = Awaited<ReturnType<typeof loadPipelineDefinition>>;

/** The duration chart of a pipeline's page: its last runs' first attempts, with the text summary. */
export async function loadPipelineDurations(db: Conn, { pipelineId }: { pipelineId: string }) {
  const pipeline = await getPipeline(db, pipelineId);
  const points = await pipelineRunDurations(db, pipeline.id);
  return toJson({ points, summary: summarizeDurations(points) });
}
