import { expect, test } from './fixtures';

// The demo's first runs (#1 of each pipeline): each journey takes the one it needs.
test.describe.configure({ mode: 'serial' });

test('retry the failed release: only staging and production run again', async ({ signedInPage: page, api }) => {
  const failed = await api.demoRun('release', 'failed');
  const before = Object.fromEntries(failed.items.map((i) => [i.key, i]));
  expect(before['build'].status).toBe('succeeded');
  expect(before['deploy-staging'].status).toBe('failed');
  expect(before['deploy-production'].status).toBe('skipped');

  // From the overview, the failed run is one click from its Retry.
  await page.goto('/');
  const failing = page
    .locator('section')
    .filter({ has: page.getByRole('heading', { name: /^Release/ }) })
    .last();
  await failing
    .locator('li', { hasText: new RegExp(`Run #${failed.number}(?!\\d)`) })
    .getByRole('link', { name: 'Retry…' })
    .click();
  await expect(page).toHaveURL(new RegExp(`/runs/${failed.id}`));
  // The dialog shows the plan before anything happens.
  const dialog = page.getByRole('dialog');
  await expect(dialog.getByText('Will run again')).toBeVisible();
  await expect(dialog.getByText('Deploy to staging')).toBeVisible();
  await expect(dialog.getByText('connection reset by peer')).toBeVisible();
  await expect(dialog.getByText('Build image, Run tests')).toBeVisible();
  await dialog.getByLabel(/reason/i).fill('registry hiccup');
  await dialog.getByRole('button', { name: 'Retry 1 step' }).click();
  await expect(page.getByText(/Retrying run #\d+ — attempt 2/)).toBeVisible();

  // The page follows the run live until it succeeds.
  await expect(page.getByText('succeeded').first()).toBeVisible({ timeout: 30_000 });
  await expect.poll(async () => (await api.run(failed.id)).status, { timeout: 30_000 }).toBe('succeeded');
  const after = Object.fromEntries((await api.run(failed.id)).items.map((i) => [i.key, i]));
  expect(after['build'].attempt_count).toBe(1);
  expect(after['test'].attempt_count).toBe(1);
  expect(after['deploy-staging'].attempt_count).toBe(2);
  expect(after['deploy-production'].attempt_count).toBe(1);
  await expect(page.getByText(/Attempt 2/).first()).toBeVisible();
  // The same inputs failed, then succeeded: staging is marked flaky.
  await expect(page.getByText('flaky', { exact: true })).toBeVisible();
  // Why it failed stays readable one click back, on the run's first attempt: the step's error.
  await page.getByRole('navigation', { name: 'Run attempts' }).getByRole('link', { name: '← earlier' }).click();
  await expect(page.getByText('Attempt 1 of 2').first()).toBeVisible();
  await expect(
    page
      .getByText(/connection reset by peer/)
      .filter({ visible: true })
      .first(),
  ).toBeVisible();

  // The overview shows what is deployed where: staging's latest deployment is this retry.
  await page.goto('/');
  const deployed = page.getByRole('table').filter({ has: page.getByRole('columnheader', { name: 'Environment' }) });
  const staging = deployed.getByRole('row').filter({ hasText: /^staging/ });
  await expect(staging.getByText(/succeeded\s*· retry/)).toBeVisible();
  await expect(staging.getByRole('link', { name: `Release #${failed.number}` })).toBeVisible();
  await expect(
    deployed
      .getByRole('row')
      .filter({ hasText: /^production/ })
      .getByText('succeeded'),
  ).toBeVisible();
  await page.goBack();

  // Every attempt stays readable: the failed one says which attempt superseded it, and keeps its logs.
  await page.getByRole('link', { name: 'Deploy to staging' }).last().click();
  const first = page.locator('#attempt-1');
  await expect(first.getByText('superseded by attempt 2')).toBeVisible();
  const log = first.getByRole('log', { name: 'Step output' });
  await expect(log).toContainText('connection reset by peer');
  await first.getByPlaceholder('Search').fill('rollout');
  await expect(first.getByText(/^2 of \d+ lines$/)).toBeVisible();
  const download = await page.request.get(
    (await first.getByRole('link', { name: 'Download' }).getAttribute('href')) as string,
  );
  expect(download.headers()['content-disposition']).toContain('attachment');
  expect(await download.text()).toContain('connection reset by peer');
});

test('replay the training deploy with a fixed endpoint from the form', async ({ signedInPage: page, api }) => {
  const failed = await api.demoRun('training', 'failed');
  const deploy = failed.items.find((i) => i.key === 'deploy')!;
  expect(deploy.status).toBe('failed');

  await page.goto(`/runs/${failed.id}/steps/deploy`);
  await page
    .getByRole('link', { name: /Replay/ })
    .first()
    .click();
  const { items: attempts } = await api.get<{ items: { inputs: { endpoint: string } }[] }>(
    `/api/v1/runs/${failed.id}/items/${deploy.id}/attempts`,
  );
  const current = attempts[attempts.length - 1].inputs;
  const editor = page.getByLabel('Inputs (JSON)');
  await expect(editor).toContainText('"endpoint"');
  const replayButton = page.getByRole('button', { name: 'Replay step' });

  // Broken JSON keeps the button disabled and sends nothing.
  await editor.fill('{ "endpoint": ');
  await expect(page.getByText(/Invalid JSON: value expected/).first()).toBeVisible();
  await expect(replayButton).toBeDisabled();

  // Inputs the schema refuses are marked where they are, and nothing is sent either.
  await editor.fill(JSON.stringify({ ...current, endpoint: 'inference.internal/v1/predict', replicas: 0 }, null, 2));
  await expect(page.getByText(/\/endpoint must match pattern/).first()).toBeVisible();
  await expect(page.getByText(/\/replicas must be >= 1 \(line 4\)/)).toBeVisible();
  await expect(replayButton).toBeDisabled();

  const fixedEndpoint = new URL(current.endpoint);
  fixedEndpoint.pathname = '/v1/predict';
  await editor.fill(JSON.stringify({ ...current, endpoint: fixedEndpoint.toString() }, null, 2));
  await expect(page.getByRole('heading', { name: /Changes from the last attempt/ })).toBeVisible();
  await page.getByLabel(/reason/i).fill('endpoint moved to v1');
  await expect(replayButton).toBeEnabled();
  await replayButton.click();

  // The run page, the step selected, where the steps after it re-run.
  await expect(page).toHaveURL(new RegExp(`/runs/${failed.id}\\?step=deploy$`));
  await expect.poll(async () => (await api.run(failed.id)).status, { timeout: 30_000 }).toBe('succeeded');
  await page.goto(`/runs/${failed.id}/steps/deploy`);
  const after = Object.fromEntries((await api.run(failed.id)).items.map((i) => [i.key, i]));
  expect(after['deploy'].attempt_count).toBe(2);
  expect(after['load-data'].attempt_count).toBe(1);
  expect(after['train'].attempt_count).toBe(1);
  await page.reload();
  await expect(page.getByText('endpoint moved to v1').first()).toBeVisible();

  // Compare the two attempts: the endpoint changed, and the error went away.
  await page.getByRole('link', { name: 'Compare with attempt 1' }).click();
  await expect(page.getByRole('heading', { name: /Compare attempts of/ })).toBeVisible();
  await expect(page.getByRole('heading', { name: /Inputs · differ/ })).toBeVisible();
  await expect(page.getByText('"endpoint": "http://inference.internal:8080/v0/predict"')).toBeVisible();
  await expect(page.getByText(`"endpoint": "${fixedEndpoint.toString()}"`)).toBeVisible();
  await expect(page.getByRole('heading', { name: /Error · differ/ })).toBeVisible();
});

test('retry one step: the dialog says what it reuses and what runs after; the same failure is called out', async ({
  signedInPage: page,
  api,
}) => {
  // The training deploy fails on its input, not by chance: retrying it unchanged fails the same way.
  const run = await api.trigger('training');
  await api.waitFor(run.id, 'failed');
  await page.goto(`/runs/${run.id}/steps/deploy`);
  await page.getByRole('button', { name: 'Retry step' }).click();
  const dialog = page.getByRole('dialog', { name: /Retry Deploy/ });
  await expect(dialog.getByText('A new attempt with the same inputs as attempt 1.', { exact: false })).toBeVisible();
  await expect(dialog.getByText(/404/).first()).toBeVisible();
  await expect(dialog.getByText('Smoke test, Notify team')).toBeVisible();
  await dialog.getByLabel(/reason/i).fill('maybe it was the network');
  await page.screenshot({ path: 'test-results/screenshots/step-retry-dialog.png' });
  await dialog.getByRole('button', { name: 'Retry step' }).click();
  await expect(page.getByText(/Retrying Deploy .* — attempt 2/)).toBeVisible();

  // The page follows the new attempt live: it fails with the same error, and says so.
  await expect(page.locator('#attempt-2').getByText('same error as attempt 1')).toBeVisible({ timeout: 30_000 });
  await expect(page.locator('#attempt-2').getByText('maybe it was the network')).toBeVisible();
});
