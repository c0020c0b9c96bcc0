import path from 'node:path';
import { expect, test } from './fixtures';

// The e2e server keeps the default per-account limit (10 attempts in 15
// minutes); its per-address limit is raised in playwright.config.ts, since
// every journey signs in from the same address. This journey uses an account
// of its own, so the admin the others sign in as is never locked out.
test('too many wrong passwords: the sign-in page says how long to wait, and the refusal is audited', async ({
  page,
  request,
}) => {
  const email = `locked-out-${Date.now()}@example.test`;
  const attempt = async () => {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  };
  for (let i = 0; i < 10; i++) {
    await attempt();
    await expect(page.locator('form').getByRole('alert')).toHaveText(
      'That email and password do not match an account.',
    );
  }
  await attempt();
  await expect(page.locator('form').getByRole('alert')).toHaveText(
    'Too many sign-in attempts; try again in 15 minutes.',
  );
  await expect(page).toHaveURL(/sign-in/);
  await page.screenshot({ path: path.join('test-results', 'sign-in-limit.png') });

  const audit = await request.get(`/api/v1/audit?action=auth.sign_in_failed`, {
    headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
  });
  expect(audit.status()).toBe(200);
  const { items } = (await audit.json()) as { items: { target_id: string; reason: string | null }[] };
  const mine = items.filter((e) => e.target_id === email);
  expect(mine.map((e) => e.reason)).toEqual(['rate_limited', ...Array(10).fill(null)]);
});
