'use client';

import Link from 'next/link';
import { useState, useTransition } from 'react';
import { KeyRound, Loader2 } from 'lucide-react';
import { toast } from 'sonner';
import { paths } from '@/lib/paths';
import { Button } from '../ui/button';
import { EmptyState } from '../ui/card';
import { JsonView } from '../ui/json-view';
import { useNow } from '../live/use-view';
import { absolute, RelativeTime } from '../ui/time';

export interface AuditItem {
  id: string;
  at: string;
  actor: { id: string; email: string | null } | null;
  token_id: string | null;
  project: string | null;
  action: string;
  target_type: string;
  target_id: string;
  reason: string | null;
  details: unknown;
  address: string | null;
}

const ACTION_WORDS: Record<string, string> = {
  'run.trigger': 'triggered a run',
  'run.retry': 'retried a run',
  'run.cancel': 'cancelled a run',
  'item.retry': 'retried a step',
  'item.replay': 'replayed a step',
  'user.create': 'created a user',
  'user.update': 'changed a user',
  'member.set': 'set a member’s role',
  'member.remove': 'removed a member',
  'environment.protect': 'changed an environment’s protection',
  'token.create': 'created a token',
  'token.revoke': 'revoked a token',
  'auth.sign_in_failed': 'failed to sign in',
};

/** Where an entry's object lives in the dashboard, when it has a page. */
function targetHref(entry: AuditItem): string | null {
  if (entry.target_type === 'run') return paths.run(entry.target_id);
  if (entry.target_type === 'environment' && entry.project) return paths.project(entry.project);
  if (entry.target_type === 'token') return paths.tokens();
  if (entry.target_type === 'user') return entry.project ? paths.project(entry.project) : paths.users();
  return null;
}

/** Who the entry's object is, in words: an email or name from the details when the entry kept one. */
function targetLabel(entry: AuditItem) {
  const details = (entry.details ?? {}) as Record<string, unknown>;
  const named = typeof details.email === 'string' ? details.email : typeof details.environment === 'string' ? details.environment : typeof details.name === 'string' ? details.name : null;
  if (entry.target_type === 'run' && typeof details.number === 'number') return `run #${details.number}${typeof details.pipeline === 'string' ? ` of ${details.pipeline}` : ''}`;
  // Ids are shortened; anything else (a failed sign-in's email) is shown whole.
  const id = /^[0-9a-f]{8}-[0-9a-f-]{27}$/i.test(entry.target_id) ? entry.target_id.slice(0, 8) : entry.target_id;
  return named ? `${entry.target_type} ${named}` : `${entry.target_type} ${id}`;
}

/**
 * The audit log, newest first. The first page is server-rendered; "Load more"
 * asks the same API for the page after the last cursor, with the same filters.
 */
/** `now` is the server's time of the page, so the first render's "5 s ago" matches the server's (no hydration mismatch). */
export function AuditLog({ initial, nextCursor, query, now }: { initial: AuditItem[]; nextCursor: string | null; query: string; now: string }) {
  const current = useNow(now);
  const [items, setItems] = useState(initial);
  const [cursor, setCursor] = useState(nextCursor);
  const [pending, startTransition] = useTransition();

  const loadMore = () =>
    startTransition(async () => {
      const params = new URLSearchParams(query);
      params.set('cursor', cursor!);
      const response = await fetch(`/api/v1/audit?${params.toString()}`, { headers: { accept: 'application/json' } });
      const body = (await response.json().catch(() => null)) as { items?: AuditItem[]; next_cursor?: string | null; error?: { message: string } } | null;
      if (!response.ok || !body?.items) {
        toast.error(body?.error?.message ?? `Could not load more entries (${response.status}).`);
        return;
      }
      setItems((before) => [...before, ...body.items!]);
      setCursor(body.next_cursor ?? null);
    });

  if (items.length === 0) {
    return (
      <EmptyState title="No entries match">
        {query ? (
          <>
            Nothing was recorded with these filters. <Link href={paths.audit()} className="text-sky-700 underline dark:text-sky-400">Clear the filters</Link>.
          </>
        ) : (
          'Every change (a retry, a new member, a revoked token) is recorded here, with who did it and why.'
        )}
      </EmptyState>
    );
  }
  return (
    <div className="space-y-3">
      <ol className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 bg-white shadow-sm dark:divide-zinc-800 dark:border-zinc-800 dark:bg-zinc-900/60">
        {items.map((entry) => (
          <AuditEntryRow key={entry.id} entry={entry} now={current} />
        ))}
      </ol>
      <div className="flex items-center justify-between text-sm text-zinc-500 dark:text-zinc-400">
        <span>
          {items.length} {items.length === 1 ? 'entry' : 'entries'} shown
        </span>
        {cursor ? (
          <Button onClick={loadMore} disabled={pending}>
            {pending ? <Loader2 aria-hidden className="size-4 animate-spin" /> : null} Load more
          </Button>
        ) : (
          <span>That is the beginning of the log.</span>
        )}
      </div>
    </div>
  );
}

function AuditEntryRow({ entry, now }: { entry: AuditItem; now: Date }) {
  const href = targetHref(entry);
  const label = targetLabel(entry);
  const hasDetails = !!entry.details && typeof entry.details === 'object' && Object.keys(entry.details).length > 0;
  return (
    <li className="space-y-1.5 px-4 py-3" data-audit-action={entry.action}>
      <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1 text-sm">
        {entry.actor?.email ? (
          <Link href={paths.audit({ actor: entry.actor.email })} className="font-medium text-sky-700 hover:underline dark:text-sky-400" title="Only this person’s entries">
            {entry.actor.email}
          </Link>
        ) : (
          <span className="font-medium">{entry.actor ? 'a deleted user' : 'nobody signed in'}</span>
        )}
        {entry.token_id ? (
          <span className="inline-flex items-center gap-1 rounded bg-zinc-100 px-1.5 text-xs text-zinc-700 dark:bg-zinc-800 dark:text-zinc-300" title={`API token ${entry.token_id}`}>
            <KeyRound aria-hidden className="size-3" /> via token {entry.token_id.slice(0, 8)}
          </span>
        ) : null}
        <span>{ACTION_WORDS[entry.action] ?? entry.action}</span>
        <code className="rounded bg-zinc-100 px-1 text-xs text-zinc-600 dark:bg-zinc-800 dark:text-zinc-300">{entry.action}</code>
        <span className="text-zinc-500 dark:text-zinc-400">·</span>
        {href ? (
          <Link href={href} className="text-sky-700 hover:underline dark:text-sky-400">
            {label}
          </Link>
        ) : (
          <span>{label}</span>
        )}
        {entry.project ? (
          <>
            <span className="text-zinc-500 dark:text-zinc-400">in</span>
            <Link href={paths.audit({ project: entry.project })} className="font-mono text-xs text-sky-700 hover:underline dark:text-sky-400" title="Only this project’s entries">
              {entry.project}
            </Link>
          </>
        ) : null}
        <span className="ml-auto whitespace-nowrap text-xs text-zinc-500 dark:text-zinc-400">
          <RelativeTime date={entry.at} now={now} /> · <span title="When, in UTC">{absolute(entry.at)}</span>
          {entry.address ? <> · from {entry.address}</> : null}
        </span>
      </div>
      {entry.reason ? (
        <p className="text-sm">
          <span className="text-zinc-500 dark:text-zinc-400">Reason: </span>
          <span className="whitespace-pre-wrap">{entry.reason}</span>
        </p>
      ) : null}
      {hasDetails ? <JsonView value={entry.details} label="Details" open={false} /> : null}
    </li>
  );
}
