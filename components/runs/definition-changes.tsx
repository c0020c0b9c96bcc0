import type { StepField } from '@/lib/pipelines/definition-change';
import type { LatestDefinitionPlan } from '@/lib/runs/latest-definition';
import { JsonDiff } from '../attempts/json-diff';

const FIELD_LABEL: Record<StepField, string> = {
  title: 'Title',
  run: 'Command',
  env: 'Environment variables',
  inputs: 'Inputs',
  input_schema: 'Input schema',
  timeout_ms: 'Timeout',
  retry: 'Automatic retry',
  concurrency: 'Concurrency',
  environment: 'Deploys to',
};

/** A timeout reads as "5m", not 300000. */
const shown = (field: StepField, value: unknown) =>
  field === 'timeout_ms' ? (typeof value === 'number' ? formatMs(value) : 'none') : value;

function formatMs(ms: number) {
  const units: [number, string][] = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}

/** What a retry with the latest definition changes, step by step: each changed field as a diff. */
export function DefinitionChanges({ latest }: { latest: LatestDefinitionPlan }) {
  if (!latest.steps.length) {
    return (
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        None of this run’s steps changed: only steps it does not have, or the file’s layout.
      </p>
    );
  }
  return (
    <ul className="space-y-3" aria-label="Changes per step">
      {latest.steps.map((step) => (
        <li key={step.key} className="space-y-2 rounded-md border border-zinc-200 p-2 dark:border-zinc-800">
          <p className="text-sm">
            <span className="font-medium">{step.title}</span>{' '}
            <span className="text-zinc-500 dark:text-zinc-400">
              {step.runsAgain ? '— runs again with these changes' : '— kept, not run again (changes apply to later replays)'}
            </span>
          </p>
          {step.changes.map((change) => (
            <JsonDiff
              key={change.field}
              label={FIELD_LABEL[change.field]}
              before={shown(change.field, change.before)}
              after={shown(change.field, change.after)}
            />
          ))}
        </li>
      ))}
    </ul>
  );
}

/** Why the structure forbids the latest definition: steps added, removed, needs changed. */
export function StructureDifferenceList({ structure }: { structure: NonNullable<LatestDefinitionPlan['structure']> }) {
  const rows: [string, string][] = [];
  if (structure.added.length) rows.push(['Steps added', structure.added.join(', ')]);
  if (structure.removed.length) rows.push(['Steps removed', structure.removed.join(', ')]);
  for (const n of structure.needsChanged) {
    rows.push([`“${n.key}” needs`, `[${n.before.join(', ')}] → [${n.after.join(', ')}]`]);
  }
  return (
    <dl className="mt-1 grid grid-cols-[auto_1fr] gap-x-3 text-xs">
      {rows.map(([label, value]) => (
        <div key={label} className="contents">
          <dt className="text-zinc-500 dark:text-zinc-400">{label}</dt>
          <dd className="font-mono">{value}</dd>
        </div>
      ))}
    </dl>
  );
}
