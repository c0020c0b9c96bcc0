import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from './fixtures';

/**
 * The CLI end to end: the real binary (`node bin/reprise.mjs`) against the
 * e2e server, as a person in a terminal or a CI job would run it.
 */

// A pipeline whose `outcome` param decides whether its check step passes, one
// that deploys to an environment, and a name used in two projects.
const CHECK = `name: cli-check
project: cli
title: CLI check
params:
  type: object
  properties:
    outcome: { type: string, enum: [pass, fail], default: pass }
    shards: { type: integer, minimum: 1, default: 1 }
steps:
  - key: prepare
    run: ["sh", "-c", "echo preparing the check"]
  - key: check
    needs: [prepare]
    inputs:
      outcome: "\${{ params.outcome }}"
    inputSchema:
      type: object
      required: [outcome]
      properties:
        outcome: { type: string, enum: [pass, fail] }
    run: ["sh", "-c", "echo \\"outcome is $REPRISE_INPUT_OUTCOME\\"; test \\"$REPRISE_INPUT_OUTCOME\\" = pass"]
`;
const SHIP = `name: cli-ship
project: cli
steps:
  - key: ship
    environment: cli-staging
    run: ["sh", "-c", "echo shipping"]
`;
const SLOW = `name: cli-slow
project: cli
steps:
  - key: wait
    run: ["sleep", "120"]
`;
const twin = (project: string) => `name: cli-twin
project: ${project}
steps:
  - key: only
    run: ["sh", "-c", "echo twin"]
`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = path.resolve('bin/reprise.mjs');
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-cli-home-'));

/** Runs `node bin/reprise.mjs …` with its own HOME; REPRISE_URL/REPRISE_TOKEN unless `env` says otherwise. */
function reprise(baseURL: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: home,
      env: {
        PATH: process.env.PATH,
        HOME: home,
        XDG_CONFIG_HOME: path.join(home, '.config'),
        REPRISE_URL: baseURL,
        REPRISE_TOKEN: process.env.E2E_TOKEN,
        NODE_ENV: 'production',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    // Generous: a watch lasts as long as the run, on a machine that may be busy.
    const timer = setTimeout(() => child.kill('SIGKILL'), 100_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const json = <T>(result: Result): T => {
  expect(result.stderr, 'stderr').toBe('');
  return JSON.parse(result.stdout) as T;
};

interface RunJson {
  id: string;
  number: number;
  status: string;
  attempt: number;
  params: Record<string, unknown>;
  trigger: string;
  items: {
    id: string;
    key: string;
    status: string;
    latest_attempt: { number: number; kind: string; inputs: Record<string, unknown>; reason: string | null } | null;
  }[];
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(async ({ request }) => {
  const dir = process.env.E2E_PIPELINES_DIR!;
  fs.writeFileSync(path.join(dir, 'cli-check.yaml'), CHECK);
  fs.writeFileSync(path.join(dir, 'cli-ship.yaml'), SHIP);
  fs.writeFileSync(path.join(dir, 'cli-slow.yaml'), SLOW);
  fs.writeFileSync(path.join(dir, 'cli-twin-a.yaml'), twin('cli'));
  fs.writeFileSync(path.join(dir, 'cli-twin-b.yaml'), twin('cli-b'));
  // The server watches the folder.
  await expect
    .poll(
      async () => {
        const res = await request.get('/api/v1/pipelines', {
          headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
        });
        const { items } = (await res.json()) as { items: { project: string; name: string }[] };
        return items.map((p) => `${p.project}/${p.name}`).sort();
      },
      { timeout: 30_000 },
    )
    .toEqual(expect.arrayContaining(['cli/cli-check', 'cli/cli-ship', 'cli/cli-twin', 'cli-b/cli-twin']));
});

test('pipelines: --json is the API answer, the table is plain text when not a terminal', async ({ baseURL }) => {
  const answer = json<{ items: Record<string, unknown>[]; load_errors: unknown[] }>(
    await reprise(baseURL!, ['pipelines', '--json']),
  );
  expect(Array.isArray(answer.load_errors)).toBe(true);
  const check = answer.items.find((p) => p.project === 'cli' && p.name === 'cli-check');
  expect(check).toMatchObject({
    id: expect.any(String),
    title: 'CLI check',
    html_url: expect.stringContaining('/pipelines/'),
  });
  expect(check).toHaveProperty('last_run');

  const table = await reprise(baseURL!, ['pipelines']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^PIPELINE\s+TITLE\s+LAST RUN\s+ID$/m);
  expect(table.stdout).toMatch(/^cli\/cli-check\s+CLI check/m);
  expect(table.stdout).not.toContain('\u001b');
});

test('run --watch exits 0 when the run succeeds and 1 when it fails', async ({ baseURL, api }) => {
  test.setTimeout(180_000);
  const passed = await reprise(baseURL!, ['run', 'cli-check', '--param', 'outcome=pass', '--watch']);
  expect(passed.stderr).toBe('');
  expect(passed.code).toBe(0);
  expect(passed.stdout).toMatch(/^Started cli\/cli-check #\d+/);
  expect(passed.stdout).toMatch(/✓ succeeded\s+check/);
  expect(passed.stdout).toMatch(/✓ succeeded cli\/cli-check #\d+/);

  const failed = await reprise(baseURL!, [
    'run',
    'cli/cli-check',
    '--param',
    'outcome=fail',
    '--param',
    'shards=2',
    '--branch',
    'main',
    '--commit',
    'abc1234',
    '--watch',
    '--json',
  ]);
  expect(failed.code).toBe(1);
  const run = json<RunJson>(failed);
  expect(run.status).toBe('failed');
  // key=value is typed by the params schema: shards is an integer there.
  expect(run.params).toEqual({ outcome: 'fail', shards: 2 });
  expect((await api.run(run.id)).status).toBe('failed');
  expect(run.items.find((i) => i.key === 'check')!.status).toBe('failed');
});

test('cancel <run> --reason stops a running run', async ({ baseURL, api }) => {
  test.setTimeout(180_000);
  const started = await reprise(baseURL!, ['run', 'cli-slow', '--json']);
  expect(started.code).toBe(0);
  const run = json<RunJson>(started);
  const cancelled = await reprise(baseURL!, ['cancel', `cli/cli-slow#${run.number}`, '--reason', 'started by mistake']);
  expect(cancelled.stderr).toBe('');
  expect(cancelled.code).toBe(0);
  expect(cancelled.stdout).toMatch(new RegExp(`^Cancelling cli/cli-slow #${run.number}`));
  await expect.poll(async () => (await api.run(run.id)).status, { timeout: 90_000 }).toBe('cancelled');
  // A run that has ended cannot be cancelled: one clear line, exit 3.
  const again = await reprise(baseURL!, ['cancel', run.id]);
  expect(again.code).toBe(3);
  expect(again.stderr.trim().split('\n')).toHaveLength(1);
});

test('a pipeline name in two projects is refused with the names to choose from', async ({ baseURL }) => {
  const ambiguous = await reprise(baseURL!, ['run', 'cli-twin']);
  expect(ambiguous.code).toBe(2);
  expect(ambiguous.stdout).toBe('');
  expect(ambiguous.stderr.trim()).toBe(
    'error: "cli-twin" names a pipeline in 2 projects: use one of cli/cli-twin, cli-b/cli-twin.',
  );
  const qualified = await reprise(baseURL!, ['run', 'cli-b/cli-twin', '--json']);
  expect(qualified.code).toBe(0);
  expect(json<RunJson>(qualified).status).toMatch(/queued|running|succeeded/);

  const unknown = await reprise(baseURL!, ['run', 'no-such-pipeline']);
  expect(unknown.code).toBe(2);
  expect(unknown.stderr).toContain('No pipeline "no-such-pipeline" (pipelines you may see: ');
});

test('runs --status failed --json lists failed runs only', async ({ baseURL }) => {
  const answer = json<{ items: RunJson[]; next_cursor: string | null }>(
    await reprise(baseURL!, ['runs', '--status', 'failed', '--pipeline', 'cli-check', '--json']),
  );
  expect(answer.items.length).toBeGreaterThan(0);
  expect(answer.items.every((r) => r.status === 'failed')).toBe(true);
  expect(answer).toHaveProperty('next_cursor');

  const all = json<{ items: RunJson[] }>(
    await reprise(baseURL!, ['runs', '--status', 'failed', '--json', '--limit', '100']),
  );
  expect(all.items.every((r) => r.status === 'failed')).toBe(true);

  const table = await reprise(baseURL!, ['runs', '--pipeline', 'cli/cli-check']);
  expect(table.code).toBe(0);
  expect(table.stdout).toMatch(/^cli\/cli-check#\d+\s+✗ failed\s+1\s+api\s+main\s+abc1234/m);
});

test('retry <pipeline> retries its latest failed run; --watch exits 1 when it fails again', async ({
  baseURL,
  api,
}) => {
  test.setTimeout(180_000);
  const failed = json<{ items: RunJson[] }>(
    await reprise(baseURL!, ['runs', '--status', 'failed', '--pipeline', 'cli-check', '--json', '--limit', '1']),
  ).items[0];

  const retried = await reprise(baseURL!, ['retry', 'cli-check', '--reason', 'from the terminal', '--watch', '--json']);
  expect(retried.code).toBe(1);
  const run = json<RunJson>(retried);
  expect(run.id).toBe(failed.id);
  expect(run.attempt).toBe(2);
  expect(run.status).toBe('failed');
  const check = run.items.find((i) => i.key === 'check')!;
  expect(check.latest_attempt).toMatchObject({ number: 2, kind: 'retry', reason: 'from the terminal' });
  // The step that succeeded was kept, not run again.
  expect(run.items.find((i) => i.key === 'prepare')!.latest_attempt!.number).toBe(1);
  expect((await api.run(failed.id)).attempt).toBe(2);
});

test('replay <run> <step> --input runs the step with the edited input; the run then succeeds', async ({
  baseURL,
  api,
  request,
}) => {
  test.setTimeout(180_000);
  const failed = json<{ items: RunJson[] }>(
    await reprise(baseURL!, ['runs', '--status', 'failed', '--pipeline', 'cli-check', '--json', '--limit', '1']),
  ).items[0];

  const invalid = await reprise(baseURL!, ['replay', failed.id, 'check', '--input', 'outcome=maybe']);
  expect(invalid.code).toBe(3);
  expect(invalid.stderr.trim().split('\n')).toHaveLength(1);
  expect(invalid.stderr).toMatch(
    /^error: The inputs do not match the inputSchema of "check"\. \(\/outcome: .+\) \[422 invalid_inputs\]$/m,
  );

  const replayed = await reprise(baseURL!, [
    'replay',
    `cli/cli-check#${failed.number}`,
    'check',
    '--input',
    'outcome=pass',
    '--reason',
    'fixed the input',
    '--watch',
  ]);
  expect(replayed.stderr).toBe('');
  expect(replayed.code).toBe(0);
  expect(replayed.stdout).toMatch(/^Replaying check of cli\/cli-check #\d+ as attempt 3/);

  const run = await api.run(failed.id);
  expect(run.status).toBe('succeeded');
  const item = run.items.find((i) => i.key === 'check')!;
  const res = await request.get(`/api/v1/runs/${run.id}/items/${item.id}/attempts`, {
    headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
  });
  const attempts = (
    (await res.json()) as {
      items: { number: number; kind: string; status: string; inputs: Record<string, unknown>; reason: string }[];
    }
  ).items;
  expect(attempts.at(-1)).toMatchObject({
    number: 3,
    kind: 'replay',
    status: 'succeeded',
    inputs: { outcome: 'pass' },
    reason: 'fixed the input',
  });
});

test("logs prints each step's latest attempt, or one step's", async ({ baseURL }) => {
  const run = json<{ items: RunJson[] }>(
    await reprise(baseURL!, ['runs', '--status', 'succeeded', '--pipeline', 'cli-check', '--json', '--limit', '1']),
  ).items[0];

  const all = await reprise(baseURL!, ['logs', run.id]);
  expect(all.code).toBe(0);
  expect(all.stdout).toMatch(/── prepare \(attempt 1\) ✓ succeeded\npreparing the check/);
  expect(all.stdout).toMatch(/── check \(attempt \d\) ✓ succeeded\noutcome is pass/);

  const one = await reprise(baseURL!, ['logs', `cli-check#${run.number}`, 'check', '--attempt', '1']);
  expect(one.code).toBe(0);
  expect(one.stdout.trim()).toBe(`outcome is ${(run.params.outcome as string) ?? 'pass'}`);

  const followed = await reprise(baseURL!, ['logs', run.id, 'check', '--follow']);
  expect(followed.code).toBe(0);
  expect(followed.stdout).toContain('outcome is pass');

  const asJson = json<{ steps: { step: string; logs: { text: string }[] }[] }>(
    await reprise(baseURL!, ['logs', run.id, '--json']),
  );
  expect(asJson.steps.map((s) => s.step)).toEqual(['prepare', 'check']);
  expect(asJson.steps[0].logs.map((l) => l.text).join('')).toContain('preparing the check');
});

test('deploy: hold and release an environment, redeploy its live deployment', async ({ baseURL }) => {
  test.setTimeout(180_000);
  expect((await reprise(baseURL!, ['run', 'cli-ship', '--watch'])).code).toBe(0);

  const held = await reprise(baseURL!, ['deploy', 'hold', 'cli/cli-staging', '--reason', 'freeze', '--json']);
  expect(json<{ hold: { reason: string } | null }>(held).hold).toMatchObject({ reason: 'freeze' });
  const released = await reprise(baseURL!, [
    'deploy',
    'release',
    'cli-staging',
    '--project',
    'cli',
    '--reason',
    'thaw',
  ]);
  expect(released.code).toBe(0);
  expect(released.stdout.trim()).toBe('cli/cli-staging: released');

  const redeployed = await reprise(baseURL!, ['deploy', 'redeploy', 'cli/cli-staging', '--reason', 'again', '--watch']);
  expect(redeployed.stderr).toBe('');
  expect(redeployed.code).toBe(0);
  expect(redeployed.stdout).toMatch(/^cli-staging v2: /);

  // --plan shows what a rollback would do and changes nothing.
  const plan = await reprise(baseURL!, ['deploy', 'rollback', 'cli/cli-staging', '--plan']);
  expect(plan.stderr).toBe('');
  expect(plan.code).toBe(0);
  expect(plan.stdout).toMatch(/^rollback → cli-staging v3 \(live now: v2/);
  expect(plan.stdout).toContain('cli-staging will be held afterwards');
  expect(plan.stdout.trim().split('\n').at(-1)).toBe('May go now.');
  const planJson = json<{ action: string; next_version: number; target: { version: number } }>(
    await reprise(baseURL!, ['deploy', 'rollback', 'cli/cli-staging', '--plan', '--json']),
  );
  expect(planJson).toMatchObject({ action: 'rollback', next_version: 3, target: { version: 1 } });
  // Nothing was started: the pipeline's newest run is still the redeploy's.
  const newest = json<{ items: RunJson[] }>(
    await reprise(baseURL!, ['runs', '--pipeline', 'cli-ship', '--json', '--limit', '1']),
  );
  expect(newest.items[0].trigger).toBe('redeploy');

  const notFailed = await reprise(baseURL!, ['deploy', 'retry', 'cli/cli-staging']);
  expect(notFailed.code).toBe(3);
  expect(notFailed.stderr).toMatch(/The latest deployment to cli\/cli-staging \(v2\) is \w+, not failed/);
});

test('login stores the URL and token in a 0600 file; logout removes it', async ({ baseURL, request }) => {
  const created = await request.post('/api/v1/tokens', {
    headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
    data: { name: 'cli e2e', project: 'cli', role: 'operator' },
  });
  expect(created.status()).toBe(201);
  const { token } = (await created.json()) as { token: string };
  const noEnv = { REPRISE_URL: undefined, REPRISE_TOKEN: undefined };
  const file = path.join(home, '.config', 'reprise', 'config.json');

  const refused = await reprise(baseURL!, ['login', '--url', baseURL!, '--token', 'rp_not_a_token'], noEnv);
  expect(refused.code).toBe(3);
  expect(fs.existsSync(file)).toBe(false);

  const login = await reprise(baseURL!, ['login', '--url', baseURL!, '--token', token], noEnv);
  expect(login.stderr).toBe('');
  expect(login.code).toBe(0);
  expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
  expect(JSON.parse(fs.readFileSync(file, 'utf8'))).toEqual({ url: baseURL!.replace(/\/$/, ''), token });

  // The stored login is used; the token sees its own project only.
  const pipelines = json<{ items: { project: string }[] }>(await reprise(baseURL!, ['pipelines', '--json'], noEnv));
  expect(new Set(pipelines.items.map((p) => p.project))).toEqual(new Set(['cli']));

  expect((await reprise(baseURL!, ['logout'], noEnv)).code).toBe(0);
  expect(fs.existsSync(file)).toBe(false);
  const none = await reprise(baseURL!, ['pipelines'], noEnv);
  expect(none.code).toBe(2);
  expect(none.stderr).toContain('reprise login');
});

test('a bad token is one clear line on stderr and exit 3', async ({ baseURL }) => {
  const result = await reprise(baseURL!, ['pipelines'], { REPRISE_TOKEN: 'rp_wrong' });
  expect(result.code).toBe(3);
  expect(result.stdout).toBe('');
  const lines = result.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: .+ Check REPRISE_TOKEN, or run `reprise login` with a valid token\. \[401 \w+\]$/);
});
