import { expect, lookAt, test } from './fixtures';

// Every page, looked at light and dark by lookAt (e2e/fixtures.ts); with E2E_SHOTS=1 also photographed
// at 1280 and 1024 px for a person to look at: `E2E_SHOTS=1 npm run test:e2e -- accessibility`, then
// open test-results/screenshots/.
test('every page, light and dark: no serious or critical axe violation, no console error', async ({
  signedInPage: page,
  api,
  browser,
}) => {
  // 21 pages × 2 themes, each checked by axe (and photographed with E2E_SHOTS=1): minutes on a busy machine.
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
    `/pipelines/${release.pipeline_id}?tab=definition`,
    `/pipelines/${release.pipeline_id}?tab=versions`,
    `/pipelines/${release.pipeline_id}/new`,
    '/runs',
    `/runs/${release.id}`,
    `/runs/${release.id}?step=deploy-staging`,
    `/runs/${release.id}/steps/deploy-staging`,
    `/runs/${release.id}/steps/deploy-staging/compare`,
    `/runs/${run.id}/steps/deploy/replay`,
    '/environments',
    '/projects',
    '/projects/demo',
    '/settings/users',
    '/settings/tokens',
    '/audit',
    '/api-reference',
  ];
  await page.evaluate(() => localStorage.setItem('theme', 'light'));
  for (const [index, url] of pages.entries()) {
    await page.goto(url);
    await page.waitForLoadState('networkidle');
    await lookAt(page, `${index + 1}-${shotName(url)}`);
  }
  const signedOutContext = await browser.newContext();
  const signedOut = await signedOutContext.newPage();
  await signedOut.goto('/sign-in');
  await lookAt(signedOut, '0-sign-in', { fullPage: false });
  await signedOutContext.close();
  expect(consoleErrors).toEqual([]);
});

const shotName = (url: string) =>
  url
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '') || 'overview';
