import Link from 'next/link';
import { FolderGit2 } from 'lucide-react';
import { EmptyState } from '@/components/ui/card';
import { PageHeader } from '@/components/ui/form';
import { operations } from '@/lib/operations';
import { paths } from '@/lib/paths';
import { readOperation } from '@/lib/server/page-reads';

export const dynamic = 'force-dynamic';
export const metadata = { title: 'Projects' };

export default async function ProjectsPage() {
  const read = await readOperation(operations.listProjectsOp, {});
  const projects = read.ok ? read.data.items : [];
  return (
    <div className="space-y-6">
      <PageHeader title="Projects">
        The projects you may read, with your role in each. Admins of a project manage its members and which role may deploy
        to each environment.
      </PageHeader>
      {projects.length === 0 ? (
        <EmptyState title="You are not in any project yet">
          Ask an admin of a project to add you; projects appear when a pipeline file names them.
        </EmptyState>
      ) : (
        <ul className="grid gap-3">
          {projects.map((p) => (
            <li key={p.id}>
              <Link
                href={paths.project(p.key)}
                className="flex items-center gap-4 rounded-lg border border-zinc-200 bg-white p-4 shadow-sm hover:border-sky-400 dark:border-zinc-800 dark:bg-zinc-900/60 dark:hover:border-sky-600"
              >
                <FolderGit2 aria-hidden className="size-5 text-zinc-500 dark:text-zinc-400" />
                <div className="min-w-0 flex-1">
                  <p className="font-medium">{p.title}</p>
                  <p className="text-sm text-zinc-500 dark:text-zinc-400">
                    <span className="font-mono">{p.key}</span> · {p.pipelines} {p.pipelines === 1 ? 'pipeline' : 'pipelines'} · {p.members}{' '}
                    {p.members === 1 ? 'member' : 'members'} · {p.environments} {p.environments === 1 ? 'environment' : 'environments'}
                  </p>
                </div>
                <span className="text-sm text-zinc-600 dark:text-zinc-300">
                  your role: <span className="font-medium">{p.your_role ?? 'none'}</span>
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
