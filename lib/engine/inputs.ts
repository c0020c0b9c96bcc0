import { and, eq, inArray } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { attempts, workItems, type AttemptError } from '@/db/schema';
import type { StepDefinition } from '../pipelines/definition';
import { findReferences, ReferenceError, resolveReferences } from '../pipelines/references';
import { validateAgainstSchema } from '../validation';

/**
 * When a step's inputs are resolved. Wherever an attempt is queued, its inputs
 * are resolved right away from what is at hand (run parameters, the outputs of
 * the step that just finished, or the whole run for operator actions). Inputs
 * that need outputs of other steps are left `inputs_pending` and resolved by
 * the worker that claims the attempt: a finishing step never reads the run.
 */

type Outputs = Record<string, Record<string, unknown> | null | undefined>;

/** The steps whose outputs `step`'s inputs reference. */
export function referencedSteps(step: StepDefinition): string[] {
  return [...new Set(findReferences(step.inputs).flatMap((r) => (r.kind === 'steps' ? [r.step] : [])))];
}

/** The resolved inputs, or null when they need outputs not given here (or cannot be resolved: the claim says why). */
export function resolveInputsWith(step: StepDefinition, params: Record<string, unknown>, outputs: Outputs) {
  if (referencedSteps(step).some((key) => !(key in outputs))) return null;
  try {
    return resolveReferences(step.inputs, { params, outputs }) as Record<string, unknown>;
  } catch (error) {
    if (error instanceof ReferenceError) return null;
    throw error;
  }
}

export type ClaimInputs = { ok: true; inputs: Record<string, unknown>; resolved: boolean } | { ok: false; inputs: Record<string, unknown> | null; error: AttemptError };

/**
 * At claim: resolves pending inputs (reading the referenced steps' latest
 * outputs) and checks every attempt's inputs against the step's inputSchema.
 */
export async function inputsForClaim(
  conn: Conn,
  claim: { runId: string; inputs: Record<string, unknown>; inputsPending: boolean },
  step: StepDefinition,
  params: Record<string, unknown>,
): Promise<ClaimInputs> {
  let inputs = claim.inputs;
  if (claim.inputsPending) {
    const outputs = await latestOutputs(conn, claim.runId, referencedSteps(step));
    try {
      inputs = resolveReferences(step.inputs, { params, outputs }) as Record<string, unknown>;
    } catch (error) {
      if (!(error instanceof ReferenceError)) throw error;
      return { ok: false, inputs: null, error: inputsError(`Inputs could not be resolved: ${error.message}`) };
    }
  }
  const problems = validateAgainstSchema(step.inputSchema, inputs);
  if (problems.length) {
    const list = problems.map((p) => `${p.path || '/'} ${p.message}`).join('; ');
    return { ok: false, inputs, error: inputsError(`Inputs do not match the step's inputSchema: ${list}`) };
  }
  return { ok: true, inputs, resolved: claim.inputsPending };
}

async function latestOutputs(conn: Conn, runId: string, keys: string[]): Promise<Outputs> {
  if (!keys.length) return {};
  const rows = await conn
    .select({ key: workItems.key, status: workItems.status, outputs: attempts.outputs })
    .from(workItems)
    .innerJoin(attempts, eq(attempts.id, workItems.latestAttemptId))
    .where(and(eq(workItems.runId, runId), inArray(workItems.key, keys)));
  return Object.fromEntries(rows.filter((r) => r.status === 'succeeded').map((r) => [r.key, r.outputs ?? {}]));
}

const inputsError = (message: string): AttemptError => ({ message, exit_code: null, classification: 'inputs' });
