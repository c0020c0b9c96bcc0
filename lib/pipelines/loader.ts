import fs from 'node:fs';
import path from 'node:path';
import { and, eq, notInArray } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { pipelineLoadErrors, pipelines, pipelineVersions, projects } from '@/db/schema';
import { transact } from '../events';
import { parsePipeline, PipelineDefinitionError } from './definition';

export interface LoadReport {
  loaded: { file: string; pipeline: string; changed: boolean }[];
  errors: { file: string; line: number | null; message: string }[];
}

export function pipelinesDir() {
  return path.resolve(/*turbopackIgnore: true*/ process.env.REPRISE_PIPELINES || 'examples/pipelines');
}

/**
 * Loads every *.yaml / *.yml file of `dir`. Each file stands alone: a bad one
 * is recorded (file, line, reason) in pipeline_load_errors and the log, and the
 * others load anyway. A file whose content changed makes a new pipeline version.
 */
export async function loadPipelineFiles(db: Db, dir: string, log: (m: string) => void = console.log): Promise<LoadReport> {
  const report: LoadReport = { loaded: [], errors: [] };
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  } catch (error) {
    report.errors.push({ file: dir, line: null, message: `Cannot read the pipelines folder: ${(error as Error).message}` });
    log(`pipelines: ${report.errors[0].message}`);
    return report;
  }
  const claimed = new Map<string, string>();
  for (const name of names) {
    const file = path.join(dir, name);
    const display = path.relative(process.cwd(), file) || name;
    try {
      const source = fs.readFileSync(file, 'utf8');
      const parsed = parsePipeline(source);
      const id = `${parsed.definition.project}/${parsed.definition.name}`;
      if (claimed.has(id)) {
        throw new PipelineDefinitionError([{ line: 1, message: `pipeline "${id}" is already defined in ${claimed.get(id)}` }]);
      }
      claimed.set(id, display);
      const changed = await storeVersion(db, parsed, source, display, dir);
      await db.delete(pipelineLoadErrors).where(eq(pipelineLoadErrors.file, display));
      report.loaded.push({ file: display, pipeline: id, changed });
      if (changed) log(`pipelines: loaded ${id} from ${display}`);
    } catch (error) {
      const problems =
        error instanceof PipelineDefinitionError
          ? error.problems
          : [{ line: null, message: (error as Error).message }];
      const message = problems.map((p) => (p.line ? `line ${p.line}: ${p.message}` : p.message)).join('\n');
      const line = problems[0]?.line ?? null;
      report.errors.push({ file: display, line, message });
      log(`pipelines: ${display} not loaded: ${message.replace(/\n/g, '; ')}`);
      await db
        .insert(pipelineLoadErrors)
        .values({ file: display, line, message })
        .onConflictDoUpdate({ target: pipelineLoadErrors.file, set: { line, message, updatedAt: new Date() } });
    }
  }
  const seen = names.map((n) => path.relative(process.cwd(), path.join(dir, n)) || n);
  await db.delete(pipelineLoadErrors).where(seen.length ? notInArray(pipelineLoadErrors.file, seen) : undefined);
  return report;
}

async function storeVersion(
  db: Db,
  parsed: ReturnType<typeof parsePipeline>,
  source: string,
  file: string,
  dir: string,
): Promise<boolean> {
  const { definition } = parsed;
  return transact(db, async (tx, sink) => {
    await tx
      .insert(projects)
      .values({ key: definition.project, title: definition.project })
      .onConflictDoNothing({ target: projects.key });
    const [project] = await tx.select().from(projects).where(eq(projects.key, definition.project));
    await tx
      .insert(pipelines)
      .values({ projectId: project.id, name: definition.name, title: definition.title, sourceFile: file })
      .onConflictDoNothing();
    const [pipeline] = await tx
      .select()
      .from(pipelines)
      .where(and(eq(pipelines.projectId, project.id), eq(pipelines.name, definition.name)))
      .for('update');
    await tx
      .insert(pipelineVersions)
      .values({
        pipelineId: pipeline.id,
        contentHash: parsed.contentHash,
        structureHash: parsed.structureHash,
        definition: definition as unknown as Record<string, unknown>,
        source,
        sourceFile: file,
        baseDir: dir,
      })
      .onConflictDoNothing();
    const [version] = await tx
      .select({ id: pipelineVersions.id })
      .from(pipelineVersions)
      .where(and(eq(pipelineVersions.pipelineId, pipeline.id), eq(pipelineVersions.contentHash, parsed.contentHash)));
    if (pipeline.currentVersionId === version.id) return false;
    await tx
      .update(pipelines)
      .set({ currentVersionId: version.id, title: definition.title, sourceFile: file })
      .where(eq(pipelines.id, pipeline.id));
    sink.emit({
      type: 'pipeline.loaded',
      projectId: project.id,
      payload: { pipeline_id: pipeline.id, version_id: version.id, content_hash: parsed.contentHash },
    });
    return true;
  });
}

/** Reloads the folder whenever a file in it changes (debounced); returns a function that stops watching. */
export function watchPipelines(db: Db, dir: string, log: (m: string) => void = console.log): () => void {
  let timer: NodeJS.Timeout | null = null;
  let watcher: fs.FSWatcher;
  try {
    watcher = fs.watch(dir, () => {
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        loadPipelineFiles(db, dir, log).catch((e) => log(`pipelines: reload failed: ${(e as Error).message}`));
      }, 200);
    });
  } catch (error) {
    log(`pipelines: cannot watch ${dir}: ${(error as Error).message}`);
    return () => {};
  }
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}
