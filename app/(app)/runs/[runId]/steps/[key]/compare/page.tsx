import Link from 'next/link';
import { JsonDiff } from '@/components/attempts/json-diff';
import { Card } from '@/components/ui/card';
import { StatusBadge } from '@/components/ui/status-badge';
import { paths } from '@/lib/paths';
import { listAttempts } from '@/lib/runs/queries';
import { loadStepPage } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Compare attempts' };

/** Two attempts of one step side by side: inputs, outputs and errors as diffs. */
export default async function ComparePage({
  params,
  searchParams,
}: {
  params: Promise<{ runId: string; key: string }>;
  searchParams: Promise<{ a?: string; b?: string }>;
}) {
  const { db, runId, key, detail, item, title } = await loadStepPage(params);
  const query = await searchParams;
  const { attempts } = await listAttempts(db, runId, item.id);
  const pick = (n: string | undefined, fallback: number) =>
    attempts.find((a) => a.number === Number(n)) ?? attempts[Math.max(0, attempts.length + fallback)];
  const left = pick(query.a, -2);
  const right = pick(query.b, -1);

  return (
    <div className="space-y-6">
      <div>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          <Link href={paths.run(runId)} className="hover:underline">
            Run #{detail.run.number}
          </Link>{' '}
          /{' '}
          <Link href={paths.step(runId, key)} className="hover:underline">
            {title}
          </Link>
        </p>
        <h1 className="text-2xl font-semibold">Compare attempts of {title}</h1>
      </div>
      {attempts.length < 2 || !left || !right ? (
        <Card>
          <p className="text-sm">This step has {attempts.length} attempt{attempts.length === 1 ? '' : 's'}: nothing to compare yet.</p>
        </Card>
      ) : (
        <>
          <form className="flex items-center gap-2 text-sm" action={paths.compare(runId, key)}>
            <label htmlFor="a">Attempt</label>
            <select id="a" name="a" defaultValue={left.number} className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
              {attempts.map((a) => (
                <option key={a.id} value={a.number}>
                  {a.number} ({a.status})
                </option>
              ))}
            </select>
            <label htmlFor="b">with attempt</label>
            <select id="b" name="b" defaultValue={right.number} className="rounded-md border border-zinc-300 bg-white px-2 py-1 dark:border-zinc-700 dark:bg-zinc-900">
              {attempts.map((a) => (
                <option key={a.id} value={a.number}>
                  {a.number} ({a.status})
                </option>
              ))}
            </select>
            <button type="submit" className="rounded-md bg-zinc-900 px-3 py-1 text-white dark:bg-zinc-100 dark:text-zinc-900">
              Compare
            </button>
          </form>
          <div className="grid grid-cols-2 gap-2">
            {[left, right].map((a) => (
              <Card key={a.id} className="flex items-center gap-2 py-2">
                <Link href={paths.attempt(runId, key, a.number)} className="font-semibold text-sky-700 hover:underline dark:text-sky-400">
                  Attempt {a.number}
                </Link>
                <StatusBadge status={a.status} />
                <span className="text-xs text-zinc-500 dark:text-zinc-400">
                  {a.kind.replace('_', ' ')} · by {a.triggeredByName ?? '—'}
                  {a.reason ? ` · “${a.reason}”` : ''}
                </span>
              </Card>
            ))}
          </div>
          <JsonDiff label="Inputs" before={left.inputs} after={right.inputs} />
          <JsonDiff label="Outputs" before={left.outputs} after={right.outputs} />
          <JsonDiff label="Error" before={left.error} after={right.error} />
        </>
      )}
    </div>
  );
}
