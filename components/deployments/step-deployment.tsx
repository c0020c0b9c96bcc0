'use client';

import Link from 'next/link';
import { Rocket } from 'lucide-react';
import { paths } from '@/lib/paths';
import type { RunView } from '@/lib/views/run';
import { LiveMark } from '../environments/deployment-bits';
import { StatusBadge } from '../ui/status-badge';
import { DeploymentActions } from './deployment-actions';

type StepDeploymentData = NonNullable<RunView['steps'][number]['deployment']>;

/**
 * A deploy step's deployment on the run page: its environment, version and
 * status, a link to its page, and Retry / Redeploy / Roll back behind the
 * same plan dialogs as the environment's history.
 */
export function StepDeployment({ deployment: d }: { deployment: StepDeploymentData }) {
  return (
    <div
      className="mt-2 flex flex-wrap items-center gap-x-3 gap-y-2 rounded-md bg-zinc-50 px-3 py-2 text-sm ring-1 ring-inset ring-zinc-200 dark:bg-zinc-900 dark:ring-zinc-800"
      data-deployment={d.id}
    >
      <span className="inline-flex items-center gap-2">
        <Rocket aria-hidden className="size-4 shrink-0 text-zinc-500 dark:text-zinc-400" />
        <Link
          href={paths.deployment(d.id)}
          className="font-medium text-sky-700 hover:underline dark:text-sky-400"
          aria-label={`Deployment ${d.environment} v${d.version}, ${d.status}${d.live ? ', live' : ''}`}
        >
          {d.environment} <span className="font-mono">v{d.version}</span>
        </Link>
        <StatusBadge status={d.status} />
        {d.live ? <LiveMark /> : null}
      </span>
      <span className="ml-auto text-xs">
        <DeploymentActions deploymentId={d.id} status={d.status} live={d.live} />
      </span>
    </div>
  );
}
