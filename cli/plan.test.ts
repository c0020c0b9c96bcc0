import pc from 'picocolors';
import { describe, expect, it } from 'vitest';
import { formatPlan } from './plan';
import type { DeploymentPlan } from './shapes';

const plain = pc.createColors(false);
const deployment = (version: number, commit: string, status = 'succeeded') => ({
  id: `d${version}`,
  version,
  status,
  git_commit: commit,
  run_id: 'r',
  run_number: version + 10,
});

const rollback: DeploymentPlan = {
  action: 'rollback',
  environment: { id: 'e', name: 'production', required_role: 'deployer' },
  next_version: 5,
  live: deployment(4, 'bbbbbbbbbb'),
  target: deployment(3, 'aaaaaaaaaa'),
  commit: { from: 'bbbbbbbbbb', to: 'aaaaaaaaaa' },
  inputs: { before: { replicas: 4 }, after: { replicas: 2 }, diff: [{ path: '/replicas', before: 4, after: 2 }] },
  steps: {
    run: [{ key: 'deploy-production', title: 'Deploy' }],
    reused: [{ key: 'build', title: 'Build', run_number: 13 }],
  },
  busy: null,
  held: null,
  will_hold: true,
  allowed: true,
  refusal: null,
};

describe('a deployment plan in words', () => {
  it('says what would go where, against what is live, and that it may go', () => {
    expect(formatPlan(rollback, plain).split('\n')).toEqual([
      'rollback → production v5 (live now: v4, bbbbbbb)',
      '  deploys again: v3 of run #13',
      '  commit: bbbbbbb → aaaaaaa',
      '  inputs: 1 changed',
      '    /replicas: 4 → 2',
      '  runs: deploy-production',
      '  reuses: build',
      '  production will be held afterwards, until someone releases it',
      'May go now.',
    ]);
  });

  it('says why it would be refused, and keeps server text inert', () => {
    const refused = formatPlan(
      {
        ...rollback,
        will_hold: false,
        held: { reason: 'freeze\u001b]0;pwned\u0007 until monday', by_name: 'Ana' },
        allowed: false,
        refusal: { code: 'conflict', message: 'production is held' },
      },
      plain,
    );
    expect(refused).toContain('  production is held: freeze until monday');
    expect(refused).not.toContain('\u001b');
    expect(refused.split('\n').at(-1)).toBe('Would be refused: production is held');
  });
});
