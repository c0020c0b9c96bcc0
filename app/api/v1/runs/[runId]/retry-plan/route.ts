import { apiRoute } from '@/lib/api/handler';
import { assertCan } from '@/lib/auth/permissions';
import { planRetry, type RetryPlan } from '@/lib/runs/retry-plan';

export const dynamic = 'force-dynamic';

const planJson = (p: RetryPlan) => ({
  run_id: p.runId,
  run_number: p.runNumber,
  run_status: p.runStatus,
  run_attempt: p.runAttempt,
  allowed: p.allowed,
  not_allowed_because: p.notAllowedBecause,
  retry: p.retry,
  rerun: p.rerun,
  kept: p.kept,
  definition: {
    run_hash: p.definition.runHash,
    current_hash: p.definition.currentHash,
    changed: p.definition.changed,
    same_structure: p.definition.sameStructure,
  },
});

/** What POST /retry would do now; send `expected_attempt: run_attempt` with it to act on exactly this plan. */
export const GET = apiRoute<{ runId: string }>(async ({ db, actor, params }) => {
  const plan = await planRetry(db, params.runId);
  assertCan(actor, 'run.read');
  return { body: planJson(plan) };
});
