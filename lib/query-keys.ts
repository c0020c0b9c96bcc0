import type { ViewName, ViewParams } from './views/registry';

/**
 * Query keys of the dashboard's cache: `[view name, its parameters]`, so a key
 * says exactly which read fills it. TanStack Query matches object parts of a
 * key partially: `['run', { runId }]` covers that run's page whatever step or
 * attempt it shows.
 */
export type ViewKey<N extends ViewName = ViewName> = readonly [N, ViewParams<N>];

export function viewKey<N extends ViewName>(name: N, params: ViewParams<N>): ViewKey<N> {
  const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined && v !== ''));
  return [name, defined as ViewParams<N>];
}

/** Where a view is fetched from: the route that calls the same loader as the page. */
export function viewUrl([name, params]: ViewKey): string {
  const query = new URLSearchParams(params).toString();
  return `/api/views/${name}${query ? `?${query}` : ''}`;
}

/** Prefixes for invalidation: everything shown about one run, or every view of a kind. */
export const queryKeys = {
  run: (runId: string) => ['run', { runId }] as const,
  step: (runId: string) => ['step', { runId }] as const,
  /** An environment's history, whatever page or filter it shows. */
  environment: (environmentId: string) => ['environment', { environmentId }] as const,
  deployment: (deploymentId: string) => ['deployment', { deploymentId }] as const,
  all: (name: ViewName) => [name] as const,
};
