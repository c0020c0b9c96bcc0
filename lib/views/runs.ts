import { asc, eq, inArray } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { environments, pipelines, projectMembers, projects, users, type RunStatus } from '@/db/schema';
import { inProjectScope, type ProjectScope } from '../auth/permissions';
import { DomainError } from '../errors';
import { isUuid } from '../ids';
import { listRuns, type RunListFilter } from '../runs/queries';
import { searchRuns } from '../runs/search';
import { RUN_STATUSES, RUN_TRIGGERS } from '../runs/state';
import { toJson } from './json';
import { RUN_PERIODS, runRows, type RunFilterSearch } from './pipeline-runs';

/** The filters of the all-runs page, as they stand in its URL. */
export interface AllRunsSearch extends RunFilterSearch {
  pipeline?: string;
  environment?: string;
  /** A search text from the header: a run number, run id (prefix) or commit prefix. */
  q?: string;
}

export interface AllRunsParams extends AllRunsSearch {
  cursor?: string;
  /** Runs created after this time are left out: the list holds still while new runs are announced. */
  until?: string;
}

/**
 * Every run the reader may see, across pipelines: one keyset page filtered as
 * the URL says and pinned to `until`, or — with `q` — the runs a header search
 * found. The filters each read an index in order (lib/runs/history-plans.test.ts).
 */
export async function loadAllRuns(db: Conn, scope: ProjectScope, params: AllRunsParams) {
  const now = new Date();
  const options = await allRunsFilterOptions(db, scope);
  const until = params.until && !Number.isNaN(Date.parse(params.until)) ? params.until : now.toISOString();
  const filter: RunListFilter = {
    scope,
    pipelineId: options.pipelines.some((p) => p.id === params.pipeline) ? params.pipeline : undefined,
    status: (RUN_STATUSES as readonly string[]).includes(params.status ?? '') ? (params.status as RunStatus) : undefined,
    environment: params.environment || undefined,
    branch: params.branch || undefined,
    trigger: RUN_TRIGGERS.includes(params.trigger ?? '') ? params.trigger : undefined,
    actorId: isUuid(params.actor) ? params.actor : undefined,
    since: params.period && RUN_PERIODS[params.period] ? new Date(now.getTime() - RUN_PERIODS[params.period] * 1000) : undefined,
    until,
    limit: 25,
  };
  const titles = new Map(options.pipelines.map((p) => [p.id, p.title]));
  const search = params.q?.trim() ? await searchRuns(db, scope, params.q) : null;
  const page = search
    ? { items: search.items, nextCursor: null }
    : // A cursor this API did not give out (an edited URL) shows the first page rather than an error.
      await listRuns(db, { ...filter, cursor: params.cursor }).catch((error: unknown) => {
        if (error instanceof DomainError && error.code === 'bad_request') return listRuns(db, filter);
        throw error;
      });
  return toJson({
    now,
    until,
    options,
    search: search ? { q: params.q!.trim(), understood: !!search.query } : null,
    filtered: !!(filter.pipelineId || filter.status || filter.environment || filter.branch || filter.trigger || filter.actorId || filter.since),
    runs: (await runRows(db, page.items, now)).map((row) => ({
      ...row,
      pipelineTitle: titles.get(row.pipelineId) ?? row.pipelineName,
    })),
    nextCursor: page.nextCursor,
  });
}

export type AllRunsView = Awaited<ReturnType<typeof loadAllRuns>>;

/**
 * What the filters offer: the pipelines and environments of the readable
 * projects, and the people who are members of them (everyone, for an instance
 * admin), at most 200 of each.
 */
async function allRunsFilterOptions(db: Conn, scope: ProjectScope) {
  const [pipelineRows, environmentRows, actorRows] = await Promise.all([
    db
      .select({ id: pipelines.id, title: pipelines.title, project: projects.key })
      .from(pipelines)
      .innerJoin(projects, eq(projects.id, pipelines.projectId))
      .where(inProjectScope(pipelines.projectId, scope))
      .orderBy(asc(projects.key), asc(pipelines.title))
      .limit(200),
    db
      .selectDistinct({ name: environments.name })
      .from(environments)
      .where(inProjectScope(environments.projectId, scope))
      .orderBy(asc(environments.name))
      .limit(200),
    scope.all
      ? db.select({ id: users.id, name: users.name }).from(users).orderBy(asc(users.name)).limit(200)
      : scope.projectIds.length
        ? db
            .selectDistinct({ id: users.id, name: users.name })
            .from(users)
            .innerJoin(projectMembers, eq(projectMembers.userId, users.id))
            .where(inArray(projectMembers.projectId, scope.projectIds))
            .orderBy(asc(users.name), asc(users.id))
            .limit(200)
        : Promise.resolve([] as { id: string; name: string }[]),
  ]);
  return { pipelines: pipelineRows, environments: environmentRows.map((e) => e.name), actors: actorRows };
}
