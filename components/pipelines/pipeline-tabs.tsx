import Link from 'next/link';
import { paths } from '@/lib/paths';

export type PipelineTab = 'runs' | 'definition' | 'versions';

/** The pipeline page's sections, each a link (the tab lives in the URL). */
export function PipelineTabs({ pipelineId, active }: { pipelineId: string; active: PipelineTab }) {
  const tabs: [PipelineTab, string, string][] = [
    ['runs', 'Runs', paths.pipeline(pipelineId)],
    ['definition', 'Definition', paths.pipelineDefinition(pipelineId)],
    ['versions', 'Versions', paths.pipelineVersions(pipelineId)],
  ];
  return (
    <nav aria-label="Pipeline sections" className="flex gap-1 border-b border-zinc-200 text-sm dark:border-zinc-800">
      {tabs.map(([tab, label, href]) => (
        <Link
          key={tab}
          href={href}
          aria-current={tab === active ? 'page' : undefined}
          className={`-mb-px border-b-2 px-3 py-2 font-medium ${
            tab === active
              ? 'border-sky-600 text-sky-800 dark:border-sky-400 dark:text-sky-300'
              : 'border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900 dark:text-zinc-400 dark:hover:border-zinc-600 dark:hover:text-zinc-100'
          }`}
        >
          {label}
        </Link>
      ))}
    </nav>
  );
}
