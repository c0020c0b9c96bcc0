import path from 'node:path';
import type { Page } from '@playwright/test';
import { ADMIN, expect, lookAt, SHOTS, signInAs, test, type Api } from './fixtures';

// A release manager's actions on deployments, from the pages: retry a failed
// staging deployment from its history, roll production back with a reason
// (seeing first what will change) and find it held, release the hold — and a
// second browser on the matrix sees each change without a reload. The run
// page's deploy steps offer the same actions. Production is released at the
// end (afterAll too), so later journeys find it as they expect.
test.describe.configure({ mode: 'serial' });

const admin = { authorization: `Bearer ${process.env.E2E_TOKEN}` };

/** The page's event stream is open: what happens from now on reaches it. */
const streamOpen = (page: Page) => expect(page.getByTitle('Live updates from the server')).toHaveText(/^\s*live\s*$/);

interface DeploymentJson {
  id: string;
  version: number;
  status: string;
  live: boolean;
  run_id: string;
  git_commit: string | null;
  environment_id: string;
  extra_data: { retry_of?: string; rollback_from?: string; rollback_to?: string };
}
interface EnvironmentJson {
  id: string;
  name: string;
  hold: { version: number; reason: string } | null;
}

const deploymentsTo = async (api: Api, environment: string) =>
  (await api.get<{ items: DeploymentJson[] }>(`/api/v1/projects/demo/deployments?environment=${environment}&limit=100`))
    .items;
const environmentNamed = async (api: Api, name: string) =>
  (await api.get<{ items: EnvironmentJson[] }>('/api/v1/projects/demo/environments')).items.find(
    (e) => e.name === name,
  );

// The machine running the suite may be busy: runs get minutes, not seconds, to get where a journey waits.
const SLOW = { timeout: 120_000 };
const settle = (api: Api, runId: string, status: string) =>
  expect.poll(async () => (await api.run(runId)).status, SLOW).toBe(status);

/** A release run that deploys `version` at `commit` to staging and production (staging's first attempt fails; one retry). */
async function release(api: Api, commit: string, version: string) {
  const run = await api.trigger('release', {
    commit,
    branch: 'main',
    message: `release ${version}`,
    params: { version },
  });
  await settle(api, run.id, 'failed');
  await api.retry(run.id, 'staging flaked');
  await settle(api, run.id, 'succeeded');
  return run;
}

const stamp = Date.now().toString(16);
let rollbackId = '';
let retriedRunId = '';

test.beforeAll(async ({ playwright }) => {
  // A journey before this one may have left a hold: the deploys here would wait on it.
  const request = await playwright.request.newContext({
    baseURL: `http://127.0.0.1:${Number(process.env.E2E_PORT || 3210)}`,
  });
  const { items } = await (await request.get('/api/v1/projects/demo/environments', { headers: admin })).json();
  for (const env of (items ?? []) as EnvironmentJson[]) {
    if (env.hold)
      await request.post(`/api/v1/environments/${env.id}/release`, {
        headers: admin,
        data: { reason: 'deployments journey starts released' },
      });
  }
  await request.dispose();
});

test.afterAll(async ({ playwright }) => {
  // Whatever happened above, later journeys find no hold.
  const request = await playwright.request.newContext({
    baseURL: `http://127.0.0.1:${Number(process.env.E2E_PORT || 3210)}`,
  });
  const { items } = await (await request.get('/api/v1/projects/demo/environments', { headers: admin })).json();
  for (const env of (items ?? []) as EnvironmentJson[]) {
    if (env.hold)
      await request.post(`/api/v1/environments/${env.id}/release`, {
        headers: admin,
        data: { reason: 'deployments journey ends released' },
      });
  }
  await request.dispose();
});

test('retry a failed staging deployment from its history: the plan first, then the new version live', async ({
  signedInPage: page,
  api,
}) => {
  test.setTimeout(420_000);
  const commit = `dep${stamp}a`;
  const run = await api.trigger('release', { commit, branch: 'main', message: 'Retry me' });
  await settle(api, run.id, 'failed');
  const failed = (await deploymentsTo(api, 'staging')).find((d) => d.run_id === run.id)!;
  expect(failed.status).toBe('failed');
  const next = failed.version + 1;

  await page.goto(`/environments/${failed.environment_id}`);
  const row = page.locator(`tr[data-version="${failed.version}"]`);
  await expect(row.getByText('failed', { exact: true })).toBeVisible();
  // Events from before the stream opened would not reach the page.
  await streamOpen(page);
  await row.getByRole('button', { name: 'Retry', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Retry staging' });
  await expect(dialog).toBeVisible();
  // What will be deployed where: the environment, the next version, the commit, the inputs against live, the steps.
  await expect(dialog).toContainText('Environmentstaging');
  await expect(dialog).toContainText(`New versionv${next}`);
  await expect(dialog).toContainText(`→ ${commit.slice(0, 10)}`);
  await expect(dialog.getByRole('heading', { name: /Deploy step inputs: live → this deployment/ })).toBeVisible();
  await expect(dialog.getByText('"replicas": 2').first()).toBeVisible();
  await expect(dialog).toContainText('Run: Deploy to staging, Deploy to production');
  if (process.env.E2E_SHOTS) await page.screenshot({ path: path.join(SHOTS, 'deployments-retry-dialog.png') });
  await dialog.getByLabel('Reason (optional)').fill('registry flaked (e2e)');
  await dialog.getByRole('button', { name: `Retry → v${next}` }).click();
  await expect(dialog).toBeHidden();

  // The retry appears in the history, linked to the failed one, and goes live: no reload.
  const retried = page.locator(`tr[data-version="${next}"]`);
  await expect(retried).toContainText(`retry of v${failed.version}`, SLOW);
  await expect(retried).toContainText('registry flaked (e2e)');
  await expect(retried.getByText('live', { exact: true })).toBeVisible(SLOW);
  await settle(api, run.id, 'succeeded');
  const [again] = (await deploymentsTo(api, 'staging')).filter((d) => d.version === next);
  expect(again).toMatchObject({
    status: 'succeeded',
    live: true,
    extra_data: { retry_of: failed.id },
    git_commit: commit,
  });

  // The run page: each deploy step shows its deployment, linked to its page, with the same actions.
  retriedRunId = run.id;
  await page.goto(`/runs/${run.id}`);
  const staging = page.locator(`[data-deployment="${again.id}"]`);
  await expect(staging.getByRole('link', { name: `Deployment staging v${next}, succeeded, live` })).toHaveAttribute(
    'href',
    `/deployments/${again.id}`,
  );
  // Visible ones only: while React reveals a streamed Suspense boundary, its content is also in a hidden copy.
  const production = page.locator('[data-deployment]:visible').filter({ hasText: 'production' });
  await expect(production.getByText('succeeded', { exact: true })).toBeVisible();
  await production.getByRole('button', { name: 'Redeploy' }).click();
  const redeploy = page.getByRole('dialog', { name: 'Redeploy production' });
  await expect(redeploy).toContainText('Run: Build image, Run tests, Deploy to staging, Deploy to production');
  await expect(redeploy).toContainText(`→ ${commit.slice(0, 10)}`);
  await redeploy.getByRole('button', { name: 'Close' }).click();
  await expect(redeploy).toBeHidden();
  // The home page's deployments section links each environment to its history.
  await page.goto('/');
  const home = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Deployments', level: 2 }) });
  await expect(home.getByRole('link', { name: 'staging', exact: true })).toHaveAttribute(
    'href',
    `/environments/${again.environment_id}`,
  );
  await page.goto(`/runs/${run.id}`);
  await staging.getByRole('link', { name: /Deployment staging/ }).click();
  await expect(page).toHaveURL(new RegExp(`/deployments/${again.id}$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`staging v${next}`);
});

test('roll production back in three clicks with a reason; it is held, and a second browser sees it live', async ({
  signedInPage: page,
  api,
  browser,
}) => {
  test.setTimeout(480_000);
  // Two production releases with different images: the live one and the one before it.
  // Distinct in their first characters: the dialog shows commits shortened.
  const [good, bad] = [`good${stamp}`, `bad0${stamp}`];
  await release(api, good, `7.${parseInt(stamp.slice(-4), 16)}.1`);
  await release(api, bad, `7.${parseInt(stamp.slice(-4), 16)}.2`);
  const production = await deploymentsTo(api, 'production');
  const live = production.find((d) => d.live)!;
  const before = production.find((d) => d.git_commit === good && d.status === 'succeeded')!;
  expect(live.git_commit).toBe(bad);
  const rollbackVersion = Math.max(...production.map((d) => d.version)) + 1;

  // A second signed-in browser watches the matrix.
  const other = await signInAs(browser, ADMIN);
  await other.goto('/environments');
  const column = other.locator('th[data-environment="production"]');
  await expect(column).toContainText(`live v${live.version}`);
  await streamOpen(other);

  await page.goto(`/environments/${live.environment_id}`);
  await expect(page.getByRole('heading', { name: 'production', level: 1 })).toBeVisible();
  await streamOpen(page);
  // 1: Roll back, from the live row.
  await page
    .locator(`tr[data-version="${live.version}"]`)
    .getByRole('button', { name: 'Roll back', exact: true })
    .click();
  const dialog = page.getByRole('dialog', { name: 'Roll back production' });
  // The plan: what changes, before it changes.
  await expect(dialog).toContainText(`New versionv${rollbackVersion}`);
  await expect(dialog).toContainText(`${bad.slice(0, 10)} → ${good.slice(0, 10)}`);
  await expect(dialog).toContainText(`Live nowv${live.version}`);
  await expect(dialog).toContainText(`Back tov${before.version}`);
  await expect(dialog).toContainText('Run: Deploy to production');
  await expect(dialog).toContainText(
    /Reused, not run again: Build image \(from run #\d+\), Run tests \(from run #\d+\), Deploy to staging \(from run #\d+\)/,
  );
  await expect(dialog.getByRole('heading', { name: /Deploy step inputs/ })).toContainText('differ');
  await expect(dialog).toContainText('After the rollback, production is held');
  const confirm = dialog.getByRole('button', { name: `Roll back → v${rollbackVersion}` });
  await expect(confirm).toBeDisabled();
  if (process.env.E2E_SHOTS) await page.screenshot({ path: path.join(SHOTS, 'deployments-rollback-dialog.png') });
  // 2: the reason. 3: confirm.
  await dialog.getByLabel('Reason (required)').fill('7.x.2 breaks <b>checkout</b>');
  await confirm.click();
  await expect(dialog).toBeHidden();

  // The environment is held at the rollback's version, by whom and why.
  await expect(page.getByRole('status').filter({ hasText: 'Held at' })).toContainText(
    `Held at v${rollbackVersion} by ${ADMIN.name}: 7.x.2 breaks <b>checkout</b>`,
  );
  const row = page.locator(`tr[data-version="${rollbackVersion}"]`);
  await expect(row).toContainText(`rollback from v${live.version} to v${before.version}`);
  await expect(row).toContainText(ADMIN.name);
  await expect(row).toContainText('“7.x.2 breaks <b>checkout</b>”');
  await expect(row.getByText('live', { exact: true })).toBeVisible(SLOW);
  const rollback = (await deploymentsTo(api, 'production')).find((d) => d.version === rollbackVersion)!;
  expect(rollback).toMatchObject({
    status: 'succeeded',
    git_commit: good,
    extra_data: { rollback_from: live.id, rollback_to: before.id },
  });
  rollbackId = rollback.id;

  // The second browser saw the hold and the new live version arrive, without a reload.
  await expect(column).toContainText(
    `held at v${rollbackVersion} by ${ADMIN.name}: 7.x.2 breaks <b>checkout</b>`,
    SLOW,
  );
  await expect(column).toContainText(`live v${rollbackVersion}`, SLOW);
  await expect(
    other
      .locator('[data-cell="Release/production"]')
      .getByRole('link', { name: `production history, v${rollbackVersion} live` }),
  ).toBeVisible();
  await other.context().close();
});

test('the next automatic deploy waits on the hold; releasing it from the page lets it go, and the matrix follows', async ({
  signedInPage: page,
  api,
  browser,
}) => {
  test.setTimeout(480_000);
  const env = (await environmentNamed(api, 'production'))!;
  expect(env.hold, 'the rollback journey left production held').not.toBeNull();

  // A new release reaches production and waits on the hold, saying why.
  const run = await api.trigger('release', {
    commit: `dep${stamp}next`,
    branch: 'main',
    message: 'after the rollback',
  });
  await settle(api, run.id, 'failed');
  await api.retry(run.id, 'staging flaked');
  // Read the run page once the deploy waits (a page opened earlier would see it only once its stream is open).
  await expect
    .poll(async () => (await api.run(run.id)).items.find((i) => i.key === 'deploy-production')?.status, SLOW)
    .toBe('queued');
  await page.goto(`/runs/${run.id}`);
  await expect(
    page.getByText(`Waiting: production is held at v${env.hold!.version} by ${ADMIN.name}: ${env.hold!.reason}.`),
  ).toBeVisible(SLOW);
  expect((await api.run(run.id)).status).toBe('running');

  const other = await signInAs(browser, ADMIN);
  await other.goto('/environments');
  const column = other.locator('th[data-environment="production"]');
  await expect(column).toContainText(`held at v${env.hold!.version}`);
  await streamOpen(other);

  await page.goto(`/environments/${env.id}`);
  await streamOpen(page);
  const held = page.getByRole('status').filter({ hasText: 'Held at' });
  await held.getByRole('button', { name: 'Release hold' }).click();
  const dialog = page.getByRole('dialog', { name: 'Release the hold on production' });
  const confirm = dialog.getByRole('button', { name: 'Release hold' });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel('Reason (required)').fill('checkout fixed in the next release');
  if (process.env.E2E_SHOTS) await page.screenshot({ path: path.join(SHOTS, 'deployments-release-dialog.png') });
  await confirm.click();
  await expect(dialog).toBeHidden();
  await expect(held).toHaveCount(0);
  await expect(column).not.toContainText('held at', SLOW);

  // The deploy that waited goes; the matrix shows it live, still without a reload.
  await settle(api, run.id, 'succeeded');
  const latest = (await deploymentsTo(api, 'production')).find((d) => d.run_id === run.id)!;
  expect(latest).toMatchObject({ status: 'succeeded', live: true });
  await expect(column).toContainText(`live v${latest.version}`, SLOW);
  await expect(page.locator(`tr[data-version="${latest.version}"]`).getByText('live', { exact: true })).toBeVisible(
    SLOW,
  );
  expect((await environmentNamed(api, 'production'))!.hold).toBeNull();
  await other.context().close();
});

test('the environment, deployment and run pages and the plan dialogs, looked at light and dark', async ({
  signedInPage: page,
  api,
}) => {
  test.setTimeout(480_000);
  expect(rollbackId && retriedRunId, 'the journeys above ran').toBeTruthy();
  const staging = (await environmentNamed(api, 'staging'))!;
  const production = (await environmentNamed(api, 'production'))!;
  const live = (await deploymentsTo(api, 'production')).find((d) => d.live)!;
  const shots: [string, string, (() => Promise<void>) | null][] = [
    ['matrix', '/environments', null],
    ['staging', `/environments/${staging.id}`, null],
    ['production', `/environments/${production.id}`, null],
    [
      'rollback-dialog',
      `/environments/${production.id}`,
      async () => {
        await page
          .locator(`tr[data-version="${live.version}"]`)
          .getByRole('button', { name: 'Roll back', exact: true })
          .click();
        await expect(page.getByRole('dialog', { name: 'Roll back production' })).toContainText('Back to');
      },
    ],
    ['deployment', `/deployments/${rollbackId}`, null],
    ['run', `/runs/${retriedRunId}`, null],
    [
      'run-redeploy-dialog',
      `/runs/${retriedRunId}`,
      async () => {
        await page
          .locator('[data-deployment]')
          .filter({ hasText: 'staging' })
          .getByRole('button', { name: 'Redeploy' })
          .click();
        await expect(page.getByRole('dialog', { name: 'Redeploy staging' })).toContainText('New version');
      },
    ],
  ];
  for (const [name, url, open] of shots) {
    await page.goto(url);
    await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
    if (open) await open();
    await lookAt(page, `deployments-${name}`, { fullPage: !open });
  }
});
