'use client';

import Link from 'next/link';
import { paths } from '@/lib/paths';
import type { PipelineDefinitionParams } from '@/lib/views/pipeline';
import type { ViewData } from '@/lib/views/registry';
import { MayProvider } from '../access/may';
import { useNow, useView } from '../live/use-view';
import { PipelineHeader } from './pipeline-header';
import { Card, EmptyState } from '../ui/card';
import { JsonView } from '../ui/json-view';
import { absolute, RelativeTime } from '../ui/time';
import { DefinitionGraph } from './definition-graph';
import { formatMs } from './duration-chart';
import { TextDiff } from './text-diff';

type View = ViewData<'pipeline-definition'>;
type Step = View['steps'][number];

const select = 'rounded-md border border-zinc-300 bg-white px-2 py-1 text-sm dark:border-zinc-700 dark:bg-zinc-900';
const term = 'text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400';

function retryText(retry: Step['retry']) {
  if (retry.attempts <= 1) return 'no automatic retry';
  const codes = retry.transientExitCodes ? ` on exit codes ${retry.transientExitCodes.join(', ')}` : ' on any failure';
  return `up to ${retry.attempts} attempts in all${codes}, waiting ${formatMs(retry.backoffMs)} before the first retry (doubled each time)`;
}

/**
 * A pipeline as defined, before any run (Definition tab): its graph, each
 * step's command, inputs, schema, retry, timeout, environment and concurrency,
 * and the YAML source; or its versions and what changed between two of them
 * (Versions tab, `?from=&to=` in the URL). All text is rendered as text.
 */
export function PipelineDefinitionPageView({
  initial,
  params,
  tab,
}: {
  initial: View;
  params: PipelineDefinitionParams;
  tab: 'definition' | 'versions';
}) {
  const view = useView('pipeline-definition', params, initial);
  const { pipeline } = view;
  const now = useNow(view.now);
  return (
    <MayProvider may={view.may}>
      <div className="space-y-5">
        <PipelineHeader
          pipeline={pipeline}
          version={view.current ? { number: view.current.number, hash: view.current.contentHash } : null}
          tab={tab}
        />
        {tab === 'definition' ? <Definition view={view} now={now} /> : <Versions view={view} now={now} />}
      </div>
    </MayProvider>
  );
}

function Definition({ view, now }: { view: View; now: Date }) {
  if (!view.current || !view.layout) {
    return (
      <EmptyState title="No definition loaded">
        Fix the pipeline file: the pipelines page lists why it did not load.
      </EmptyState>
    );
  }
  return (
    <div className="space-y-6">
      <section aria-label="Graph" className="space-y-2">
        <h2 className="text-sm font-semibold">Graph</h2>
        <DefinitionGraph layout={view.layout} steps={view.steps} />
      </section>

      {view.params ? (
        <Card>
          <h2 className="mb-2 font-semibold">Run parameters</h2>
          <JsonView label="Parameters schema" value={view.params} />
        </Card>
      ) : null}

      <section aria-label="Steps" className="space-y-3">
        <h2 className="font-semibold">Steps</h2>
        {view.steps.map((step) => (
          <StepCard key={step.key} step={step} />
        ))}
      </section>

      <section aria-label="YAML source" className="space-y-2">
        <h2 className="font-semibold">
          YAML source{' '}
          <span className="text-sm font-normal text-zinc-500 dark:text-zinc-400">
            version {view.current.number}, loaded <RelativeTime date={view.current.createdAt} now={now} />
          </span>
        </h2>
        <pre
          tabIndex={0}
          data-yaml-source
          className="max-h-[32rem] overflow-auto rounded-md border border-zinc-200 bg-zinc-50 p-3 font-mono text-xs leading-5 text-zinc-800 dark:border-zinc-800 dark:bg-zinc-950 dark:text-zinc-200"
        >
          {view.current.source}
        </pre>
      </section>
    </div>
  );
}

function StepCard({ step }: { step: Step }) {
  const envEntries = Object.entries(step.env);
  return (
    <Card id={`step-${step.key}`} className="scroll-mt-4">
      <div data-definition={step.key} className="space-y-3">
        <div className="flex flex-wrap items-baseline gap-x-3">
          <h3 className="font-semibold">{step.title}</h3>
          <span className="font-mono text-xs text-zinc-500 dark:text-zinc-400">{step.key}</span>
          {step.needs.length ? (
            <span className="text-xs text-zinc-500 dark:text-zinc-400">needs {step.needs.join(', ')}</span>
          ) : null}
        </div>
        <div>
          <p className={term}>Command</p>
          <pre
            tabIndex={0}
            data-command
            className="mt-1 overflow-auto whitespace-pre-wrap break-all rounded-md bg-zinc-100 p-2 font-mono text-xs dark:bg-zinc-900"
          >
            {JSON.stringify(step.run)}
          </pre>
        </div>
        <dl className="grid grid-cols-[max-content_1fr] gap-x-4 gap-y-1 text-sm">
          <dt className={term}>Timeout</dt>
          <dd data-timeout>{step.timeoutMs ? formatMs(step.timeoutMs) : 'none'}</dd>
          <dt className={term}>Retry</dt>
          <dd>{retryText(step.retry)}</dd>
          <dt className={term}>Environment</dt>
          <dd data-environment>{step.environment ? `deploys to ${step.environment}` : '—'}</dd>
          <dt className={term}>Concurrency</dt>
          <dd>
            {step.concurrency ? (
              <>
                group <span className="font-mono">{step.concurrency.group}</span>, at most {step.concurrency.limit} at
                once
              </>
            ) : (
              '—'
            )}
          </dd>
          <dt className={term}>Variables</dt>
          <dd>
            {envEntries.length ? (
              <ul className="font-mono text-xs" data-env>
                {envEntries.map(([name, value]) => (
                  <li key={name} className="break-all">
                    {name}={value}
                  </li>
                ))}
              </ul>
            ) : (
              '—'
            )}
          </dd>
        </dl>
        <div className="grid gap-3 md:grid-cols-2">
          <JsonView label="Inputs" value={Object.keys(step.inputs).length ? step.inputs : null} />
          <JsonView label="Input schema" value={step.inputSchema} open={false} />
        </div>
      </div>
    </Card>
  );
}

function Versions({ view, now }: { view: View; now: Date }) {
  const { pipeline, versions, compare } = view;
  if (!versions.length) return <EmptyState title="No versions yet">The pipeline file has not loaded.</EmptyState>;
  return (
    <div className="space-y-6">
      <Card className="p-0">
        <table className="w-full text-sm">
          <caption className="sr-only">Versions of {pipeline.title}, newest first</caption>
          <thead className="text-left text-xs text-zinc-500 dark:text-zinc-400">
            <tr className="border-b border-zinc-200 dark:border-zinc-800">
              <th className="px-4 py-2 font-medium">Version</th>
              <th className="px-4 py-2 font-medium">Loaded</th>
              <th className="px-4 py-2 font-medium">Hash</th>
              <th className="px-4 py-2 font-medium">File</th>
              <th className="px-4 py-2 font-medium">
                <span className="sr-only">Compare</span>
              </th>
            </tr>
          </thead>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {versions.map((v) => (
              <tr key={v.number} data-version={v.number}>
                <td className="px-4 py-2 font-medium">
                  {v.number}
                  {v.current ? (
                    <span className="ml-2 rounded-full bg-sky-100 px-2 py-0.5 text-xs text-sky-800 dark:bg-sky-950 dark:text-sky-200">
                      current
                    </span>
                  ) : null}
                </td>
                <td className="px-4 py-2" title={absolute(v.createdAt)}>
                  <RelativeTime date={v.createdAt} now={now} />
                </td>
                <td className="px-4 py-2 font-mono text-xs" title={v.contentHash}>
                  {v.contentHash.slice(0, 12)}
                </td>
                <td className="px-4 py-2 text-xs text-zinc-500 dark:text-zinc-400">{v.sourceFile}</td>
                <td className="px-4 py-2 text-right">
                  {v.number > 1 ? (
                    <Link
                      href={paths.pipelineVersions(pipeline.id, v.number - 1, v.number)}
                      className="text-sky-700 hover:underline dark:text-sky-400"
                    >
                      changes from {v.number - 1}
                    </Link>
                  ) : (
                    <span className="text-xs text-zinc-500 dark:text-zinc-400">first version</span>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>

      {versions.length === 1 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400" data-single-version>
          This is the pipeline&apos;s only version so far. When its file changes, each new version is listed here with
          what changed.
        </p>
      ) : compare ? (
        <section aria-label="Compare versions" className="space-y-3">
          <form
            action={paths.pipeline(pipeline.id)}
            className="flex flex-wrap items-end gap-3 text-sm"
            aria-label="Choose two versions"
          >
            <input type="hidden" name="tab" value="versions" />
            <label className="flex flex-col gap-1">
              <span className="text-xs text-zinc-500 dark:text-zinc-400">From version</span>
              <select name="from" defaultValue={compare.from.number} className={select}>
                {versions.map((v) => (
                  <option key={v.number} value={v.number}>
                    {v.number}
                  </option>
                ))}
              </select>
            </label>
            <label className="flex flex-col gap-1">
              <span className="text-xs text-zinc-500 dark:text-zinc-400">To version</span>
              <select name="to" defaultValue={compare.to.number} className={select}>
                {versions.map((v) => (
                  <option key={v.number} value={v.number}>
                    {v.number}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="submit"
              className="rounded-md bg-zinc-900 px-3 py-1.5 text-white dark:bg-zinc-100 dark:text-zinc-900"
            >
              Compare
            </button>
          </form>
          <h2 className="font-semibold" data-compare-title>
            Version {compare.from.number} → {compare.to.number}
            <span className="ml-2 text-sm font-normal text-zinc-500 dark:text-zinc-400">
              <span className="font-mono">{compare.from.contentHash.slice(0, 8)}</span> →{' '}
              <span className="font-mono">{compare.to.contentHash.slice(0, 8)}</span>
            </span>
          </h2>
          {compare.from.number === compare.to.number ? (
            <p className="text-sm text-zinc-500 dark:text-zinc-400">Pick two different versions to see what changed.</p>
          ) : (
            <>
              <ul className="space-y-1 text-sm" aria-label="Changed steps" data-step-changes>
                {compare.structureChanged ? (
                  <li className="text-amber-800 dark:text-amber-300">
                    The graph changed (steps or their needs): a run of one cannot be retried with the other.
                  </li>
                ) : (
                  <li className="text-zinc-600 dark:text-zinc-400">Same graph (steps and needs).</li>
                )}
                {compare.steps.map((c) => (
                  <li key={c.key}>
                    <span className="font-mono">{c.key}</span>:{' '}
                    {c.change === 'changed' ? `changed ${c.fields.join(', ')}` : c.change}
                  </li>
                ))}
                {compare.steps.length === 0 ? (
                  <li className="text-zinc-600 dark:text-zinc-400">No step changed.</li>
                ) : null}
              </ul>
              <TextDiff
                label={`YAML source, version ${compare.from.number} to ${compare.to.number}`}
                before={compare.from.source}
                after={compare.to.source}
              />
            </>
          )}
        </section>
      ) : null}
    </div>
  );
}
