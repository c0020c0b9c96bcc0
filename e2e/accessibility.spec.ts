import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

test('no serious or critical axe violations on any page, light and dark', async ({ signedInPage: page, api, browser }) => {
  const run = await api.demoRun('training', 'failed').catch(async () => api.run((await api.trigger('training')).id));
  const release = await api.trigger('release');
  await api.waitFor(release.id, 'failed');
  await api.retry(release.id);
  await api.waitFor(release.id, 'succeeded');
  const pages = [
    '/',
    '/pipelines',
    `/pipelines/${release.pipeline_id}`,
    `/runs/${release.id}`,
    `/runs/${release.id}?step=deploy-staging`,
    `/runs/${release.id}/steps/deploy-staging`,
    `/runs/${release.id}/steps/deploy-staging/compare`,
    `/runs/${run.id}/steps/deploy/replay`,
  ];
  const found: string[] = [];
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => localStorage.setItem('theme', t), theme);
    for (const path of pages) {
      await page.goto(path);
      await page.waitForLoadState('networkidle');
      for (const v of await seriousViolations(page)) found.push(`${theme} ${path}: ${v}`);
    }
  }
  const signedOutContext = await browser.newContext();
  const signedOut = await signedOutContext.newPage();
  await signedOut.goto('/sign-in');
  for (const v of await seriousViolations(signedOut)) found.push(`/sign-in: ${v}`);
  await signedOutContext.close();
  expect(found).toEqual([]);
});
