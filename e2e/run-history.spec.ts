import { expect, test } from './fixtures';

test('filter the run history, see new runs announced, and bulk-retry three failed runs', async ({
  signedInPage: page,
  api,
}) => {
  const runs = [];
  for (let i = 0; i < 3; i++) runs.push(await api.trigger('release', { branch: 'bulk-test', commit: `c0ffee${i}` }));
  for (const run of runs) await api.waitFor(run.id, 'failed');

  const pipelineId = await api.pipelineId('release');
  await page.goto(`/pipelines/${pipelineId}`);
  await page.getByLabel('Status').selectOption('failed');
  await page.getByLabel('Branch').selectOption('bulk-test');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/status=failed/);
  await expect(page).toHaveURL(/branch=bulk-test/);
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(3);

  // A run started elsewhere is announced, not pushed into the table.
  await api.trigger('prompt');
  const other = await api.trigger('release', { branch: 'bulk-test' });
  await expect(page.getByRole('button', { name: /1 new run — show/ })).toBeVisible();
  await expect(rows).toHaveCount(3);

  await page.getByLabel('Select all failed runs').check();
  await page.getByRole('button', { name: 'Retry selected' }).click();
  // The plan of each run comes first.
  const dialog = page.getByRole('dialog', { name: 'Retry 3 runs' });
  await expect(dialog.getByRole('list', { name: 'Retry plans' }).getByRole('listitem')).toHaveCount(3);
  await dialog.getByRole('button', { name: 'Retry 3 runs' }).click();
  const results = page.getByRole('list', { name: 'Bulk retry results' });
  await expect(results.getByText(/retrying \(attempt 2\)/)).toHaveCount(3);
  for (const run of runs) await api.waitFor(run.id, 'succeeded');
  await api.waitFor(other.id, 'failed');
});
