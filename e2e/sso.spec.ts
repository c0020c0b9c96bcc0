import type { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { OIDC, SSO_ACCOUNTS, startOidcProvider } from './oidc-provider';

// Single sign-on as people meet it: the sign-in page offers the provider, the
// provider's login form vouches for the person, and Reprise lets them in with
// the roles their groups map to (playwright.config.ts: developers operate the
// demo project). Someone in no mapped group gets in but sees no project; a
// deactivated user is turned away at once.
test.describe.configure({ mode: 'serial' });

const admin = () => ({ authorization: `Bearer ${process.env.E2E_TOKEN}` });
let provider: { stop(): Promise<void> } | undefined;

test.beforeAll(async ({ baseURL }) => {
  provider = await startOidcProvider(baseURL!);
});
test.afterAll(async () => {
  await provider?.stop();
});

/** A fresh browser (no app session, no provider session) signing in through the provider as `login`. */
async function signInThroughProvider(browser: Browser, login: keyof typeof SSO_ACCOUNTS): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  // A deep link, signed out: to sign-in and, through the provider, back to it.
  await page.goto('/pipelines');
  await expect(page).toHaveURL(/\/sign-in\?callbackUrl=%2Fpipelines$/);
  await page.getByRole('button', { name: `Sign in with ${OIDC.name}` }).click();
  await expect(page).toHaveURL(new RegExp(`^${OIDC.issuer()}/interaction/`), { timeout: 30_000 });
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('whatever the provider checks');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await expect(page.getByText(SSO_ACCOUNTS[login].name)).toBeVisible({ timeout: 30_000 });
  return page;
}

async function userId(request: import('@playwright/test').APIRequestContext, email: string) {
  const res = await request.get('/api/v1/users', { headers: admin() });
  expect(res.status()).toBe(200);
  const { items } = (await res.json()) as { items: { id: string; email: string }[] };
  return items.find((u) => u.email === email)?.id;
}

test('a developer signs in through the provider and operates the demo project', async ({ browser, request }) => {
  const page = await signInThroughProvider(browser, 'olivia');
  // Back where they were going, signed in, with what the operator role shows.
  await expect(page).toHaveURL(/\/pipelines$/);
  await expect(page.getByText('Release', { exact: true })).toBeVisible();
  await expect(page.getByText('Model training', { exact: true })).toBeVisible();

  // The groups made them an operator of demo, recorded as SSO's grant in the audit log.
  const id = await userId(request, SSO_ACCOUNTS.olivia.email);
  const members = await request.get('/api/v1/projects/demo/members', { headers: admin() });
  const { items } = (await members.json()) as { items: { user_id: string; role: string }[] };
  expect(items.find((m) => m.user_id === id)?.role).toBe('operator');
  const audit = await request.get(`/api/v1/audit?actor=${id}&action=user.sso_sign_in`, { headers: admin() });
  const entries = ((await audit.json()) as { items: { details: { groups: string[] } }[] }).items;
  expect(entries[0]?.details.groups).toEqual(SSO_ACCOUNTS.olivia.groups);

  // SSO-only: no password opens this account.
  const form = await (await browser.newContext()).newPage();
  await form.goto('/sign-in');
  await form.getByLabel('Email').fill(SSO_ACCOUNTS.olivia.email);
  await form.getByLabel('Password').fill('!sso');
  await form.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(form.getByText('That email and password do not match an account.')).toBeVisible();
  await form.context().close();
  await page.context().close();
});

test('someone in no mapped group gets in but sees no project', async ({ browser, request }) => {
  const page = await signInThroughProvider(browser, 'noah');
  await expect(page.getByText('No projects for you yet')).toBeVisible();
  await expect(page.getByText('Release', { exact: true })).toHaveCount(0);
  const id = await userId(request, SSO_ACCOUNTS.noah.email);
  expect(id).toBeTruthy();
  const res = await request.get('/api/v1/projects/demo/members', { headers: admin() });
  const { items } = (await res.json()) as { items: { user_id: string }[] };
  expect(items.some((m) => m.user_id === id)).toBe(false);
  await page.context().close();
});

test('a deactivated user is signed out at once and the provider cannot sign them back in', async ({
  browser,
  request,
}) => {
  const page = await signInThroughProvider(browser, 'olivia');
  const id = await userId(request, SSO_ACCOUNTS.olivia.email);
  const off = await request.patch(`/api/v1/users/${id}`, {
    headers: admin(),
    data: { active: false, reason: 'left the team' },
  });
  expect(off.status()).toBe(200);
  try {
    await page.reload();
    await expect(page).toHaveURL(/\/sign-in/);
    // The provider still knows them (its own session): it sends them straight back, and Reprise refuses.
    await page.getByRole('button', { name: `Sign in with ${OIDC.name}` }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'deactivated' })).toHaveText(
      'Your account is deactivated; ask an admin.',
      { timeout: 30_000 },
    );
    await expect(page).toHaveURL(/\/sign-in\?error=deactivated/);
    const audit = await request.get(`/api/v1/audit?action=auth.sign_in_failed`, { headers: admin() });
    const entries = (
      (await audit.json()) as { items: { target_id: string; details: { method?: string; reason?: string } }[] }
    ).items;
    expect(entries.find((e) => e.target_id === id)?.details).toMatchObject({ method: 'sso', reason: 'deactivated' });
  } finally {
    await request.patch(`/api/v1/users/${id}`, {
      headers: admin(),
      data: { active: true, reason: 'back on the team' },
    });
    await page.context().close();
  }
});
