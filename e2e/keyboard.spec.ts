import { expect, test } from './fixtures';

test('keyboard: ? for help, j to the failed step, h for its history, r for retry', async ({ signedInPage: page, api }) => {
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByText('live', { exact: true })).toBeVisible();

  await page.keyboard.press('?');
  await expect(page.getByRole('dialog', { name: 'Keyboard shortcuts' })).toBeVisible();
  await page.keyboard.press('Escape');

  await page.keyboard.press('j');
  await expect(page.locator('a[data-failed-step]')).toBeFocused();
  await page.keyboard.press('h');
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}/steps/deploy-staging`));

  await page.goBack();
  await expect(page.getByRole('button', { name: 'Retry failed steps' })).toBeEnabled();
  await page.keyboard.press('r');
  await expect(page.getByRole('dialog', { name: /Retry run #/ })).toBeVisible();
});
