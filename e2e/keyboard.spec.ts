import { expect, test } from './fixtures';

test('keyboard: ? for help, j to the failed step, h for its history, r for retry', async ({
  signedInPage: page,
  api,
}) => {
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
  // The history opens beside the graph, and the link to it can be shared.
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}\\?step=deploy-staging`));
  const panel = page.getByRole('complementary', { name: 'Attempt history of Deploy to staging' });
  await expect(panel.locator('#attempt-1')).toContainText('connection reset by peer');
  await panel.getByRole('link', { name: 'Close the attempt history' }).click();
  await expect(panel).toBeHidden();

  await expect(page.getByRole('button', { name: 'Retry failed steps' })).toBeEnabled();
  await page.keyboard.press('r');
  await expect(page.getByRole('dialog', { name: /Retry run #/ })).toBeVisible();
});
