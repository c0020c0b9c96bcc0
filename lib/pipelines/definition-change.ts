import { maskInputs } from '../secrets';
import type { PipelineDefinition, StepDefinition } from './definition';

/**
 * What changed between two versions of a pipeline, step by step: what a
 * retry with the latest definition would run differently. Pure functions, so
 * the retry, its plan and the tests share them.
 */

/** Steps added or removed, and steps whose needs changed: what the structure hash covers. */
export interface StructureDifference {
  added: string[];
  removed: string[];
  needsChanged: { key: string; before: string[]; after: string[] }[];
}

/** The fields of a step definition a change is reported for, named as in the API. */
export type StepField =
  | 'title'
  | 'run'
  | 'env'
  | 'inputs'
  | 'input_schema'
  | 'timeout_ms'
  | 'retry'
  | 'concurrency'
  | 'environment';

export interface StepFieldChange {
  field: StepField;
  before: unknown;
  after: unknown;
}

export interface StepDefinitionChange {
  key: string;
  changes: StepFieldChange[];
}

export function structureDifference(before: PipelineDefinition, after: PipelineDefinition): StructureDifference {
  const old = new Map(before.steps.map((s) => [s.key, s]));
  const now = new Map(after.steps.map((s) => [s.key, s]));
  const sorted = (list: string[]) => [...list].sort();
  return {
    added: after.steps.filter((s) => !old.has(s.key)).map((s) => s.key),
    removed: before.steps.filter((s) => !now.has(s.key)).map((s) => s.key),
    needsChanged: after.steps.flatMap((s) => {
      const was = old.get(s.key);
      if (!was || sameJson(sorted(was.needs), sorted(s.needs))) return [];
      return [{ key: s.key, before: sorted(was.needs), after: sorted(s.needs) }];
    }),
  };
}

/** One line saying how the structure changed, for a refusal's message. */
export function describeStructureDifference(d: StructureDifference): string {
  const parts: string[] = [];
  if (d.added.length) parts.push(`steps added: ${d.added.join(', ')}`);
  if (d.removed.length) parts.push(`steps removed: ${d.removed.join(', ')}`);
  for (const n of d.needsChanged) {
    parts.push(`"${n.key}" needs [${n.before.join(', ')}] → [${n.after.join(', ')}]`);
  }
  return parts.join('; ');
}

/** The fields that differ between two definitions of one step. Secret inputs read as masked. */
export function stepChanges(before: StepDefinition, after: StepDefinition): StepFieldChange[] {
  const masked = (inputs: Record<string, unknown>) => maskInputs(maskInputs(inputs, before.inputSchema), after.inputSchema);
  const fields: [StepField, unknown, unknown][] = [
    ['title', before.title, after.title],
    ['run', before.run, after.run],
    ['env', before.env, after.env],
    ['inputs', masked(before.inputs), masked(after.inputs)],
    ['input_schema', before.inputSchema, after.inputSchema],
    ['timeout_ms', before.timeoutMs, after.timeoutMs],
    ['retry', retryJson(before), retryJson(after)],
    ['concurrency', before.concurrency, after.concurrency],
    ['environment', before.environment, after.environment],
  ];
  return fields.filter(([, a, b]) => !sameJson(a, b)).map(([field, a, b]) => ({ field, before: a ?? null, after: b ?? null }));
}

/** Each step present in both versions whose definition differs, in the new version's order. */
export function definitionChanges(before: PipelineDefinition, after: PipelineDefinition): StepDefinitionChange[] {
  const old = new Map(before.steps.map((s) => [s.key, s]));
  return after.steps.flatMap((s) => {
    const was = old.get(s.key);
    const changes = was ? stepChanges(was, s) : [];
    return changes.length ? [{ key: s.key, changes }] : [];
  });
}

const retryJson = (s: StepDefinition) => ({
  attempts: s.retry.attempts,
  backoff_ms: s.retry.backoffMs,
  transient_exit_codes: s.retry.transientExitCodes,
});

/** Equal as JSON, whatever the order of object keys. */
export function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}
