import Link from 'next/link';
import { AlertTriangle, GitBranch, GitCommit } from 'lucide-react';
import { LiveRefresh } from '@/components/runs/live-refresh';
import { RetryStepButton, RunActions } from '@/components/runs/run-actions';
import { ReplayLink } from '@/components/runs/replay-link';
import { Card } from '@/components/ui/card';
import { CopyButton } from '@/components/ui/copy-button';
import { StatusBadge } from '@/components/ui/status-badge';
import { formatDuration, RelativeTime } from '@/components/ui/time';
import { ATTEMPT_KIND_LABEL } from '@/lib/attempts/kinds';
import { paths } from '@/lib/paths';
import { getRunDetail, listAttempts, listRunAttempts, stepMedianDurations } from '@/lib/runs/queries';
import { AttemptHistory } from '@/components/attempts/attempt-history';
import { itemsAtRunAttempt } from '@/lib/runs/run-attempt-view';
import { RunGraph, type GraphNode } from '@/components/runs/run-graph';
import { cachedLayout } from '@/lib/runs/graph-layout';
import { isFlaky } from '@/lib/attempts/insights';
import { FlakyMark } from '@/components/attempts/flaky-mark';
import { retryPlanOf } from '@/lib/runs/retry-plan';
import { isFinishedRun, RETRYABLE_ITEM } from '@/lib/runs/state';
import { orNotFound } from '@/lib/server/page-reads';
import { getDb } from '@/lib/server/runtime';

export const dynamic = 'force-dynamic';

export default async function RunPage({
  params,
  searchParams,
}: {
  params: Promise<{ runId: string }>;
  searchParams: Promise<{ retry?: string; attempt?: string; step?: string }>;
}) {
  const { runId } = await params;
  const { retry, attempt: attemptParam, step: openStep } = await searchParams;
  const db = await getDb();
  const detail = await orNotFound(getRunDetail(db, runId));
  const plan = retryPlanOf(detail);
  const [history, medians] = await Promise.all([
    listRunAttempts(db, runId),
    stepMedianDurations(db, detail.pipeline.id),
  ]);
  const byItem = new Map<string, typeof history>();
  for (const a of history) byItem.set(a.workItemId, [...(byItem.get(a.workItemId) ?? []), a]);
  const flaky = new Set(
    detail.items.filter((i) => isFlaky(byItem.get(i.id) ?? [], (a) => a.inputsHash)).map((i) => i.id),
  );
  const { run, pipeline, version } = detail;
  const now = new Date();
  const finished = isFinishedRun(run.status);
  const definitionChanged = pipeline.currentVersionHash && pipeline.currentVersionHash !== version.contentHash;
  const steps = new Map(version.definition.steps.map((s) => [s.key, s]));

  // ?step=key opens that step's attempt history beside the graph (deep-linkable).
  const panelItem = openStep ? detail.items.find((i) => i.key === openStep) : undefined;
  const panelAttempts = panelItem ? (await listAttempts(db, runId, panelItem.id)).attempts : [];

  // "Attempt k of N": the graph as it stood at the end of each run attempt.
  const shownAttempt = Math.min(Math.max(Number(attemptParam) || run.attempt, 1), run.attempt);
  const atAttempt = itemsAtRunAttempt(detail.items, byItem, shownAttempt, run.attempt);
  const graph: GraphNode[] = detail.items.map((item) => {
    const state = atAttempt.get(item.id)!;
    const running = state.status === 'running' && state.attempt?.startedAt;
    const elapsedMs = running ? now.getTime() - state.attempt!.startedAt!.getTime() : null;
    const median = medians.get(item.key);
    return {
      key: item.key,
      title: steps.get(item.key)?.title ?? item.key,
      status: state.status,
      needs: item.needs,
      href: paths.runStep(run.id, item.key),
      attempts: state.attempts,
      progress: elapsedMs !== null && median ? elapsedMs / median : null,
      elapsed: running ? formatDuration(state.attempt!.startedAt, null, now) : null,
    };
  });

  return (
    <div className="space-y-6">
      <LiveRefresh runId={run.id} active={!finished} />
      <div className="flex items-start justify-between gap-4">
        <div>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            <Link href={paths.pipeline(pipeline.id)} className="hover:underline">
              {pipeline.title}
            </Link>
          </p>
          <h1 className="flex items-center gap-3 text-2xl font-semibold">
            Run #{run.number} <StatusBadge status={run.status} />
          </h1>
          <p className="mt-1 flex flex-wrap items-center gap-x-4 gap-y-1 text-sm text-zinc-500 dark:text-zinc-400">
            <span>Attempt {run.attempt}</span>
            <span>
              {run.trigger} by {detail.triggeredByName ?? 'unknown'}
            </span>
            {run.gitBranch ? (
              <span className="inline-flex items-center gap-1">
                <GitBranch aria-hidden className="size-3.5" /> {run.gitBranch}
              </span>
            ) : null}
            {run.gitCommit ? (
              <span className="inline-flex items-center gap-1 font-mono" title={run.gitCommit}>
                <GitCommit aria-hidden className="size-3.5" /> {run.gitCommit.slice(0, 7)}
                <CopyButton value={run.gitCommit} label="commit" />
              </span>
            ) : null}
            <span className="inline-flex items-center gap-1 font-mono text-xs" title={run.id}>
              {run.id.slice(0, 8)}
              <CopyButton value={run.id} label="run id" />
            </span>
            <span>
              created <RelativeTime date={run.createdAt} now={now} />
            </span>
            <span>duration {formatDuration(run.startedAt, run.finishedAt, now)}</span>
          </p>
          {run.gitMessage ? <p className="mt-1 text-sm">{run.gitMessage}</p> : null}
        </div>
        <RunActions
          plan={{ ...plan, kept: plan.kept.map((k) => ({ ...k, outputs: null })) }}
          openRetry={retry === '1'}
        />
      </div>

      {definitionChanged ? (
        <p className="flex items-center gap-2 rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:border-amber-800 dark:bg-amber-950 dark:text-amber-200">
          <AlertTriangle aria-hidden className="size-4 shrink-0" />
          The pipeline definition changed since this run:{' '}
          <span className="font-mono">{version.contentHash.slice(0, 8)}</span> →{' '}
          <span className="font-mono">{pipeline.currentVersionHash!.slice(0, 8)}</span>. Retry and replay use the run’s
          own version.
        </p>
      ) : null}

      <div className={panelItem ? 'grid grid-cols-[minmax(0,1fr)_26rem] gap-4' : ''}>
        <div className="min-w-0 space-y-6">
          <section aria-label="Graph" className="space-y-2">
            <div className="flex items-center gap-3 text-sm">
              <h2 className="font-semibold">Graph</h2>
              <nav aria-label="Run attempts" className="ml-auto flex items-center gap-2">
                {shownAttempt > 1 ? (
                  <Link
                    href={`${paths.run(run.id)}?attempt=${shownAttempt - 1}`}
                    className="text-sky-700 hover:underline dark:text-sky-400"
                  >
                    ← earlier
                  </Link>
                ) : null}
                <span className="rounded-md bg-zinc-100 px-2 py-0.5 font-medium dark:bg-zinc-800">
                  Attempt {shownAttempt} of {run.attempt}
                </span>
                {shownAttempt < run.attempt ? (
                  <Link
                    href={
                      shownAttempt + 1 === run.attempt
                        ? paths.run(run.id)
                        : `${paths.run(run.id)}?attempt=${shownAttempt + 1}`
                    }
                    className="text-sky-700 hover:underline dark:text-sky-400"
                  >
                    later →
                  </Link>
                ) : null}
              </nav>
            </div>
            <RunGraph
              nodes={graph}
              layout={cachedLayout(version.structureHash, detail.items)}
              selected={panelItem?.key}
            />
          </section>

          <Card className="p-0">
            <h2 className="border-b border-zinc-200 px-4 py-3 font-semibold dark:border-zinc-800">Steps</h2>
            <ol className="divide-y divide-zinc-100 dark:divide-zinc-800">
              {detail.items.map((item) => {
                const latest = item.latestAttempt;
                const step = steps.get(item.key);
                return (
                  <li key={item.id} className="flex flex-wrap items-start gap-x-4 gap-y-2 px-4 py-3">
                    <div className="w-28 shrink-0 pt-0.5">
                      <StatusBadge status={item.status} />
                    </div>
                    <div className="min-w-56 flex-1">
                      <a
                        href={paths.runStep(run.id, item.key)}
                        data-step-link
                        data-failed-step={item.status === 'failed' ? '' : undefined}
                        className="rounded font-medium text-sky-700 hover:underline focus-visible:outline-2 focus-visible:outline-sky-500 dark:text-sky-400"
                      >
                        {step?.title ?? item.key}
                      </a>
                      <span className="ml-2 font-mono text-xs text-zinc-500 dark:text-zinc-400">{item.key}</span>
                      {flaky.has(item.id) ? (
                        <span className="ml-2">
                          <FlakyMark />
                        </span>
                      ) : null}
                      <p className="text-xs text-zinc-500 dark:text-zinc-400">
                        {item.needs.length ? `needs ${item.needs.join(', ')} · ` : ''}
                        {item.attemptCount} {item.attemptCount === 1 ? 'attempt' : 'attempts'}
                        {latest
                          ? ` · latest: ${ATTEMPT_KIND_LABEL[latest.kind]}, ${formatDuration(latest.startedAt, latest.finishedAt, now)}`
                          : ''}
                        {step?.environment ? ` · deploys to ${step.environment}` : ''}
                      </p>
                      {latest?.error && item.status === 'failed' ? (
                        <pre className="mt-1 whitespace-pre-wrap rounded bg-red-50 px-2 py-1 font-mono text-xs text-red-900 dark:bg-red-950/60 dark:text-red-200">
                          {latest.error.message}
                        </pre>
                      ) : null}
                    </div>
                    <div className="ml-auto flex shrink-0 items-center gap-3">
                      {RETRYABLE_ITEM.includes(item.status) && latest ? (
                        <RetryStepButton runId={run.id} itemId={item.id} stepKey={item.key} />
                      ) : null}
                      {finished && latest ? <ReplayLink runId={run.id} stepKey={item.key} /> : null}
                    </div>
                  </li>
                );
              })}
            </ol>
          </Card>
        </div>
        {panelItem ? (
          <aside
            aria-label={`Attempt history of ${steps.get(panelItem.key)?.title ?? panelItem.key}`}
            className="sticky top-4 max-h-[calc(100vh-2rem)] space-y-3 self-start overflow-y-auto"
          >
            <div className="flex items-center gap-2">
              <h2 className="min-w-0 truncate font-semibold">{steps.get(panelItem.key)?.title ?? panelItem.key}</h2>
              <StatusBadge status={panelItem.status} />
              {flaky.has(panelItem.id) ? <FlakyMark /> : null}
              <Link
                href={paths.run(run.id)}
                className="ml-auto text-sm text-zinc-500 hover:underline dark:text-zinc-400"
                aria-label="Close the attempt history"
              >
                Close
              </Link>
            </div>
            <p className="flex flex-wrap gap-3 text-sm">
              <Link
                href={paths.step(run.id, panelItem.key)}
                className="font-medium text-sky-700 hover:underline dark:text-sky-400"
              >
                Open full page
              </Link>
              {panelAttempts.length >= 2 ? (
                <Link
                  href={paths.compare(run.id, panelItem.key)}
                  className="font-medium text-sky-700 hover:underline dark:text-sky-400"
                >
                  Compare attempts
                </Link>
              ) : null}
              {finished && panelAttempts.length ? <ReplayLink runId={run.id} stepKey={panelItem.key} /> : null}
            </p>
            <AttemptHistory runId={run.id} item={panelItem} attempts={panelAttempts} />
          </aside>
        ) : null}
      </div>
    </div>
  );
}
