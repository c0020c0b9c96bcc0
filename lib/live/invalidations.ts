import type { LiveEvent } from '../event-types';
import { queryKeys } from '../query-keys';

export type Invalidation = readonly unknown[];

/**
 * Which cached views an event makes stale: the one rule that keeps the
 * dashboard live. `all` after a `reset` (too many events were missed to
 * replay); nothing for log lines, which the log viewer appends itself.
 */
export function invalidationsFor(event: LiveEvent): Invalidation[] | 'all' {
  const ofRun = event.run_id ? [queryKeys.run(event.run_id), queryKeys.step(event.run_id)] : [];
  const environmentId = typeof event.data.environment_id === 'string' ? event.data.environment_id : null;
  // What shows an environment: the matrix, the home page and its own history.
  // The deployment pages of the environment show its hold and live version too.
  const ofEnvironment = [
    queryKeys.all('overview'),
    queryKeys.all('environments'),
    ...(environmentId ? [queryKeys.environment(environmentId)] : [queryKeys.all('environment')]),
    queryKeys.all('deployment'),
  ];
  switch (event.type) {
    case 'reset':
      return 'all';
    case 'log.appended':
      return [];
    case 'pipeline.loaded':
      return [
        queryKeys.all('pipelines'),
        queryKeys.all('pipeline-runs'),
        queryKeys.all('pipeline-definition'),
        queryKeys.all('runs'),
        queryKeys.all('new-run'),
      ];
    case 'run.created':
      // Run histories are pinned: they announce new runs rather than refetch.
      return [queryKeys.all('overview'), queryKeys.all('pipelines')];
    case 'run.status_changed':
    case 'run.cancel_requested':
    case 'run.retried':
      return [
        ...ofRun,
        queryKeys.all('overview'),
        queryKeys.all('pipelines'),
        queryKeys.all('pipeline-runs'),
        queryKeys.all('pipeline-durations'),
        queryKeys.all('runs'),
      ];
    case 'deployment.created':
    case 'deployment.status_changed':
      // A new live version changes the compare page's default too.
      return [...ofRun, ...ofEnvironment, queryKeys.all('environment-compare')];
    case 'environment.changed':
      // The new-run form says which environments are held.
      return [...ofEnvironment, queryKeys.all('new-run')];
    case 'item.status_changed':
      return ofRun;
    case 'attempt.created':
    case 'attempt.started':
    case 'attempt.finished':
      // An attempt of a deploy step is a deployment: the overview shows the latest per environment.
      return [...ofRun, queryKeys.all('overview')];
    case 'attempt.approved':
      return [...ofRun, queryKeys.all('overview')];
  }
}
