'use client';

import { useRouter } from 'next/navigation';
import { useMemo, useState, useTransition } from 'react';
import { replayItemAction } from '@/app/actions/runs';
import type { FieldError } from '@/lib/validation';
import { Button } from '../ui/button';

interface Props {
  runId: string;
  itemId: string;
  initialInputs: Record<string, unknown>;
  downstream: string[];
  enabled: boolean;
  doneUrl: string;
}

/**
 * Edits a step's inputs as JSON and replays it. Broken JSON keeps the button
 * disabled and sends nothing; the server validates against the step's
 * inputSchema and its errors are listed under the field.
 */
export function ReplayForm({ runId, itemId, initialInputs, downstream, enabled, doneUrl }: Props) {
  const router = useRouter();
  const [text, setText] = useState(() => JSON.stringify(initialInputs, null, 2));
  const [reason, setReason] = useState('');
  const [serverErrors, setServerErrors] = useState<{ message: string; details: FieldError[] } | null>(null);
  const [pending, startTransition] = useTransition();
  const parseError = useMemo(() => {
    try {
      const value: unknown = JSON.parse(text);
      return value && typeof value === 'object' && !Array.isArray(value) ? null : 'the inputs must be a JSON object';
    } catch (error) {
      return (error as Error).message;
    }
  }, [text]);

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (parseError || !enabled) return;
    startTransition(async () => {
      const result = await replayItemAction(runId, itemId, { inputsJson: text, reason });
      if (result.ok) {
        router.push(doneUrl);
        router.refresh();
      } else {
        setServerErrors({
          message: result.error.message,
          details: Array.isArray(result.error.details) ? result.error.details : [],
        });
      }
    });
  };

  return (
    <form onSubmit={submit} className="space-y-4">
      <div>
        <label htmlFor="replay-inputs" className="block text-sm font-medium">
          Inputs (JSON)
        </label>
        <textarea
          id="replay-inputs"
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setServerErrors(null);
          }}
          rows={Math.min(24, Math.max(8, text.split('\n').length + 1))}
          spellCheck={false}
          aria-invalid={!!parseError || !!serverErrors}
          aria-describedby="replay-inputs-errors"
          className="mt-1 block w-full rounded-md border border-zinc-300 bg-white p-3 font-mono text-sm shadow-sm focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 dark:border-zinc-700 dark:bg-zinc-950"
        />
        <div id="replay-inputs-errors">
          {parseError ? (
            <p role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
              Invalid JSON: {parseError}
            </p>
          ) : null}
          {serverErrors ? (
            <div role="alert" className="mt-1 text-sm text-red-700 dark:text-red-300">
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
      <Button type="submit" variant="primary" disabled={!!parseError || !enabled || pending}>
        {pending ? 'Replaying…' : 'Replay step'}
      </Button>
    </form>
  );
}
