import { expect, signInAs, test } from './fixtures';

// Who may do what, as people meet it: an admin (here the bootstrap token)
// makes a viewer and an operator and protects production; the viewer looks
// but cannot touch; the operator retries staging while production waits for a deployer; the
// audit log says who did what and why.
test.describe.configure({ mode: 'serial' });

const stamp = Date.now();
const VIEWER = { email: `vera-${stamp}@example.test`, name: 'Vera Viewer', password: 'viewer password 1' };
const OPERATOR = { email: `otto-${stamp}@example.test`, name: 'Otto Operator', password: 'operator password 1' };
const admin = () => ({ authorization: `Bearer ${process.env.E2E_TOKEN}` });

test('a viewer looks but cannot touch; an operator retries staging while production waits for a deployer; the audit log says why', async ({
  browser,
  request,
  api,
}) => {
  for (const [user, role] of [
    [VIEWER, 'viewer'],
    [OPERATOR, 'operator'],
  ] as const) {
    const created = await request.post('/api/v1/users', {
      headers: admin(),
      data: { ...user, reason: 'joins the shop team' },
    });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const member = await request.put(`/api/v1/projects/demo/members/${id}`, {
      headers: admin(),
      data: { role, reason: `${role} of the shop` },
    });
    expect(member.status()).toBe(200);
  }
  const protectedEnv = await request.put('/api/v1/projects/demo/environments/production', {
    headers: admin(),
    data: { protection: { required_role: 'deployer' }, reason: 'production needs a deployer' },
  });
  expect(protectedEnv.status()).toBe(200);

  // A release whose staging fails on its first attempt (examples/scripts/deploy.sh).
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');

  // The viewer sees the run, and no button that would act on it.
  const viewer = await signInAs(browser, VIEWER);
  await viewer.goto(`/runs/${run.id}`);
  await expect(viewer.getByRole('heading', { name: new RegExp(`Run #${run.number}`) })).toBeVisible();
  await expect(viewer.getByText('Deploy to staging').first()).toBeVisible();
  await expect(viewer.getByRole('button', { name: /Retry/ })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /Cancel run/ })).toHaveCount(0);
  await expect(viewer.getByRole('link', { name: /Replay/ })).toHaveCount(0);
  // Forced through the API with the viewer's own session, the server refuses.
  const forced = await viewer.request.post(`/api/v1/runs/${run.id}/retry`, { data: { reason: 'forced' } });
  expect(forced.status()).toBe(403);
  await viewer.screenshot({ path: 'test-results/screenshots/run-as-viewer.png' });

  // The operator retries staging; production, below it, is not theirs to deploy: it waits for a deployer.
  const operator = await signInAs(browser, OPERATOR);
  await operator.goto(`/runs/${run.id}`);
  await operator.getByRole('button', { name: 'Retry failed steps' }).click();
  const dialog = operator.getByRole('dialog', { name: /Retry run/ });
  await dialog.getByLabel(/reason/i).fill('registry hiccup');
  await dialog.getByRole('button', { name: 'Retry 1 step' }).click();
  await expect(operator.getByText('Waiting: waiting for a deployer to approve deploying to production.')).toBeVisible({
    timeout: 30_000,
  });
  // The operator may not let it go: the server refuses, saying why.
  await operator.getByRole('button', { name: 'Approve deploy' }).click();
  const approve = operator.getByRole('dialog', { name: /Approve/ });
  await approve.getByRole('button', { name: 'Approve and deploy' }).click();
  await expect(approve.getByText(/Deploying to production needs the deployer role/)).toBeVisible();
  await operator.screenshot({ path: 'test-results/screenshots/production-waits-for-a-deployer.png' });
  const waiting = await api.run(run.id);
  expect(waiting.status).toBe('running');
  expect(Object.fromEntries(waiting.items.map((i) => [i.key, i.status]))).toMatchObject({
    'deploy-staging': 'succeeded',
    'deploy-production': 'queued',
  });
  // Someone with the role approves it (here the admin, through the API), and production deploys.
  const production = waiting.items.find((i) => i.key === 'deploy-production')!;
  const approved = await request.post(`/api/v1/runs/${run.id}/items/${production.id}/approve`, {
    headers: admin(),
    data: { reason: 'staging is fine' },
  });
  expect(approved.status()).toBe(200);
  await api.waitFor(run.id, 'succeeded');
  // Where nothing is protected, the operator operates.
  const prompt = await api.pipelineId('prompt');
  const triggered = await operator.request.post(`/api/v1/pipelines/${prompt}/runs`, { data: {} });
  expect(triggered.status()).toBe(201);

  // Every change is in the audit log with its reason; the refused approval is not there.
  const audit = await request.get('/api/v1/audit?project=demo&limit=50', { headers: admin() });
  const entries = (
    (await audit.json()) as { items: { action: string; reason: string | null; actor: { email: string } | null }[] }
  ).items;
  expect(entries.find((e) => e.action === 'environment.protect')?.reason).toBe('production needs a deployer');
  expect(entries.filter((e) => e.action === 'member.set').map((e) => e.reason)).toEqual(
    expect.arrayContaining(['viewer of the shop', 'operator of the shop']),
  );
  expect(entries.find((e) => e.action === 'run.trigger' && e.actor?.email === OPERATOR.email)).toBeTruthy();
  expect(entries.find((e) => e.action === 'run.retry' && e.actor?.email === OPERATOR.email)?.reason).toBe(
    'registry hiccup',
  );
  expect(entries.filter((e) => e.action === 'deployment.approve').map((e) => e.reason)).toEqual(['staging is fine']);
});
