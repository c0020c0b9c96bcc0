import { createHash } from 'node:crypto';
import { z } from 'zod';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { parseDuration } from '../duration';
import { compileSchema } from '../validation';
import { findReferences } from './references';

export interface RetryPolicy {
  /** At most this many attempts in all, counting the first. */
  attempts: number;
  /** Wait before the first automatic retry; doubled for each further one. */
  backoffMs: number;
  /** Exit codes worth retrying automatically; null means any failure. */
  transientExitCodes: number[] | null;
}

export interface StepDefinition {
  key: string;
  title: string;
  needs: string[];
  run: string[];
  inputs: Record<string, unknown>;
  inputSchema: Record<string, unknown> | null;
  retry: RetryPolicy;
  timeoutMs: number | null;
  env: Record<string, string>;
  environment: string | null;
  /**
   * At most `limit` attempts of the group run at once across all workers. The
   * group may be a template of run parameters (`deploy-${{ params.region }}`).
   * A step with `environment: X` is in `environment:X`, limit 1, unless it says otherwise.
   */
  concurrency: ConcurrencyPolicy | null;
}

export interface ConcurrencyPolicy {
  group: string;
  limit: number;
}

export interface PipelineDefinition {
  name: string;
  project: string;
  title: string;
  params: Record<string, unknown> | null;
  steps: StepDefinition[];
}

export interface ParsedPipeline {
  definition: PipelineDefinition;
  contentHash: string;
  structureHash: string;
}

export interface DefinitionProblem {
  line: number | null;
  message: string;
}

export class PipelineDefinitionError extends Error {
  constructor(readonly problems: DefinitionProblem[]) {
    super(problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('; '));
  }
}

const KEY = /^[a-z0-9][a-z0-9_-]*$/i;
const duration = z.string().refine((v) => parseDuration(v) !== null, 'must be a duration like "30s", "5m" or "1h"');
const jsonSchema = z.record(z.string(), z.unknown());

const stepSchema = z.strictObject({
  key: z.string().regex(KEY, 'must be letters, digits, "-" or "_"'),
  title: z.string().optional(),
  needs: z.array(z.string()).default([]),
  run: z.array(z.string()).min(1, 'must be a non-empty argv array, e.g. ["sh", "./deploy.sh"]'),
  inputs: z.record(z.string(), z.unknown()).default({}),
  inputSchema: jsonSchema.optional(),
  retry: z
    .strictObject({
      attempts: z.number().int().min(1).max(100),
      backoff: duration.default('5s'),
      transientExitCodes: z.array(z.number().int()).optional(),
    })
    .optional(),
  timeout: duration.optional(),
  env: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'is not a variable name'), z.string()).default({}),
  environment: z.string().regex(KEY).optional(),
  concurrency: z
    .strictObject({
      group: z.string().min(1).max(200),
      limit: z.number().int().min(1).max(1000).default(1),
    })
    .optional(),
});

const fileSchema = z.strictObject({
  name: z.string().regex(KEY, 'must be letters, digits, "-" or "_"'),
  project: z.string().regex(KEY, 'must be letters, digits, "-" or "_"'),
  title: z.string().optional(),
  params: jsonSchema.optional(),
  steps: z.array(stepSchema).min(1, 'a pipeline needs at least one step'),
});

/** Parses and checks one pipeline file; throws PipelineDefinitionError listing every problem found. */
export function parsePipeline(source: string): ParsedPipeline {
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PipelineDefinitionError(
      doc.errors.map((e) => ({
        line: lineCounter.linePos(e.pos[0]).line,
        message: `YAML syntax: ${e.message.split('\n')[0]}`,
      })),
    );
  }
  const lineOf = (path: (string | number)[]): number | null => {
    for (let p = path.length; p >= 0; p--) {
      const node = doc.getIn(path.slice(0, p), true);
      if (isNode(node) && node.range) return lineCounter.linePos(node.range[0]).line;
    }
    return null;
  };

  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new PipelineDefinitionError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
        return { line: lineOf(path), message: `${path.join('.') || 'file'}: ${issue.message}` };
      }),
    );
  }
  const file = parsed.data;
  const problems: DefinitionProblem[] = [];
  const problem = (path: (string | number)[], message: string) =>
    problems.push({ line: lineOf(path), message });

  const keys = new Map<string, number>();
  file.steps.forEach((step, i) => {
    if (keys.has(step.key)) problem(['steps', i, 'key'], `step "${step.key}" is defined twice`);
    keys.set(step.key, i);
  });
  file.steps.forEach((step, i) =>
    step.needs.forEach((need, j) => {
      if (!keys.has(need)) problem(['steps', i, 'needs', j], `step "${step.key}" needs unknown step "${need}"`);
      if (need === step.key) problem(['steps', i, 'needs', j], `step "${step.key}" needs itself`);
    }),
  );
  const cycle = findCycle(file.steps);
  if (cycle) problem(['steps', keys.get(cycle[0])!, 'needs'], `steps form a cycle: ${cycle.join(' → ')}`);

  if (file.params) checkSchema(file.params, ['params'], problem);
  const paramNames = new Set(Object.keys((file.params?.properties as object | undefined) ?? {}));
  file.steps.forEach((step, i) => {
    for (const ref of findReferences(step.concurrency?.group ?? '')) {
      if (ref.kind !== 'params') problem(['steps', i, 'concurrency', 'group'], `"${ref.text}": a concurrency group may only use \${{ params.NAME }}`);
      else if (file.params && !paramNames.has(ref.name)) problem(['steps', i, 'concurrency', 'group'], `unknown parameter "${ref.name}"`);
    }
  });
  file.steps.forEach((step, i) => {
    if (step.inputSchema) checkSchema(step.inputSchema, ['steps', i, 'inputSchema'], problem);
    const upstream = cycle ? new Set<string>() : ancestors(file.steps, step.key);
    for (const ref of findReferences(step.inputs)) {
      const at = ['steps', i, 'inputs', ...ref.path];
      if (ref.kind === 'invalid') problem(at, `"${ref.text}" is not a reference; use \${{ params.NAME }} or \${{ steps.KEY.outputs.NAME }}`);
      else if (ref.kind === 'params' && file.params && !paramNames.has(ref.name))
        problem(at, `unknown parameter "${ref.name}"`);
      else if (ref.kind === 'steps' && !keys.has(ref.step)) problem(at, `reference to unknown step "${ref.step}"`);
      else if (ref.kind === 'steps' && !cycle && !upstream.has(ref.step))
        problem(at, `step "${step.key}" uses outputs of "${ref.step}" but does not need it (add it to needs)`);
    }
  });
  if (problems.length > 0) throw new PipelineDefinitionError(problems);

  const definition: PipelineDefinition = {
    name: file.name,
    project: file.project,
    title: file.title ?? file.name,
    params: file.params ?? null,
    steps: file.steps.map((s) => ({
      key: s.key,
      title: s.title ?? s.key,
      needs: s.needs,
      run: s.run,
      inputs: s.inputs,
      inputSchema: s.inputSchema ?? null,
      retry: {
        attempts: s.retry?.attempts ?? 1,
        backoffMs: parseDuration(s.retry?.backoff ?? '5s')!,
        transientExitCodes: s.retry?.transientExitCodes ?? null,
      },
      timeoutMs: s.timeout ? parseDuration(s.timeout) : null,
      env: s.env,
      environment: s.environment ?? null,
      concurrency: s.concurrency ?? (s.environment ? { group: `environment:${s.environment}`, limit: 1 } : null),
    })),
  };
  return {
    definition,
    contentHash: sha256(source),
    structureHash: structureHash(definition),
  };
}

/** Covers only step keys and needs edges: equal hashes mean a run's graph still fits. */
export function structureHash(definition: PipelineDefinition) {
  const shape = definition.steps
    .map((s) => `${s.key}<-${[...s.needs].sort().join(',')}`)
    .sort()
    .join('\n');
  return sha256(shape);
}

function sha256(text: string) {
  return createHash('sha256').update(text).digest('hex');
}

function checkSchema(
  schema: Record<string, unknown>,
  path: (string | number)[],
  problem: (path: (string | number)[], message: string) => void,
) {
  try {
    compileSchema(schema);
  } catch (error) {
    problem(path, `invalid JSON Schema: ${(error as Error).message}`);
  }
}

function findCycle(steps: { key: string; needs: string[] }[]): string[] | null {
  const needs = new Map(steps.map((s) => [s.key, s.needs]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): string[] | null => {
    if (state.get(key) === 'done' || !needs.has(key)) return null;
    if (state.get(key) === 'visiting') return [...stack.slice(stack.indexOf(key)), key];
    state.set(key, 'visiting');
    stack.push(key);
    for (const need of needs.get(key)!) {
      const found = visit(need);
      if (found) return found;
    }
    stack.pop();
    state.set(key, 'done');
    return null;
  };
  for (const s of steps) {
    const found = visit(s.key);
    if (found) return found;
  }
  return null;
}

/** Every step that `key` transitively needs. */
export function ancestors(steps: { key: string; needs: string[] }[], key: string): Set<string> {
  const needs = new Map(steps.map((s) => [s.key, s.needs]));
  const seen = new Set<string>();
  const walk = (k: string) => {
    for (const n of needs.get(k) ?? []) {
      if (!seen.has(n)) {
        seen.add(n);
        walk(n);
      }
    }
  };
  walk(key);
  return seen;
}

/** Every step that transitively needs `key`. */
export function descendants(steps: { key: string; needs: string[] }[], key: string): Set<string> {
  const seen = new Set<string>();
  let frontier = [key];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const s of steps) {
      if (!seen.has(s.key) && s.needs.some((n) => frontier.includes(n))) {
        seen.add(s.key);
        next.push(s.key);
      }
    }
    frontier = next;
  }
  return seen;
}
