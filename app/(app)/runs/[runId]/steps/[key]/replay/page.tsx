import Link from 'next/link';
import { ReplayForm } from '@/components/attempts/replay-form';
import { Card } from '@/components/ui/card';
import { JsonView } from '@/components/ui/json-view';
import { can } from '@/lib/auth/permissions';
import { descendants } from '@/lib/pipelines/definition';
import { paths } from '@/lib/paths';
import { isFinishedRun } from '@/lib/runs/state';
import { loadStepPage } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Replay' };

export default async function ReplayPage({ params }: { params: Promise<{ runId: string; key: string }> }) {
  const { runId, key, detail, item, step, actor } = await loadStepPage(params);
  const mayReplay = can(actor, 'run.replay', { projectId: detail.run.projectId });
  const latest = detail.items.find((i) => i.id === item.id)?.latestAttempt ?? null;
  const finished = isFinishedRun(detail.run.status);
  const downstream = [...descendants(detail.version.definition.steps, key)];

  return (
    <div className="mx-auto max-w-3xl space-y-6">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          <Link href={paths.run(runId)} className="hover:underline">
            Run #{detail.run.number}
          </Link>{' '}
          /{' '}
          <Link href={paths.step(runId, key)} className="hover:underline">
            {step?.title ?? key}
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Replay {step?.title ?? key}</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Edit the inputs of the last attempt{latest ? ` (attempt ${latest.number}, ${latest.status})` : ''} and run the step again.
        </p>
      </div>
      {!finished ? (
        <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          The run is {detail.run.status}; replay is available once it has finished.
        </p>
      ) : null}
      {!mayReplay ? (
        <p className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          Replaying needs the operator role in this project; you may look at the inputs but not run them.
        </p>
      ) : null}
      {!latest ? (
        <Card>
          <p className="text-sm">This step never ran, so there are no inputs to start from. Retry the run instead.</p>
        </Card>
      ) : (
        <Card>
          <ReplayForm
            runId={runId}
            itemId={item.id}
            stepKey={key}
            initialInputs={latest.inputs}
            schema={step?.inputSchema ?? null}
            downstream={downstream}
            enabled={finished && mayReplay}
            // The run page, with this step's history open: the replay and the steps it re-runs, live.
            doneUrl={paths.runStep(runId, key)}
          />
        </Card>
      )}
      {step?.inputSchema ? <JsonView label="Input schema" value={step.inputSchema} /> : null}
    </div>
  );
}
