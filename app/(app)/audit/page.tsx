import Link from 'next/link';
import { AuditLog } from '@/components/audit/audit-log';
import { Button } from '@/components/ui/button';
import { EmptyState } from '@/components/ui/card';
import { Field, inputClass, selectClass } from '@/components/ui/form';
import { PageHeader } from '@/components/ui/form';
import { operations } from '@/lib/operations';
import { paths } from '@/lib/paths';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Audit log' };

const ACTIONS = [
  ['run', 'Any run action'],
  ['run.trigger', 'Run triggered'],
  ['run.retry', 'Run retried'],
  ['run.cancel', 'Run cancelled'],
  ['item', 'Any step action'],
  ['item.retry', 'Step retried'],
  ['item.replay', 'Step replayed'],
  ['member', 'Any member change'],
  ['environment.protect', 'Protection changed'],
  ['token', 'Any token change'],
  ['user', 'Any user change'],
  ['auth.sign_in_failed', 'Failed sign-in'],
] as const;

const one = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value)?.trim() || undefined;

export default async function AuditPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = await searchParams;
  const filter = { project: one(raw.project), actor: one(raw.actor), action: one(raw.action) };
  const projects = await readOperation(operations.listProjectsOp, {});
  const readable = projects.ok ? projects.data.items : [];
  // A project the reader cannot read is said plainly here, rather than as a 404 page for a filter.
  const unknownProject = filter.project && !readable.some((p) => p.key === filter.project);
  const read = unknownProject ? null : await readOperation(operations.listAuditOp, { ...filter, limit: 50 });
  const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1])).toString();
  return (
    <div className="space-y-6">
      <PageHeader title="Audit log">
        Who did what to which object, from where, and why — newest first. Filters live in the address, so a filtered view can be
        shared as a link.
      </PageHeader>
      <form method="get" action={paths.audit()} className="flex flex-wrap items-end gap-3 rounded-lg border border-zinc-200 bg-white p-3 shadow-sm dark:border-zinc-800 dark:bg-zinc-900/60">
        <Field id="audit-project" label="Project">
          <select id="audit-project" name="project" defaultValue={filter.project ?? ''} className={`${selectClass} mt-1 block`}>
            <option value="">All you may read</option>
            {readable.map((p) => (
              <option key={p.id} value={p.key}>
                {p.key}
              </option>
            ))}
          </select>
        </Field>
        <div className="min-w-56 flex-1">
          <Field id="audit-actor" label="Actor (email)">
            <input id="audit-actor" name="actor" type="email" defaultValue={filter.actor ?? ''} className={inputClass} placeholder="anyone" />
          </Field>
        </div>
        <Field id="audit-action" label="Action">
          <select id="audit-action" name="action" defaultValue={filter.action ?? ''} className={`${selectClass} mt-1 block`}>
            <option value="">Any action</option>
            {ACTIONS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        <Button type="submit" variant="primary">
          Filter
        </Button>
        {query ? (
          <Link href={paths.audit()} className="px-1 py-1.5 text-sm text-sky-700 hover:underline dark:text-sky-400">
            Clear filters
          </Link>
        ) : null}
      </form>
      {unknownProject ? (
        <EmptyState title={`No project “${filter.project}” that you may read`}>
          <Link href={paths.audit()} className="text-sky-700 hover:underline dark:text-sky-400">
            Show every entry you may read
          </Link>
        </EmptyState>
      ) : read && !read.ok ? (
        <p role="alert" className="rounded-md bg-red-50 px-3 py-2 text-sm text-red-800 dark:bg-red-950 dark:text-red-200">
          {read.refusal}{' '}
          <Link href={paths.audit()} className="underline">
            Clear the filters
          </Link>
        </p>
      ) : read ? (
        <AuditLog key={query} initial={read.data.items} nextCursor={read.data.next_cursor} query={query} now={new Date().toISOString()} />
      ) : null}
    </div>
  );
}
