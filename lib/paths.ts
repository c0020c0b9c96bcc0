import { behindTrustedProxy } from './server/client-address';

/** Every dashboard URL, built in one place so none is spelled twice. */
export const paths = {
  home: () => '/',
  /** The sign-in page, leading back to `callbackUrl` (a path of the dashboard, lib/auth/callback-path.ts) after. */
  signIn: (callbackUrl?: string) => (callbackUrl ? `/sign-in?callbackUrl=${encodeURIComponent(callbackUrl)}` : '/sign-in'),
  /** The sign-in page saying why a single sign-on did not let the person in. */
  signInError: (error: string) => `/sign-in?error=${encodeURIComponent(error)}`,
  setup: () => '/setup',
  pipelines: () => '/pipelines',
  pipeline: (pipelineId: string) => `/pipelines/${pipelineId}`,
  /** A pipeline's definition (graph, steps, YAML) before any run. */
  pipelineDefinition: (pipelineId: string) => `/pipelines/${pipelineId}?tab=definition`,
  /** A pipeline's versions, two of them compared (by number) when given. */
  pipelineVersions: (pipelineId: string, from?: number, to?: number) =>
    `/pipelines/${pipelineId}?tab=versions${from && to ? `&from=${from}&to=${to}` : ''}`,
  /** Every run the reader may see, filtered; the filters live in the query string so a filtered view is a link. */
  runs: (filter: Record<string, string | undefined> = {}) => {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1])).toString();
    return query ? `/runs?${query}` : '/runs';
  },
  newRun: (pipelineId: string) => `/pipelines/${pipelineId}/new`,
  run: (runId: string) => `/runs/${runId}`,
  step: (runId: string, key: string) => `/runs/${runId}/steps/${encodeURIComponent(key)}`,
  /** The run page with a step's attempt history open beside the graph. */
  runStep: (runId: string, key: string) => `/runs/${runId}?step=${encodeURIComponent(key)}`,
  attempt: (runId: string, key: string, number: number) =>
    `/runs/${runId}/steps/${encodeURIComponent(key)}#attempt-${number}`,
  replay: (runId: string, key: string) => `/runs/${runId}/steps/${encodeURIComponent(key)}/replay`,
  compare: (runId: string, key: string, a?: number, b?: number) =>
    `/runs/${runId}/steps/${encodeURIComponent(key)}/compare${a && b ? `?a=${a}&b=${b}` : ''}`,
  environments: () => '/environments',
  /** An environment's deployment history, filtered; the filters live in the query string so a filtered view is a link. */
  environment: (environmentId: string, filter: { status?: string; trigger?: string; cursor?: string } = {}) => {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1])).toString();
    return `/environments/${environmentId}${query ? `?${query}` : ''}`;
  },
  /** Two deployments of an environment compared; without both, the live one against the one before. */
  environmentCompare: (environmentId: string, a?: string, b?: string) =>
    `/environments/${environmentId}/compare${a && b ? `?a=${a}&b=${b}` : ''}`,
  deployment: (deploymentId: string) => `/deployments/${deploymentId}`,
  users: () => '/settings/users',
  tokens: () => '/settings/tokens',
  projects: () => '/projects',
  project: (key: string) => `/projects/${encodeURIComponent(key)}`,
  /** The audit log, filtered; the filters live in the query string so a filtered view is a link. */
  audit: (filter: { project?: string; actor?: string; action?: string; cursor?: string } = {}) => {
    const query = new URLSearchParams(Object.entries(filter).filter((e): e is [string, string] => !!e[1])).toString();
    return query ? `/audit?${query}` : '/audit';
  },
  apiReference: () => '/api-reference',
};

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::\d{1,5})?$/;

/**
 * The origin html_url fields point at, so a link works from where the caller
 * came: REPRISE_PUBLIC_URL when set; behind a trusted reverse proxy
 * (REPRISE_TRUSTED_PROXY) the host and scheme it forwarded; otherwise the
 * Host the caller sent (Next's request.url may name localhost when the
 * caller used 127.0.0.1). Without a trusted proxy the X-Forwarded-* headers
 * are the caller's own words and are ignored.
 */
export function publicOrigin(request?: { url?: string; headers: Headers }): string {
  if (process.env.REPRISE_PUBLIC_URL) return process.env.REPRISE_PUBLIC_URL.replace(/\/$/, '');
  if (!request) return 'http://localhost:3000';
  const fromUrl = request.url ? safeUrl(request.url) : null;
  let scheme = fromUrl?.protocol === 'https:' ? 'https' : 'http';
  let host = request.headers.get('host');
  if (behindTrustedProxy()) {
    // A chain of proxies appends: the last entry is the one nearest us.
    const last = (name: string) => request.headers.get(name)?.split(',').pop()?.trim();
    const forwardedProto = last('x-forwarded-proto')?.toLowerCase();
    if (forwardedProto === 'http' || forwardedProto === 'https') scheme = forwardedProto;
    host = last('x-forwarded-host') || host;
  }
  if (host && HOST.test(host)) return `${scheme}://${host}`;
  return fromUrl ? fromUrl.origin : 'http://localhost:3000';
}

/** Whether the dashboard is reached over https (so its cookies must be Secure). */
export function servedOverHttps(headers?: Headers): boolean {
  if (process.env.REPRISE_PUBLIC_URL) return process.env.REPRISE_PUBLIC_URL.startsWith('https://');
  return !!headers && publicOrigin({ headers }).startsWith('https://');
}

function safeUrl(url: string) {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}
