import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../pipelines/definition';
import { latestDefinitionPlan, type VersionSide } from './latest-definition';

const side = (id: string, number: number, source: string): VersionSide => {
  const parsed = parsePipeline(source);
  return { id, number, hash: parsed.contentHash, structureHash: parsed.structureHash, definition: parsed.definition };
};

const V1 = `name: p
project: t
steps:
  - key: build
    run: ["make"]
  - key: deploy
    needs: [build]
    environment: staging
    inputs: { token: "abc-secret-value", replicas: 1 }
    inputSchema:
      type: object
      properties:
        token: { type: string, x-secret: true }
    run: ["./deploy.sh"]
`;
const items = [{ key: 'build' }, { key: 'deploy' }];

describe('latestDefinitionPlan', () => {
  it('lists what changed per step, secret inputs masked', () => {
    const v2 = V1.replace('replicas: 1', 'replicas: 2').replace('abc-secret-value', 'new-secret-value').replace('["make"]', '["make", "all"]');
    const plan = latestDefinitionPlan({ from: side('a', 1, V1), to: side('b', 2, v2), loadError: null }, items, new Set(['deploy']));
    expect(plan).toMatchObject({ allowed: true, changed: true, structure: null });
    expect(plan.steps).toEqual([
      { key: 'build', title: 'build', runsAgain: false, changes: [{ field: 'run', before: ['make'], after: ['make', 'all'] }] },
      {
        key: 'deploy',
        title: 'deploy',
        runsAgain: true,
        changes: [{ field: 'inputs', before: { token: '••••', replicas: 1 }, after: { token: '••••', replicas: 2 } }],
      },
    ]);
  });

  it('refuses a changed structure, naming the difference', () => {
    const v2 = V1.replace('needs: [build]\n    environment', 'environment').concat(`  - key: lint
    run: ["lint"]
`);
    const plan = latestDefinitionPlan({ from: side('a', 1, V1), to: side('b', 2, v2), loadError: null }, items, new Set(['deploy']));
    expect(plan.allowed).toBe(false);
    expect(plan.structure).toEqual({ added: ['lint'], removed: [], needsChanged: [{ key: 'deploy', before: ['build'], after: [] }] });
    expect(plan.notAllowedBecause).toBe(
      'The pipeline\'s steps changed since this run (steps added: lint; "deploy" needs [build] → []): retry with this run\'s definition, or start a new run.',
    );
  });

  it('refuses a step that would deploy elsewhere, and a pipeline file that failed to load', () => {
    const moved = latestDefinitionPlan(
      { from: side('a', 1, V1), to: side('b', 2, V1.replace('staging', 'production')), loadError: null },
      items,
      new Set(['deploy']),
    );
    expect(moved).toMatchObject({ allowed: false, structure: null });
    expect(moved.notAllowedBecause).toMatch(/^Step "deploy" now deploys to production instead of staging/);

    const broken = latestDefinitionPlan(
      { from: side('a', 1, V1), to: side('a', 1, V1), loadError: { file: 'p.yaml', line: 3, message: 'YAML syntax: bad' } },
      items,
      new Set(),
    );
    expect(broken).toMatchObject({ allowed: false, changed: false });
    expect(broken.notAllowedBecause).toMatch(/^The pipeline's file failed to load \(p\.yaml, line 3: YAML syntax: bad\)/);

    const same = latestDefinitionPlan({ from: side('a', 1, V1), to: side('a', 1, V1), loadError: null }, items, new Set());
    expect(same).toMatchObject({ allowed: true, changed: false, steps: [] });
  });
});
