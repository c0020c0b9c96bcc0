import type { Page } from '@playwright/test';
import { expect, lookAt, test } from './fixtures';

test('the new run form: schema-driven params with defaults, a field error for an invalid value, the params on the run page', async ({
  signedInPage: page,
  api,
}) => {
  const pipelineId = await api.pipelineId('training');
  await page.goto(`/pipelines/${pipelineId}`);
  await page.getByRole('link', { name: 'Run pipeline…' }).click();
  await expect(page).toHaveURL(new RegExp(`/pipelines/${pipelineId}/new$`));
  await expect(page.getByRole('heading', { name: 'New run of Model training' })).toBeVisible();

  // Defaults from the params schema are shown, and training deploys nowhere.
  const dataset = page.getByRole('textbox', { name: /^dataset/ });
  const epochs = page.getByRole('textbox', { name: /^epochs/ });
  await expect(dataset).toHaveValue('s3://datasets/reviews-2026-11');
  await expect(epochs).toHaveValue('3');
  await expect(page.getByText('No environment: this pipeline has no deploy step.')).toBeVisible();

  // An invalid value is refused with an error at its field, and nothing starts.
  const before = await api.get<{ items: unknown[] }>(`/api/v1/runs?pipeline=${pipelineId}&limit=100`);
  await epochs.fill('0');
  await epochs.blur();
  await expect(page.getByText('epochs must be >= 1')).toBeVisible();
  await expect(epochs).toHaveAttribute('aria-invalid', 'true');
  await page.getByRole('button', { name: 'Start run' }).click();
  await expect(page).toHaveURL(/\/new$/);
  await expect(epochs).toBeFocused();
  expect((await api.get<{ items: unknown[] }>(`/api/v1/runs?pipeline=${pipelineId}&limit=100`)).items.length).toBe(
    before.items.length,
  );

  // The raw JSON editor carries the form's values both ways.
  await epochs.fill('2');
  await page.getByRole('button', { name: 'Edit as JSON' }).click();
  await expect(page.getByRole('textbox', { name: 'Parameters (JSON)' })).toContainText('"epochs": 2');
  await page.getByRole('button', { name: 'Edit as form' }).click();
  await expect(epochs).toHaveValue('2');

  await dataset.fill('s3://datasets/e2e-form');
  await page.getByLabel(/^Branch/).fill('form-branch');
  await page.getByLabel(/^Commit/).fill('f0a1b2c3d4');
  await page.getByRole('button', { name: 'Start run' }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  const params = page.getByRole('definition').filter({ hasText: 's3://datasets/e2e-form' });
  await expect(params).toBeVisible();
  await expect(page.getByLabel('Parameters')).toContainText('epochs');
  const runId = page.url().split('/').pop()!;
  const run = await api.get<{ params: Record<string, unknown>; branch: string; commit: string }>(
    `/api/v1/runs/${runId}`,
  );
  expect(run.params).toEqual({ dataset: 's3://datasets/e2e-form', epochs: 2 });
});

test('a run that deploys to production is confirmed first, naming the environments', async ({
  signedInPage: page,
  api,
}) => {
  const pipelineId = await api.pipelineId('release');
  await page.goto(`/pipelines/${pipelineId}/new`);
  const summary = page.getByRole('list', { name: 'Environments this run deploys to' });
  await expect(summary).toContainText('staging');
  await expect(summary).toContainText('production');
  await expect(page.getByRole('textbox', { name: /^version/ })).toHaveValue('1.4.2');

  const count = async () =>
    (await api.get<{ items: unknown[] }>(`/api/v1/runs?pipeline=${pipelineId}&limit=100`)).items.length;
  const before = await count();
  await page.getByRole('button', { name: 'Review and start…' }).click();
  const dialog = page.getByRole('dialog', { name: 'Start a run that deploys to staging and production?' });
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Back' }).click();
  await expect(dialog).toBeHidden();
  expect(await count()).toBe(before);

  await page.getByRole('button', { name: 'Review and start…' }).click();
  await dialog.getByRole('button', { name: 'Start and deploy to staging and production' }).click();
  await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
  expect(await count()).toBe(before + 1);
});

test('all runs: filters live in the URL and survive a reload; bulk retry shows each plan first', async ({
  signedInPage: page,
  api,
}) => {
  const failed = [];
  for (let i = 0; i < 2; i++) failed.push(await api.trigger('release', { branch: 'all-runs-bulk' }));
  for (const run of failed) await api.waitFor(run.id, 'failed');
  const pipelineId = await api.pipelineId('release');

  await page.goto('/');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Runs' }).click();
  await expect(page).toHaveURL(/\/runs$/);
  await page.getByLabel('Pipeline').selectOption(pipelineId);
  await page.getByLabel('Status').selectOption('failed');
  await page.getByLabel('Branch').fill('all-runs-bulk');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(page).toHaveURL(new RegExp(`pipeline=${pipelineId}`));
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(2);
  await page.reload();
  await expect(page.getByLabel('Status')).toHaveValue('failed');
  await expect(page.getByLabel('Pipeline')).toHaveValue(pipelineId);
  await expect(page.getByLabel('Branch')).toHaveValue('all-runs-bulk');
  await expect(rows).toHaveCount(2);
  await expect(rows.first()).toContainText('Release');

  await page.getByLabel('Select all failed runs').check();
  await page.getByRole('button', { name: 'Retry selected' }).click();
  const dialog = page.getByRole('dialog', { name: 'Retry 2 runs' });
  const plans = dialog.getByRole('list', { name: 'Retry plans' });
  await expect(plans.getByRole('listitem')).toHaveCount(2);
  await expect(
    plans.getByText(/Will run again: Deploy to staging \(failed on attempt 1\); then Deploy to production/),
  ).toHaveCount(2);
  await expect(plans.getByText('Kept: Build image, Run tests')).toHaveCount(2);
  await dialog.getByLabel('Reason (optional)').fill('bulk from all runs');
  await dialog.getByRole('button', { name: 'Retry 2 runs' }).click();
  await expect(page.getByRole('list', { name: 'Bulk retry results' }).getByText(/retrying \(attempt 2\)/)).toHaveCount(
    2,
  );
  for (const run of failed) await api.waitFor(run.id, 'succeeded');
});

test('the header search finds a run by number and by commit prefix', async ({ signedInPage: page, api }) => {
  const run = await api.trigger('prompt', { commit: 'deadbeef4242aa' });
  const search = page.getByRole('searchbox', { name: /Find a run/ });

  // "/" focuses the box; a unique commit prefix opens the run.
  await page.goto('/pipelines');
  // Shortcuts work once the page's script runs (the stream's dot says live then).
  await expect(page.getByText('live', { exact: true })).toBeVisible();
  await page.keyboard.press('/');
  await expect(search).toBeFocused();
  await search.fill('deadbeef42');
  await search.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}$`));

  // A pipeline name and number is one run.
  await search.fill(`prompt #${run.number}`);
  await search.press('Enter');
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}$`));

  // A bare number matches that run of every pipeline: the runs page lists them.
  await page.goto('/pipelines');
  await expect(page.getByText('live', { exact: true })).toBeVisible();
  await search.fill('#1');
  await search.press('Enter');
  await expect(page).toHaveURL(/\/runs\?q=%231/);
  await expect(page.getByRole('status').filter({ hasText: 'runs match' })).toBeVisible();
  await expect.poll(() => page.locator('tbody tr').count()).toBeGreaterThan(1);

  await search.fill('zzzz nothing');
  await search.press('Enter');
  await expect(page.getByText('Type a run number (#42), a run id or a commit prefix.')).toBeVisible();
});

test('cancel asks for confirmation and a reason, and the reason is kept', async ({ signedInPage: page, api }) => {
  const run = await api.trigger('training', { params: { epochs: 150 } });
  await expect
    .poll(async () => (await api.run(run.id)).items.find((i) => i.key === 'train')?.status, { timeout: 20_000 })
    .toBe('running');
  await page.goto(`/runs/${run.id}`);
  await page.getByRole('button', { name: 'Cancel run' }).click();
  const dialog = page.getByRole('dialog', { name: `Cancel run #${run.number}?` });
  await expect(dialog).toBeVisible();
  // Closing changes nothing.
  await dialog.getByRole('button', { name: 'Close' }).click();
  expect((await api.run(run.id)).status).toBe('running');
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await dialog.getByLabel('Reason (optional)').fill('wrong dataset');
  await dialog.getByRole('button', { name: 'Cancel the run' }).click();
  await expect(page.getByRole('heading', { name: /Run #\d+/ }).getByText('cancelled')).toBeVisible({ timeout: 15_000 });
  const audit = await api.get<{ items: { action: string; target_id: string; reason: string | null }[] }>(
    '/api/v1/audit?action=run.cancel',
  );
  expect(audit.items.find((e) => e.target_id === run.id)?.reason).toBe('wrong dataset');
});

test('the new pages and dialogs, looked at light and dark', async ({ signedInPage: page, api }) => {
  test.setTimeout(300_000);
  const release = await api.pipelineId('release');
  const failed = await api.trigger('release', { branch: 'shots' });
  await api.waitFor(failed.id, 'failed');
  const shots: [string, (p: Page) => Promise<void>][] = [
    ['runs', async (p) => void (await p.goto('/runs'))],
    ['runs-search', async (p) => void (await p.goto('/runs?q=%231'))],
    ['new-run', async (p) => void (await p.goto(`/pipelines/${release}/new`))],
    [
      'new-run-confirm',
      async (p) => {
        await p.goto(`/pipelines/${release}/new`);
        await p.getByRole('button', { name: 'Review and start…' }).click();
      },
    ],
    [
      'new-run-error',
      async (p) => {
        await p.goto(`/pipelines/${await api.pipelineId('training')}/new`);
        await p.getByRole('textbox', { name: /^epochs/ }).fill('0');
        await p.getByRole('button', { name: 'Start run' }).click();
      },
    ],
    [
      'bulk-retry',
      async (p) => {
        await p.goto(`/runs?status=failed&branch=shots`);
        await p.getByLabel('Select all failed runs').check();
        await p.getByRole('button', { name: 'Retry selected' }).click();
        await expect(p.getByRole('list', { name: 'Retry plans' })).toBeVisible();
      },
    ],
  ];
  for (const [name, show] of shots) {
    await show(page);
    await page.waitForLoadState('networkidle');
    await lookAt(page, `runs-${name}`, { fullPage: !name.includes('confirm') && !name.includes('bulk') });
  }
});
