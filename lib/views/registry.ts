import { z } from 'zod';
import type { Conn } from '@/db/client';
import { loadOverview } from './overview';
import { loadPipelineRuns } from './pipeline-runs';
import { loadPipelines } from './pipelines';
import { loadRunView } from './run';
import { loadStepView } from './step';

const text = z.string().max(500).optional();
const id = z.string().max(100);

/**
 * Every view the dashboard holds in its query cache, by name: the loader the
 * page's first render calls and `GET /api/views/<name>` serves, and the
 * parameters it takes (from the query string).
 */
export const VIEWS = {
  overview: { params: z.object({}), load: (db: Conn) => loadOverview(db) },
  pipelines: { params: z.object({}), load: (db: Conn) => loadPipelines(db) },
  'pipeline-runs': {
    params: z.object({ pipelineId: id, status: text, branch: text, trigger: text, actor: text, period: text, cursor: text, until: text }),
    load: loadPipelineRuns,
  },
  run: { params: z.object({ runId: id, attempt: text, step: text }), load: loadRunView },
  step: { params: z.object({ runId: id, key: z.string().max(200) }), load: loadStepView },
} as const;

export type ViewName = keyof typeof VIEWS;
export type ViewParams<N extends ViewName> = z.infer<(typeof VIEWS)[N]['params']>;
export type ViewData<N extends ViewName> = Awaited<ReturnType<(typeof VIEWS)[N]['load']>>;

export const isViewName = (name: string): name is ViewName => Object.hasOwn(VIEWS, name);
