import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

// A release manager's look at what runs where: the environments matrix, a
// click through to staging's history (the live version marked, a failed
// deployment and its retry), a filter in the URL, two deployments compared,
// one deployment's page; the history follows new deployments live.
test.describe.configure({ mode: 'serial' });

const SHOTS = path.join('test-results', 'screenshots');

/** The page's event stream is open: what happens from now on reaches it. */
const streamOpen = (page: Page) => expect(page.getByTitle('Live updates from the server')).toHaveText(/^\s*live\s*$/);

interface DeploymentJson {
  id: string;
  version: number;
  status: string;
  live: boolean;
  environment_id: string;
  extra_data: { retry_of?: string };
}

async function seriousViolations(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

test('the environments matrix, a history with its live version, a filter, a compare and a deployment page', async ({
  signedInPage: page,
  api,
  request,
}) => {
  test.setTimeout(240_000);
  // A journey before this one may have left an environment held (a rollback): its deploys would wait.
  const admin = { authorization: `Bearer ${process.env.E2E_TOKEN}` };
  const { items: envs } = await api.get<{ items: { id: string; hold: unknown }[] }>(
    '/api/v1/projects/demo/environments',
  );
  for (const env of envs.filter((e) => e.hold)) {
    expect(
      (
        await request.post(`/api/v1/environments/${env.id}/release`, {
          headers: admin,
          data: { reason: 'environments journey starts released' },
        })
      ).status(),
    ).toBe(200);
  }
  const consoleErrors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && consoleErrors.push(`${page.url()}: ${m.text()}`)));
  page.on('pageerror', (e) => void consoleErrors.push(`${page.url()}: ${e.message}`));

  // A release whose staging fails on its first attempt, then is retried (examples/scripts/deploy.sh).
  const commit = `e2e${Date.now().toString(16)}`;
  const run = await api.trigger('release', { commit, branch: 'main', message: 'Ship <b>the</b> thing' });
  await api.waitFor(run.id, 'failed');
  await api.retry(run.id, 'registry hiccup');
  await api.waitFor(run.id, 'succeeded');
  const { items } = await api.get<{ items: DeploymentJson[] }>('/api/v1/projects/demo/deployments?environment=staging');
  const live = items.find((d) => d.live)!;
  const failed = items.find((d) => d.id === live.extra_data.retry_of)!;
  expect(live.status).toBe('succeeded');
  expect(failed.status).toBe('failed');

  // The matrix: Release × staging shows the live version.
  await page.getByRole('link', { name: 'Environments', exact: true }).click();
  await expect(page).toHaveURL(/\/environments$/);
  await expect(page.getByRole('heading', { name: 'Environments', level: 1 })).toBeVisible();
  const cell = page.locator('[data-cell="Release/staging"]');
  await expect(cell.getByRole('link', { name: `staging history, v${live.version} live` })).toBeVisible();
  await expect(cell.getByText('live', { exact: true })).toBeVisible();
  await expect(page.locator('[data-cell="Release/production"]')).toContainText(/v\d+/);
  await page.screenshot({ path: path.join(SHOTS, 'environments-matrix.png'), fullPage: true });

  // Through to staging's history: the live row marked, the failed one and its retry linked.
  await cell.getByRole('link', { name: `staging history, v${live.version} live` }).click();
  await expect(page).toHaveURL(new RegExp(`/environments/${live.environment_id}$`));
  await expect(page.getByRole('heading', { name: 'staging', level: 1 })).toBeVisible();
  const liveRow = page.locator(`tr[data-version="${live.version}"]`);
  await expect(liveRow.getByText('live', { exact: true })).toBeVisible();
  await expect(liveRow).toContainText(`retry of v${failed.version}`);
  await expect(liveRow).toContainText('registry hiccup');
  await expect(liveRow).toContainText('Ship <b>the</b> thing');
  const failedRow = page.locator(`tr[data-version="${failed.version}"]`);
  await expect(failedRow.getByText('failed', { exact: true })).toBeVisible();
  await expect(failedRow.getByText('live', { exact: true })).toHaveCount(0);
  await page.screenshot({ path: path.join(SHOTS, 'environment-history.png'), fullPage: true });

  // A filter is a URL.
  await page.goto(`/environments/${live.environment_id}?status=failed`);
  await expect(page.getByLabel('Status')).toHaveValue('failed');
  await expect(page.locator(`tr[data-version="${failed.version}"]`)).toBeVisible();
  await expect(page.locator(`tr[data-version="${live.version}"]`)).toHaveCount(0);
  await expect(page.getByRole('link', { name: 'Clear filters' })).toBeVisible();
  await page.getByRole('link', { name: 'Clear filters' }).click();
  await expect(page.locator(`tr[data-version="${live.version}"]`)).toBeVisible();

  // Compare the failed deployment with the live one.
  await page.getByLabel(`Compare from v${failed.version}`, { exact: true }).check();
  await page.getByLabel(`Compare to v${live.version}`, { exact: true }).check();
  await page.getByRole('button', { name: 'Compare selected' }).click();
  await expect(page).toHaveURL(new RegExp(`/environments/${live.environment_id}/compare\\?`));
  const chosen = new URL(page.url()).searchParams;
  expect([chosen.get('a'), chosen.get('b')]).toEqual([failed.id, live.id]);
  await expect(page.getByRole('heading', { name: 'Compare deployments to staging' })).toBeVisible();
  await expect(page.getByTestId('commit-change')).toContainText(`same commit ${commit.slice(0, 7)}`);
  await expect(page.getByRole('heading', { name: /Inputs/ })).toContainText('identical');
  // The failed attempt wrote no outputs; the live one did.
  await expect(page.getByRole('heading', { name: /Outputs/ })).toContainText('differ');
  await expect(page.getByText('"url": "https://staging-eu.shop.internal"')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'environment-compare.png'), fullPage: true });

  // One deployment's page: its links, the run and step that made it, the deploy step's inputs.
  await page
    .getByRole('link', { name: `v${live.version}`, exact: true })
    .first()
    .click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${live.id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`staging v${live.version}`);
  await expect(page.getByText(`retry of v${failed.version}`)).toBeVisible();
  await expect(page.getByRole('link', { name: 'deploy-staging' })).toHaveAttribute(
    'href',
    `/runs/${run.id}?step=deploy-staging`,
  );
  await expect(page.getByText('"replicas": 2').first()).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'deployment.png'), fullPage: true });

  // The home page links each environment to its history.
  await page.goto('/');
  await expect(page.getByRole('link', { name: 'All environments →' })).toHaveAttribute('href', '/environments');

  expect(consoleErrors).toEqual([]);
});

test('the history follows a new deployment live, without a reload', async ({ signedInPage: page, api }) => {
  test.setTimeout(120_000);
  const { items } = await api.get<{ items: DeploymentJson[] }>('/api/v1/projects/demo/deployments?environment=staging');
  const newest = Math.max(...items.map((d) => d.version));
  await page.goto(`/environments/${items[0].environment_id}`);
  await expect(page.locator(`tr[data-version="${newest}"]`)).toBeVisible();
  await streamOpen(page);
  const run = await api.trigger('release', { message: 'live one' });
  // Its staging deployment appears, then fails (its first attempt), with no navigation.
  const next = page.locator(`tr[data-version="${newest + 1}"]`);
  await expect(next).toBeVisible({ timeout: 30_000 });
  await expect(next.getByText('failed', { exact: true })).toBeVisible({ timeout: 30_000 });
  await api.waitFor(run.id, 'failed');
});

test('a hold and a protection show on the matrix as they change; every environment page, light and dark, passes axe', async ({
  signedInPage: page,
  api,
  request,
}) => {
  test.setTimeout(240_000);
  const admin = { authorization: `Bearer ${process.env.E2E_TOKEN}` };
  const { items } = await api.get<{ items: DeploymentJson[] }>(
    '/api/v1/projects/demo/deployments?environment=production',
  );
  const production = items.find((d) => d.live)!;
  const staging = (await api.get<{ items: DeploymentJson[] }>('/api/v1/projects/demo/deployments?environment=staging'))
    .items;

  await page.goto('/environments');
  const column = page.locator('th[data-environment="production"]');
  await expect(column).toContainText(`live v${production.version}`);
  await streamOpen(page);
  // Protection and hold arrive through environment.changed: no reload.
  const protect = await request.put('/api/v1/projects/demo/environments/production', {
    headers: admin,
    data: { protection: { required_role: 'deployer' }, reason: 'production needs a deployer' },
  });
  expect(protect.status()).toBe(200);
  const hold = await request.post(`/api/v1/environments/${production.environment_id}/hold`, {
    headers: admin,
    data: { reason: 'freeze <i>for</i> the audit' },
  });
  expect(hold.status()).toBe(200);
  await expect(column).toContainText(`held at v${production.version} by`, { timeout: 20_000 });
  await expect(column).toContainText('freeze <i>for</i> the audit');
  await expect(column).toContainText('protected · deployer');
  await page.getByRole('link', { name: 'production', exact: true }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Held at' })).toContainText(`Held at v${production.version}`);

  const envId = staging[0].environment_id;
  const pages = [
    '/environments',
    `/environments/${envId}`,
    `/environments/${production.environment_id}`,
    `/environments/${envId}/compare`,
    `/deployments/${staging[0].id}`,
    `/deployments/${production.id}`,
  ];
  const found: string[] = [];
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => localStorage.setItem('theme', t), theme);
    for (const [index, url] of pages.entries()) {
      await page.goto(url);
      await page.waitForLoadState('networkidle');
      const name = url
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, 'id')
        .replace(/[^a-z0-9]+/gi, '-')
        .replace(/^-|-$/g, '');
      await page.screenshot({ path: path.join(SHOTS, `env-${index}-${name}-${theme}.png`), fullPage: true });
      for (const v of await seriousViolations(page)) found.push(`${theme} ${url}: ${v}`);
    }
  }
  await page.evaluate(() => localStorage.setItem('theme', 'light'));
  // Leave production as other journeys expect it: released, unprotected.
  expect(
    (
      await request.post(`/api/v1/environments/${production.environment_id}/release`, {
        headers: admin,
        data: { reason: 'audit done' },
      })
    ).status(),
  ).toBe(200);
  expect(
    (
      await request.put('/api/v1/projects/demo/environments/production', {
        headers: admin,
        data: { protection: { required_role: null }, reason: 'back to normal' },
      })
    ).status(),
  ).toBe(200);
  expect(found).toEqual([]);
});
