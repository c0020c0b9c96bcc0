import { clean, type Colors } from './format';
import type { DeploymentPlan } from './shapes';

const short = (commit: string | null) => (commit ? clean(commit.slice(0, 7)) : 'unknown commit');
const value = (v: unknown) => (v === undefined ? '(none)' : clean(JSON.stringify(v)));

/**
 * A deployment plan in words, as the dialogs on the pages show it: what would
 * be deployed where, the commit and inputs against what is live, which steps
 * run and which are reused, and whether it may go now and why not.
 */
export function formatPlan(plan: DeploymentPlan, c: Colors): string {
  const env = clean(plan.environment.name);
  const lines = [
    `${plan.action} → ${env} v${plan.next_version}` +
      (plan.live ? ` (live now: v${plan.live.version}, ${short(plan.live.git_commit)})` : ' (nothing live now)'),
  ];
  if (plan.target)
    lines.push(
      `  deploys again: v${plan.target.version}${plan.target.run_number ? ` of run #${plan.target.run_number}` : ''}`,
    );
  lines.push(
    plan.commit.from === plan.commit.to
      ? `  commit: ${short(plan.commit.to)} (unchanged)`
      : `  commit: ${short(plan.commit.from)} → ${short(plan.commit.to)}`,
  );
  const diff = plan.inputs.diff;
  if (diff === null) lines.push('  inputs: resolved when the step runs');
  else if (diff.length === 0) lines.push('  inputs: the same as live');
  else {
    lines.push(`  inputs: ${diff.length} changed`);
    for (const change of diff)
      lines.push(`    ${clean(change.path)}: ${value(change.before)} → ${value(change.after)}`);
  }
  const steps = (list: { key: string }[]) => list.map((s) => clean(s.key)).join(', ');
  if (plan.steps.run.length) lines.push(`  runs: ${steps(plan.steps.run)}`);
  if (plan.steps.reused.length) lines.push(`  reuses: ${steps(plan.steps.reused)}`);
  if (plan.busy) lines.push(c.yellow(`  ${env} is busy: v${plan.busy.version} is ${clean(plan.busy.status)}`));
  if (plan.held) lines.push(c.yellow(`  ${env} is held${plan.held.reason ? `: ${clean(plan.held.reason)}` : ''}`));
  if (plan.will_hold) lines.push(`  ${env} will be held afterwards, until someone releases it`);
  lines.push(
    plan.allowed ? c.green('May go now.') : c.red(`Would be refused: ${clean(plan.refusal?.message ?? 'not allowed')}`),
  );
  return lines.join('\n');
}
