import type { Page } from '@playwright/test';
import { expect, signInAs, test } from './fixtures';

// The access pages as an admin uses them (roles.spec.ts does the same set-up
// through the API and checks the refusals): accounts made on /settings/users,
// roles given on the project's page, production protected there; the viewer
// looks but cannot touch, the operator retries; a token shown once and
// revoked; the audit page tells it all, filtered by who did it.
test.describe.configure({ mode: 'serial' });

const stamp = Date.now();
const VIEWER = { email: `pia-viewer-${stamp}@example.test`, name: 'Pia Viewer', password: 'viewer password 2' };
const OPERATOR = {
  email: `oskar-operator-${stamp}@example.test`,
  name: 'Oskar Operator',
  password: 'operator password 2',
};

async function confirmInDialog(page: Page, reason: string, confirm: string) {
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel(/reason/i).fill(reason);
  await dialog.getByRole('button', { name: confirm }).click();
  await expect(dialog).toBeHidden();
}

test('an admin manages access from the pages; the audit page shows who did what and why', async ({
  signedInPage: page,
  browser,
  api,
}) => {
  // Two runs to finish and three browsers on a shared, slow machine.
  test.setTimeout(420_000);

  // Accounts.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Users', level: 1 })).toBeVisible();
  const create = page.getByRole('form', { name: 'Create an account' });
  for (const user of [VIEWER, OPERATOR]) {
    await create.getByLabel('Email').fill(user.email);
    await create.getByLabel('Name').fill(user.name);
    await create.getByLabel('Password').fill(user.password);
    await create.getByLabel('Reason (optional)').fill('joins the shop team (pages)');
    await create.getByRole('button', { name: 'Create account' }).click();
    await expect(page.getByText(`Created ${user.email}`)).toBeVisible();
    await expect(page.locator(`tr[data-user="${user.email}"]`)).toContainText('active');
  }
  // A second account with the same email is refused, and the toast says why.
  await create.getByLabel('Email').fill(VIEWER.email);
  await create.getByLabel('Name').fill('Again');
  await create.getByLabel('Password').fill('another password');
  await create.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByText(`A user with the email ${VIEWER.email} exists already.`)).toBeVisible();

  // Roles in the demo project, and production protected.
  await page.getByRole('link', { name: 'Projects' }).click();
  await page
    .getByRole('link', { name: /Demo|demo/ })
    .first()
    .click();
  await expect(page).toHaveURL(/\/projects\/demo$/);
  for (const [user, role] of [
    [VIEWER, 'viewer'],
    [OPERATOR, 'operator'],
  ] as const) {
    const add = page.getByRole('form', { name: 'Add a member' });
    await add.getByLabel('Email').fill(user.email);
    await add.getByLabel('Role').selectOption(role);
    await add.getByLabel('Reason (optional)').fill(`${role} of the shop (pages)`);
    await add.getByRole('button', { name: 'Add member' }).click();
    await expect(page.getByText(`${user.email} is now ${role}`)).toBeVisible();
    await expect(page.getByLabel(`Role of ${user.email}`, { exact: true })).toHaveValue(role);
  }
  await page.getByLabel('Role required to deploy to production').selectOption('deployer');
  await page.getByRole('button', { name: 'Save the protection of production' }).click();
  await confirmInDialog(page, 'production needs a deployer (pages)', 'Change protection');
  await expect(page.locator('li[data-environment="production"]')).toContainText('deployer or above may deploy');

  // A release whose staging fails on its first attempt, and a training run that fails at deploy (no environment).
  const release = await api.trigger('release');
  const training = await api.trigger('training');
  await api.waitFor(release.id, 'failed');
  await api.waitFor(training.id, 'failed');

  // The viewer sees runs and the project, and nothing to act with.
  const viewer = await signInAs(browser, VIEWER);
  await expect(viewer.getByRole('link', { name: 'Users' })).toHaveCount(0);
  await viewer.goto(`/runs/${release.id}`);
  await expect(viewer.getByRole('heading', { name: new RegExp(`Run #${release.number}`) })).toBeVisible();
  await expect(viewer.getByText('Deploy to staging').first()).toBeVisible();
  await expect(viewer.getByRole('button', { name: /Retry/ })).toHaveCount(0);
  await viewer.goto('/projects/demo');
  await expect(viewer.getByText('only its admins change members and protection')).toBeVisible();
  await expect(viewer.getByRole('form', { name: 'Add a member' })).toHaveCount(0);
  await expect(viewer.getByRole('button', { name: /Save/ })).toHaveCount(0);
  await viewer.goto('/settings/users');
  await expect(viewer.getByText('Only instance admins manage accounts.')).toBeVisible();
  await viewer.context().close();

  // The operator retries a failed run where nothing protected would deploy.
  const operator = await signInAs(browser, OPERATOR);
  await operator.goto(`/runs/${training.id}`);
  await operator.getByRole('button', { name: 'Retry failed steps' }).click();
  await confirmInDialog(operator, 'endpoint flapped (pages)', 'Retry 1 step');
  await expect(operator.getByText(`Retrying run #${training.number}`)).toBeVisible();
  await expect
    .poll(async () => (await api.run(training.id)).attempt, { timeout: 30_000 })
    .toBeGreaterThan(training.attempt);
  await operator.context().close();

  // A token: shown once, works, revoked, then refused.
  await page.getByRole('link', { name: 'Tokens' }).click();
  const newToken = page.getByRole('form', { name: 'Create a token' });
  await newToken.getByLabel('Name').fill(`pages-${stamp}`);
  await newToken.getByLabel('Project').selectOption('demo');
  await newToken.getByLabel('Role').selectOption('viewer');
  await newToken.getByLabel('Reason (optional)').fill('a script reads runs (pages)');
  await newToken.getByRole('button', { name: 'Create token' }).click();
  await expect(page.getByText('you won’t see it again')).toBeVisible();
  const token = (await page.getByTestId('new-token').textContent())!.trim();
  expect(token).toMatch(/^rp_/);
  const bearer = { authorization: `Bearer ${token}` };
  expect((await page.request.get('/api/v1/pipelines', { headers: bearer })).status()).toBe(200);
  await page.getByRole('button', { name: 'I have copied it' }).click();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  const row = page.locator(`tr[data-token="pages-${stamp}"]`);
  await expect(row).toContainText('active');
  await row.getByRole('button', { name: `Revoke pages-${stamp}` }).click();
  await confirmInDialog(page, 'the script is retired (pages)', 'Revoke token');
  await expect(row).toContainText('revoked');
  expect((await page.request.get('/api/v1/pipelines', { headers: bearer })).status()).toBe(401);

  // The audit page: every change above, with its reason; filtered by actor through the form (a linkable URL).
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('heading', { name: 'Audit log' })).toBeVisible();
  for (const reason of [
    'production needs a deployer (pages)',
    'viewer of the shop (pages)',
    'operator of the shop (pages)',
    'the script is retired (pages)',
    'a script reads runs (pages)',
    'endpoint flapped (pages)',
  ]) {
    await expect(page.getByText(reason).first()).toBeVisible();
  }
  await page.getByLabel('Actor (email)').fill(OPERATOR.email);
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(new RegExp(`actor=${encodeURIComponent(OPERATOR.email)}`));
  const entries = page.locator('li[data-audit-action]');
  await expect(entries.first()).toBeVisible();
  await expect(page.getByText('endpoint flapped (pages)')).toBeVisible();
  await expect(page.getByText('production needs a deployer (pages)')).toHaveCount(0);
  for (const action of await entries.evaluateAll((els) => els.map((e) => e.getAttribute('data-audit-action')))) {
    expect(action).toMatch(/^(run|item)\./);
  }
  await page.screenshot({ path: 'test-results/screenshots/audit-by-actor.png', fullPage: true });
});
