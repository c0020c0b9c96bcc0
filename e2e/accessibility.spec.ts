import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

// Every page is also photographed, light and dark, at 1280 and 1024 px, for a
// person to look at: `npm run test:e2e -- accessibility`, then open
// test-results/screenshots/.
const SHOTS = path.join('test-results', 'screenshots');

test('every page, light and dark: no serious or critical axe violation, no console error', async ({
  signedInPage: page,
  api,
  browser,
}) => {
  // 14 pages × 2 themes × 2 widths, each checked by axe and photographed: 7 minutes and more on a busy machine.
  test.setTimeout(900_000);
  const consoleErrors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`)));
  page.on('pageerror', (e) => void consoleErrors.push(`${page.url()}: ${e.message}`));
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
    '/projects',
    '/projects/demo',
    '/settings/users',
    '/settings/tokens',
    '/audit',
    '/api-reference',
  ];
  const found: string[] = [];
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => localStorage.setItem('theme', t), theme);
    for (const [index, url] of pages.entries()) {
      for (const width of [1280, 1024]) {
        await page.setViewportSize({ width, height: 900 });
        await page.goto(url);
        await page.waitForLoadState('networkidle');
        await page.screenshot({ path: path.join(SHOTS, `${index + 1}-${shotName(url)}-${theme}-${width}.png`), fullPage: true });
      }
      for (const v of await seriousViolations(page)) found.push(`${theme} ${url}: ${v}`);
    }
  }
  const signedOutContext = await browser.newContext();
  const signedOut = await signedOutContext.newPage();
  await signedOut.goto('/sign-in');
  await signedOut.screenshot({ path: path.join(SHOTS, '0-sign-in.png') });
  for (const v of await seriousViolations(signedOut)) found.push(`/sign-in: ${v}`);
  await signedOutContext.close();
  expect(found).toEqual([]);
  expect(consoleErrors).toEqual([]);
});

const shotName = (url: string) =>
  url
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '') || 'overview';
