'use client';

import dynamic from 'next/dynamic';
import { useRouter } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';
import { toast } from 'sonner';
import { replayItemAction } from '@/app/actions/runs';
import { checkInputsText } from '@/lib/inputs-check';
import { MASK, secretPaths } from '@/lib/secrets';
import type { FieldError } from '@/lib/validation';
import { Button } from '../ui/button';
import { JsonDiff } from './json-diff';
import { queryKeys } from '@/lib/query-keys';
import { useRefreshViews } from '../live/use-view';

// The editor (CodeMirror, the JSON Schema validator) is its own chunk: only this form loads it.
const JsonEditor = dynamic(() => import('./json-editor'), {
  ssr: false,
  loading: () => <div className="h-48 animate-pulse rounded-md bg-zinc-100 dark:bg-zinc-800" aria-label="Loading the editor" />,
});

interface Props {
  runId: string;
  itemId: string;
  stepKey: string;
  initialInputs: Record<string, unknown>;
  schema: Record<string, unknown> | null;
  downstream: string[];
  enabled: boolean;
  doneUrl: string;
}

/**
 * Edits a step's inputs as JSON and replays it. Invalid JSON or inputs that
 * break the step's inputSchema keep the button disabled and nothing is sent;
 * the server checks again and its errors land under the field.
 */
export function ReplayForm({ runId, itemId, stepKey, initialInputs, schema, downstream, enabled, doneUrl }: Props) {
  const router = useRouter();
  const refresh = useRefreshViews();
  const initialText = useMemo(() => JSON.stringify(initialInputs, null, 2), [initialInputs]);
  const [text, setText] = useState(initialText);
  const [reason, setReason] = useState('');
  const [serverErrors, setServerErrors] = useState<{ message: string; details: FieldError[] } | null>(null);
  const [pending, startTransition] = useTransition();
  const problems = useMemo(() => checkInputsText(text, schema), [text, schema]);
  const secrets = useMemo(() => secretPaths(schema), [schema]);
  const parsed = useMemo(() => (problems.some((p) => p.path === null) ? null : (JSON.parse(text) as unknown)), [problems, text]);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (problems.length || !enabled) return;
    startTransition(async () => {
      const result = await replayItemAction({ run_id: runId, item_id: itemId, inputs: JSON.parse(text) as Record<string, unknown>, reason });
      if (result.ok) {
        toast.success(`Replaying ${stepKey} — attempt ${result.data.number}`);
        refresh(queryKeys.run(runId), queryKeys.step(runId));
        router.push(doneUrl);
      } else {
        setServerErrors({ message: result.error.message, details: Array.isArray(result.error.details) ? result.error.details : [] });
      }
    });
  };

  return (
    <form onSubmit={submit} className="space-y-4">
      <div>
        <p id="replay-inputs-label" className="block text-sm font-medium">
          Inputs (JSON)
        </p>
        <div className="mt-1">
          <JsonEditor
            initialText={initialText}
            schema={schema}
            label="Inputs (JSON)"
            onChange={(t) => {
              setText(t);
              setServerErrors(null);
            }}
          />
        </div>
        {secrets.length ? (
          <p id="replay-secrets-hint" className="mt-1 text-sm text-zinc-600 dark:text-zinc-400">
            Secret inputs ({secrets.map((p) => p.slice(1)).join(', ')}) read {MASK}: leave {MASK} to keep the value the last attempt ran with, or type a new one.
          </p>
        ) : null}
        <div id="replay-inputs-errors" role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
          {problems.length ? (
            <ul className="list-inside list-disc font-mono text-xs">
              {problems.map((p) => (
                <li key={`${p.from}:${p.message}`}>
                  {p.message} (line {text.slice(0, p.from).split('\n').length})
                </li>
              ))}
            </ul>
          ) : null}
          {serverErrors ? (
            <div>
              <p>{serverErrors.message}</p>
              <ul className="list-inside list-disc font-mono text-xs">
                {serverErrors.details.map((d) => (
                  <li key={`${d.path}:${d.message}`}>
                    {d.path || '(inputs)'}: {d.message}
                  </li>
                ))}
              </ul>
            </div>
          ) : null}
        </div>
      </div>
      {parsed !== null && text !== initialText ? <JsonDiff label="Changes from the last attempt" before={initialInputs} after={parsed} /> : null}
      <div>
        <label htmlFor="replay-reason" className="block text-sm font-medium">
          Reason (optional)
        </label>
        <input
          id="replay-reason"
          value={reason}
          onChange={(e) => setReason(e.target.value)}
          placeholder="e.g. endpoint moved to v1"
          className="mt-1 block w-full rounded-md border border-zinc-300 bg-white px-3 py-2 text-sm dark:border-zinc-700 dark:bg-zinc-950"
        />
      </div>
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        {downstream.length
          ? `After this step, ${downstream.join(', ')} will run again with inputs resolved from the new outputs.`
          : 'No other step depends on this one.'}{' '}
        Steps before it are kept.
      </p>
      <Button type="submit" variant="primary" disabled={problems.length > 0 || !enabled || pending}>
        {pending ? 'Replaying…' : 'Replay step'}
      </Button>
    </form>
  );
}
