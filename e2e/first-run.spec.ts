import { ADMIN, expect, signIn, test } from './fixtures';

// The 'first-run' project runs before all others (playwright.config.ts): the
// database is fresh, so the first visit leads to creating the admin.
test('first run: create the admin, then sign in', async ({ page, browser }) => {
  await page.goto('/');
  await expect(page).toHaveURL(/\/setup/);
  // "Others join later" says where: the users page.
  await expect(page.getByRole('link', { name: 'Settings → Users' })).toHaveAttribute('href', '/settings/users');
  await page.getByLabel('Name').fill(ADMIN.name);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create admin account' }).click();
  await expect(page.getByRole('heading', { name: 'Failing now' })).toBeVisible();
  await page.getByRole('link', { name: 'Pipelines' }).click();
  await expect(page.getByText('Release', { exact: true })).toBeVisible();
  await expect(page.getByText('Model training', { exact: true })).toBeVisible();

  // The setup page is gone once an admin exists; a new browser must sign in.
  const other = await browser.newPage();
  await other.goto('/setup');
  await expect(other).toHaveURL(/sign-in/);
  await other.getByLabel('Email').fill(ADMIN.email);
  await other.getByLabel('Password').fill('wrong password');
  await other.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(other.getByText('That email and password do not match an account.')).toBeVisible();
  await signIn(other);
  await expect(other.getByText(ADMIN.name)).toBeVisible();
  await other.close();
});

test('the API refuses requests without identity', async ({ request }) => {
  const res = await request.get('/api/v1/pipelines');
  expect(res.status()).toBe(401);
});
