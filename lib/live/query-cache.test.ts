import { QueryObserver, type QueryClient } from '@tanstack/react-query';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LiveEvent } from '../event-types';
import { viewKey } from '../query-keys';
import { COALESCE_MS, makeQueryClient, syncCacheWithEvents } from './query-cache';

const RUN_A = '11111111-1111-4111-8111-111111111111';
const RUN_B = '22222222-2222-4222-8222-222222222222';
const PIPELINE = '33333333-3333-4333-8333-333333333333';

const event = (type: LiveEvent['type'], runId: string | null = null): LiveEvent => ({
  id: 1,
  type,
  project_id: null,
  run_id: runId,
  at: new Date().toISOString(),
  data: {},
});
const settle = () => new Promise((resolve) => setTimeout(resolve, COALESCE_MS + 50));

describe('live events keep the query cache current', () => {
  let client: QueryClient;
  let emit: (e: LiveEvent) => void;
  let stop: () => void;
  const fetches = new Map<string, number>();
  const unwatch: (() => void)[] = [];

  // An observed query, as a mounted page holds it; counts how often it is fetched.
  const watch = async (key: readonly unknown[]) => {
    const name = JSON.stringify(key);
    fetches.set(name, 0);
    const observer = new QueryObserver(client, {
      queryKey: key,
      queryFn: () => {
        fetches.set(name, fetches.get(name)! + 1);
        return { at: Date.now() };
      },
    });
    unwatch.push(observer.subscribe(() => {}));
    await client.fetchQuery({ queryKey: key });
    fetches.set(name, 0);
    return () => fetches.get(name)!;
  };

  beforeEach(() => {
    client = makeQueryClient();
    stop = syncCacheWithEvents(client, (listener) => {
      emit = listener;
      return () => {};
    });
  });
  afterEach(() => {
    unwatch.splice(0).forEach((u) => u());
    stop();
    client.clear();
  });

  it('refetches the pages of the run an event is about, once per burst, and leaves other runs alone', async () => {
    const runPanel = await watch(viewKey('run', { runId: RUN_A, step: 'deploy' }));
    const stepPage = await watch(viewKey('step', { runId: RUN_A, key: 'deploy' }));
    const otherRun = await watch(viewKey('run', { runId: RUN_B }));
    const overview = await watch(viewKey('overview', {}));
    emit(event('item.status_changed', RUN_A));
    emit(event('item.status_changed', RUN_A));
    emit(event('log.appended', RUN_A));
    await settle();
    expect([runPanel(), stepPage(), otherRun(), overview()]).toEqual([1, 1, 0, 0]);
    // Attempts may be deployments, which the overview lists.
    emit(event('attempt.finished', RUN_A));
    await settle();
    expect([runPanel(), stepPage(), otherRun(), overview()]).toEqual([2, 2, 0, 1]);
  });

  it('a run status change also refreshes the overview, the pipelines and the run histories', async () => {
    const overview = await watch(viewKey('overview', {}));
    const pipelines = await watch(viewKey('pipelines', {}));
    const history = await watch(viewKey('pipeline-runs', { pipelineId: PIPELINE, until: new Date().toISOString() }));
    emit(event('run.status_changed', RUN_A));
    await settle();
    expect([overview(), pipelines(), history()]).toEqual([1, 1, 1]);
  });

  it('a new run is announced on run histories, not inserted: they are not refetched', async () => {
    const history = await watch(viewKey('pipeline-runs', { pipelineId: PIPELINE }));
    const overview = await watch(viewKey('overview', {}));
    emit(event('run.created', RUN_A));
    await settle();
    expect([history(), overview()]).toEqual([0, 1]);
  });

  it('deployment and environment events refresh the environment pages: the matrix, that environment, deployments', async () => {
    const ENV_A = '44444444-4444-4444-8444-444444444444';
    const ENV_B = '55555555-5555-4555-8555-555555555555';
    const matrix = await watch(viewKey('environments', {}));
    const history = await watch(viewKey('environment', { environmentId: ENV_A, status: 'failed' }));
    const otherHistory = await watch(viewKey('environment', { environmentId: ENV_B }));
    const deployment = await watch(viewKey('deployment', { deploymentId: RUN_B }));
    const runPage = await watch(viewKey('run', { runId: RUN_A }));
    emit({ ...event('deployment.status_changed', RUN_A), data: { deployment_id: RUN_B, environment_id: ENV_A, status: 'succeeded' } });
    await settle();
    expect([matrix(), history(), otherHistory(), deployment(), runPage()]).toEqual([1, 1, 0, 1, 1]);
    // A hold set or released: the environment's pages, not the run's.
    emit({ ...event('environment.changed'), data: { environment_id: ENV_B, environment: 'production' } });
    await settle();
    expect([matrix(), history(), otherHistory(), deployment(), runPage()]).toEqual([2, 1, 1, 2, 1]);
  });

  it('reset refetches everything on screen', async () => {
    const keys = [viewKey('run', { runId: RUN_A }), viewKey('overview', {}), viewKey('pipelines', {})];
    const counters = await Promise.all(keys.map(watch));
    emit(event('reset'));
    await settle();
    expect(counters.map((c) => c())).toEqual([1, 1, 1]);
  });

  it('a steady stream of events never starves a slow view: fetches finish, and the last starts after the last event', async () => {
    const key = viewKey('run', { runId: RUN_A });
    const finished: number[] = [];
    const started: number[] = [];
    const observer = new QueryObserver(client, {
      queryKey: key,
      queryFn: async ({ signal }) => {
        started.push(Date.now());
        await new Promise((resolve) => setTimeout(resolve, 300));
        if (!signal.aborted) finished.push(Date.now());
        return { at: Date.now() };
      },
    });
    unwatch.push(observer.subscribe(() => {}));
    await client.fetchQuery({ queryKey: key });
    finished.length = 0;
    started.length = 0;

    let lastEvent = 0;
    for (let i = 0; i < 24; i++) {
      emit(event('attempt.started', RUN_A));
      lastEvent = Date.now();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(finished.length).toBeGreaterThanOrEqual(2); // while the events kept coming
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(Math.max(...started)).toBeGreaterThanOrEqual(lastEvent);
    expect(finished.length).toBe(started.length); // none was cancelled
  });
});
