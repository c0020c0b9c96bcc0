import Link from 'next/link';
import { AttemptHistory } from '@/components/attempts/attempt-history';
import { LiveRefresh } from '@/components/runs/live-refresh';
import { RetryStepButton } from '@/components/runs/run-actions';
import { ReplayLink } from '@/components/runs/replay-link';
import { StatusBadge } from '@/components/ui/status-badge';
import { isFlaky } from '@/lib/attempts/insights';
import { FlakyMark } from '@/components/attempts/flaky-mark';
import { paths } from '@/lib/paths';
import { listAttempts } from '@/lib/runs/queries';
import { isFinishedRun, RETRYABLE_ITEM } from '@/lib/runs/state';
import { loadStepPage } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';

export default async function StepPage({ params }: { params: Promise<{ runId: string; key: string }> }) {
  const { db, runId, key, detail, item, step } = await loadStepPage(params);
  const { attempts } = await listAttempts(db, runId, item.id);
  const flaky = isFlaky(attempts);
  const finishedRun = isFinishedRun(detail.run.status);

  return (
    <div className="space-y-6">
      <LiveRefresh runId={runId} active={!finishedRun} />
      <div className="flex items-start justify-between gap-4">
        <div>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <Link href={paths.pipeline(detail.pipeline.id)} className="hover:underline">
              {detail.pipeline.title}
            </Link>{' '}
            /{' '}
            <Link href={paths.run(runId)} className="hover:underline">
              Run #{detail.run.number}
            </Link>
          </p>
          <h1 className="flex items-center gap-3 text-2xl font-semibold">
            {step?.title ?? key} <StatusBadge status={item.status} />
            {flaky ? <FlakyMark /> : null}
          </h1>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <span className="font-mono">{key}</span> · {attempts.length} {attempts.length === 1 ? 'attempt' : 'attempts'}
            {item.needs.length ? ` · needs ${item.needs.join(', ')}` : ''}
          </p>
        </div>
        <div className="flex items-center gap-3">
          {RETRYABLE_ITEM.includes(item.status) && attempts.length ? <RetryStepButton runId={runId} itemId={item.id} stepKey={key} /> : null}
          {attempts.length >= 2 ? (
            <Link href={paths.compare(runId, key)} className="text-sm font-medium text-sky-700 hover:underline dark:text-sky-400">
              Compare attempts
            </Link>
          ) : null}
          {finishedRun && attempts.length ? <ReplayLink runId={runId} stepKey={key} /> : null}
        </div>
      </div>

      <AttemptHistory runId={runId} item={item} attempts={attempts} />
    </div>
  );
}
