/** Every dashboard URL, built in one place so none is spelled twice. */
export const paths = {
  home: () => '/',
  signIn: (next?: string) => (next ? `/sign-in?next=${encodeURIComponent(next)}` : '/sign-in'),
  setup: () => '/setup',
  pipelines: () => '/pipelines',
  pipeline: (pipelineId: string) => `/pipelines/${pipelineId}`,
  run: (runId: string) => `/runs/${runId}`,
  step: (runId: string, key: string) => `/runs/${runId}/steps/${encodeURIComponent(key)}`,
  /** The run page with a step's attempt history open beside the graph. */
  runStep: (runId: string, key: string) => `/runs/${runId}?step=${encodeURIComponent(key)}`,
  attempt: (runId: string, key: string, number: number) =>
    `/runs/${runId}/steps/${encodeURIComponent(key)}#attempt-${number}`,
  replay: (runId: string, key: string) => `/runs/${runId}/steps/${encodeURIComponent(key)}/replay`,
  compare: (runId: string, key: string, a?: number, b?: number) =>
    `/runs/${runId}/steps/${encodeURIComponent(key)}/compare${a && b ? `?a=${a}&b=${b}` : ''}`,
};

/** The public origin for html_url fields: REPRISE_PUBLIC_URL, else the request's own origin. */
export function publicOrigin(requestUrl?: string) {
  if (process.env.REPRISE_PUBLIC_URL) return process.env.REPRISE_PUBLIC_URL.replace(/\/$/, '');
  return requestUrl ? new URL(requestUrl).origin : 'http://localhost:3000';
}
