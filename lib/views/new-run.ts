import { and, eq, inArray } from 'drizzle-orm';
import type { Conn } from '@/db/client';
import { environments } from '@/db/schema';
import type { Actor } from '../actor';
import { deployRefusal, requiredRoles, roleIn } from '../auth/permissions';
import { getPipeline, runFilterOptions } from '../runs/queries';
import { toJson } from './json';

/**
 * What the new-run form needs: the pipeline's params schema, the branches seen
 * on its runs (suggestions), and every environment its steps deploy to, with
 * the protection, the hold and what that means for this reader — shown before
 * the run is started.
 */
export async function loadNewRun(db: Conn, actor: Actor, pipelineId: string) {
  const pipeline = await getPipeline(db, pipelineId);
  const steps = pipeline.definition?.steps ?? [];
  const names = [...new Set(steps.map((s) => s.environment).filter((e): e is string => !!e))];
  const [required, rows, options] = await Promise.all([
    requiredRoles(db, pipeline.projectId, names),
    names.length
      ? db
          .select({ name: environments.name, hold: environments.hold })
          .from(environments)
          .where(and(eq(environments.projectId, pipeline.projectId), inArray(environments.name, names)))
      : Promise.resolve([]),
    runFilterOptions(db, pipeline.id),
  ]);
  const holds = new Map(rows.map((r) => [r.name, r.hold]));
  return toJson({
    pipeline: {
      id: pipeline.id,
      title: pipeline.title,
      project: pipeline.project,
      versionHash: pipeline.versionHash,
      loaded: !!pipeline.definition,
    },
    paramsSchema: pipeline.definition?.params ?? null,
    branches: options.branches,
    yourRole: roleIn(actor, pipeline.projectId),
    environments: names.map((name) => {
      const role = required.get(name)!;
      const hold = holds.get(name) ?? null;
      return {
        name,
        steps: steps.filter((s) => s.environment === name).map((s) => ({ key: s.key, title: s.title })),
        // Unprotected environments take operators; protection names a higher role.
        protectedFor: role === 'operator' ? null : role,
        // Someone without the role may still start the run: the deploy step waits for an approval.
        needsApproval: !!deployRefusal(actor, pipeline.projectId, name, role),
        hold: hold ? { version: hold.version, byName: hold.by_name, reason: hold.reason, at: hold.at } : null,
      };
    }),
  });
}

export type NewRunView = Awaited<ReturnType<typeof loadNewRun>>;
