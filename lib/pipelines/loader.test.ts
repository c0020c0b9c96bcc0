import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '@/db/client';
import { pipelines, pipelineVersions } from '@/db/schema';
import { createTestDatabase, loadTestPipelines, waitFor } from '../testing/test-db';
import { parsePipeline, PipelineDefinitionError } from './definition';
import { loadPipelineFiles, watchPipelines } from './loader';
import { listLoadErrors } from '../runs/queries';

const GOOD = `
name: good
project: test
steps:
  - key: a
    run: ["echo", "a"]
  - key: b
    needs: [a]
    run: ["echo", "b"]
`;

function problemsOf(source: string) {
  try {
    parsePipeline(source);
  } catch (error) {
    if (error instanceof PipelineDefinitionError) return error.problems;
    throw error;
  }
  return [];
}

describe('pipeline definitions', () => {
  it('reports YAML syntax errors with their line', () => {
    expect(problemsOf('name: x\nproject: y\nsteps:\n  - key: a\n    run: ["a"\n')).toEqual([
      expect.objectContaining({ line: expect.any(Number), message: expect.stringMatching(/^YAML syntax/) }),
    ]);
  });

  it('reports an unknown need, a cycle, a bad reference and an invalid schema, each at its line', () => {
    const source = `name: bad
project: test
steps:
  - key: a
    needs: [c]
    run: ["true"]
  - key: c
    needs: [a]
    run: ["true"]
  - key: d
    needs: [ghost]
    inputs:
      x: "\${{ steps.a.outputs.y }}"
      z: "\${{ nonsense }}"
    inputSchema: { type: wrong }
    run: ["true"]
`;
    const problems = problemsOf(source);
    const messages = problems.map((p) => `${p.line}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        '11: step "d" needs unknown step "ghost"',
        expect.stringMatching(/^5: steps form a cycle: a → c → a/),
        expect.stringMatching(/^14: "\$\{\{ nonsense \}\}" is not a reference/),
        expect.stringMatching(/^15: invalid JSON Schema/),
      ]),
    );
  });

  it('refuses a reference to a step that is not upstream, and a string as run', () => {
    expect(
      problemsOf(`name: x\nproject: t\nsteps:\n  - key: a\n    run: ["true"]\n  - key: b\n    inputs: { v: "\${{ steps.a.outputs.o }}" }\n    run: ["true"]\n`),
    ).toEqual([{ line: 7, message: 'step "b" uses outputs of "a" but does not need it (add it to needs)' }]);
    expect(problemsOf(`name: x\nproject: t\nsteps:\n  - key: a\n    run: "rm -rf /"\n`)[0].message).toMatch(/^steps.0.run/);
  });

  it('hashes content and structure separately', () => {
    const a = parsePipeline(GOOD);
    const renamed = parsePipeline(GOOD.replace('["echo", "b"]', '["echo", "B"]'));
    const rewired = parsePipeline(GOOD.replace('needs: [a]', 'needs: []'));
    expect(renamed.contentHash).not.toBe(a.contentHash);
    expect(renamed.structureHash).toBe(a.structureHash);
    expect(rewired.structureHash).not.toBe(a.structureHash);
  });
});

describe('loading a folder', () => {
  let database: Database & { drop(): Promise<void> };
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  it('loads the good files and reports the bad ones without stopping', async () => {
    const { dir, report } = await loadTestPipelines(database, {
      'a-broken.yaml': 'name: [unclosed',
      'b-good.yaml': GOOD,
      'c-cycle.yml': GOOD.replace('needs: [a]', 'needs: [b]'),
      'notes.txt': 'ignored',
    });
    expect(report.loaded.map((l) => l.pipeline)).toEqual(['test/good']);
    expect(report.errors.map((e) => path.basename(e.file))).toEqual(['a-broken.yaml', 'c-cycle.yml']);
    const errors = await listLoadErrors(database.db);
    expect(errors.map((e) => [path.basename(e.file), e.line])).toEqual([
      ['a-broken.yaml', 1],
      ['c-cycle.yml', expect.any(Number)],
    ]);
    expect(errors[1].message).toMatch(/needs itself/);

    // a changed file makes a new version; a fixed file clears its error
    fs.writeFileSync(path.join(dir, 'b-good.yaml'), GOOD.replace('["echo", "b"]', '["echo", "bb"]'));
    fs.writeFileSync(path.join(dir, 'a-broken.yaml'), GOOD.replace('name: good', 'name: fixed'));
    const second = await loadPipelineFiles(database.db, dir, () => {});
    expect(second.loaded.map((l) => [l.pipeline, l.changed])).toEqual([
      ['test/fixed', true],
      ['test/good', true],
    ]);
    const [good] = await database.db.select().from(pipelines).where(eq(pipelines.name, 'good'));
    const versions = await database.db.select().from(pipelineVersions).where(eq(pipelineVersions.pipelineId, good.id));
    expect(versions).toHaveLength(2);
    expect((await listLoadErrors(database.db)).map((e) => path.basename(e.file))).toEqual(['c-cycle.yml']);

    const unchanged = await loadPipelineFiles(database.db, dir, () => {});
    expect(unchanged.loaded.every((l) => !l.changed)).toBe(true);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('reloads by itself when a file in the folder changes', async () => {
    const { dir } = await loadTestPipelines(database, {});
    const stop = watchPipelines(database.db, dir, () => {});
    try {
      fs.writeFileSync(path.join(dir, 'late.yaml'), GOOD.replace('name: good', 'name: late'));
      await waitFor('the new file to load', async () => {
        const [row] = await database.db.select().from(pipelines).where(eq(pipelines.name, 'late'));
        return row?.currentVersionId ? row : null;
      });
      fs.writeFileSync(path.join(dir, 'late.yaml'), 'name: [broken');
      await waitFor('the error to be reported', async () =>
        (await listLoadErrors(database.db)).some((e) => e.file.endsWith('late.yaml')),
      );
    } finally {
      stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
