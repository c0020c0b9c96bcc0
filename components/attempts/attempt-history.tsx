import Link from 'next/link';
import { Card } from '../ui/card';
import { CopyButton } from '../ui/copy-button';
import { JsonView } from '../ui/json-view';
import { StatusBadge } from '../ui/status-badge';
import { formatDuration, RelativeTime } from '../ui/time';
import { sameErrorAs } from '@/lib/attempts/insights';
import { ATTEMPT_KIND_LABEL } from '@/lib/attempts/kinds';
import { paths } from '@/lib/paths';
import type { AttemptView } from '@/lib/runs/queries';
import type { Json } from '@/lib/views/json';
import { AttemptLogs } from './attempt-logs';

/**
 * A step's attempts, newest first: kind, status, who and why, times, inputs
 * and outputs, the error, what superseded what, and the logs. Shown on the
 * step page and in the panel beside the run's graph.
 */
export function AttemptHistory({
  runId,
  item,
  attempts,
  now,
}: {
  runId: string;
  item: { key: string; status: string; needs: string[] };
  attempts: Json<AttemptView>[];
  now: Date;
}) {
  const key = item.key;
  const byId = new Map(attempts.map((a) => [a.id, a]));
  const repeated = sameErrorAs(attempts);
  return (
    <>
      {attempts.length === 0 ? (
        <Card>
          <p className="text-sm text-zinc-500 dark:text-zinc-400">
            This step has not run yet ({item.status}). It starts when {item.needs.join(', ') || 'the run'} succeed
            {item.needs.length === 1 ? 's' : ''}.
          </p>
        </Card>
      ) : null}

      {[...attempts].reverse().map((a) => {
        const replacedBy = a.supersededBy ? byId.get(a.supersededBy) : undefined;
        const retried = a.retryOf ? byId.get(a.retryOf) : undefined;
        return (
          <Card key={a.id} id={`attempt-${a.number}`} className="@container space-y-3 scroll-mt-6">
            <div className="flex flex-wrap items-center gap-3">
              <h2 className="text-lg font-semibold">Attempt {a.number}</h2>
              <StatusBadge status={a.status} suffix={replacedBy ? `superseded by attempt ${replacedBy.number}` : undefined} />
              <span className="rounded bg-zinc-100 px-2 py-0.5 text-xs dark:bg-zinc-800">{ATTEMPT_KIND_LABEL[a.kind]}</span>
              <span className="text-xs text-zinc-500 dark:text-zinc-400">run attempt {a.runAttempt}</span>
              {a.pipelineVersion ? (
                <span className="text-xs text-zinc-500 dark:text-zinc-400" title={`pipeline version ${a.pipelineVersion.hash.slice(0, 12)}`}>
                  ran pipeline v{a.pipelineVersion.number}
                </span>
              ) : null}
              <span className="inline-flex items-center gap-1 font-mono text-xs text-zinc-500 dark:text-zinc-400" title={a.id}>
                {a.id.slice(0, 8)}
                <CopyButton value={a.id} label="attempt id" />
              </span>
              {repeated.has(a.id) ? (
                <span className="rounded bg-red-100 px-2 py-0.5 text-xs text-red-800 dark:bg-red-950 dark:text-red-200">
                  same error as attempt {repeated.get(a.id)}
                </span>
              ) : null}
              {retried ? (
                <Link
                  href={paths.compare(runId, key, retried.number, a.number)}
                  className="ml-auto text-xs text-sky-700 hover:underline dark:text-sky-400"
                >
                  Compare with attempt {retried.number}
                </Link>
              ) : null}
            </div>
            <dl className="grid grid-cols-2 gap-x-6 gap-y-1 text-sm @2xl:grid-cols-5">
              <div>
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">By</dt>
                <dd>{a.triggeredByName ?? '—'}</dd>
              </div>
              <div>
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Queued</dt>
                <dd>
                  <RelativeTime date={a.createdAt} now={now} />
                </dd>
              </div>
              <div>
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Started</dt>
                <dd>
                  <RelativeTime date={a.startedAt} now={now} />
                </dd>
              </div>
              <div>
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Finished</dt>
                <dd>
                  <RelativeTime date={a.finishedAt} now={now} />
                </dd>
              </div>
              <div>
                <dt className="text-xs text-zinc-500 dark:text-zinc-400">Duration</dt>
                <dd>{formatDuration(a.startedAt, a.finishedAt, now)}</dd>
              </div>
            </dl>
            {a.waitingFor ? (
              <p className="text-sm text-amber-800 dark:text-amber-300">Queued, {a.waitingFor}.</p>
            ) : null}
            {a.inputsPending && a.status !== 'failed' ? (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                Its inputs use outputs of several steps and are resolved when it starts.
              </p>
            ) : null}
            {a.reason ? (
              <p className="text-sm">
                <span className="text-zinc-500 dark:text-zinc-400">Reason: </span>
                {a.reason}
              </p>
            ) : null}
            {retried ? (
              <p className="text-sm text-zinc-500 dark:text-zinc-400">
                Supersedes <a href={`#attempt-${retried.number}`} className="text-sky-700 underline dark:text-sky-400">attempt {retried.number}</a>
              </p>
            ) : null}
            {a.error ? (
              <div className="rounded-md border border-red-200 bg-red-50 p-3 text-sm text-red-900 dark:border-red-900 dark:bg-red-950/60 dark:text-red-200">
                <p className="font-medium">
                  {a.error.classification === 'exit_code' ? `Exit code ${a.error.exit_code}` : a.error.classification}
                </p>
                <pre className="mt-1 whitespace-pre-wrap font-mono text-xs">{a.error.message}</pre>
              </div>
            ) : null}
            {a.inputDiff?.length ? (
              <div className="text-sm">
                <p className="text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Changed inputs</p>
                <ul className="mt-1 space-y-0.5 font-mono text-xs">
                  {a.inputDiff.map((d) => (
                    <li key={d.path}>
                      {d.secret ? (
                        <>
                          {d.path}: <span className="text-zinc-600 dark:text-zinc-300">{describeSecretChange(d)} (secret, value not shown)</span>
                        </>
                      ) : (
                        <>
                          {d.path}: <span className="text-red-700 line-through dark:text-red-400">{JSON.stringify(d.before)}</span> →{' '}
                          <span className="text-emerald-700 dark:text-emerald-400">{JSON.stringify(d.after)}</span>
                        </>
                      )}
                    </li>
                  ))}
                </ul>
              </div>
            ) : null}
            <div className="grid gap-3 @2xl:grid-cols-2">
              <JsonView label="Inputs" value={a.inputs} />
              <JsonView label="Outputs" value={a.outputs} />
            </div>
            <div>
              <p className="mb-1 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">Logs</p>
              <AttemptLogs attemptId={a.id} runId={runId} live={a.status === 'running' || a.status === 'queued'} />
            </div>
          </Card>
        );
      })}
    </>
  );
}

function describeSecretChange(change: { before?: unknown; after?: unknown }) {
  if (!('before' in change)) return 'added';
  if (!('after' in change)) return 'removed';
  return 'changed';
}
