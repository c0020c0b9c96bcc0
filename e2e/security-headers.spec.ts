import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, test } from './fixtures';

const SHOTS = path.join('test-results', 'security-headers');

/** Collects what the CSP refused on a page: its own violation events and the browser's console reports. */
async function watchPolicy(page: Page) {
  const refused: string[] = [];
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __refused: string[] }).__refused = seen;
    document.addEventListener('securitypolicyviolation', (e) => seen.push(`${e.violatedDirective} ${e.blockedURI}`));
  });
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text()))
      refused.push(`${page.url()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => refused.push(`${page.url()}: ${e.message}`));
  return async () => [
    ...refused,
    ...(await page.evaluate(() => (window as unknown as { __refused?: string[] }).__refused ?? [])),
  ];
}

function expectSecurityHeaders(response: { headers(): Record<string, string> } | null, what: string) {
  expect(response, what).not.toBeNull();
  const headers = response!.headers();
  const policy = headers['content-security-policy'] ?? '';
  expect(policy, what).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  for (const directive of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'self'", "form-action 'self'"])
    expect(policy, what).toContain(directive);
  expect(policy, what).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('strict-origin-when-cross-origin');
  expect(headers['x-frame-options'], what).toBe('DENY');
}

test('every page carries the security headers and works under its CSP', async ({ signedInPage: page, api }) => {
  test.setTimeout(180_000);
  const refused = await watchPolicy(page);
  const training = await api
    .demoRun('training', 'failed')
    .catch(async () => api.run((await api.trigger('training')).id));
  const release = await api.trigger('release');
  await api.waitFor(release.id, 'failed');

  const pages: [string, () => Promise<void>][] = [
    ['/', () => expect(page.getByRole('heading', { name: 'Failing now' })).toBeVisible()],
    ['/pipelines', () => expect(page.getByText('Release', { exact: true })).toBeVisible()],
    [
      `/pipelines/${release.pipeline_id}`,
      () => expect(page.getByRole('link', { name: new RegExp(`#${release.number}`) }).first()).toBeVisible(),
    ],
    [
      `/runs/${release.id}`,
      async () => {
        // The graph rendered and the live stream connected: scripts ran.
        await expect(page.locator('a[data-failed-step]')).toBeVisible();
        await expect(page.getByText('live', { exact: true })).toBeVisible();
      },
    ],
    [
      `/runs/${release.id}/steps/deploy-staging`,
      () => expect(page.locator('#attempt-1')).toContainText('connection reset by peer'),
    ],
    [`/runs/${release.id}/steps/deploy-staging/compare`, () => expect(page.locator('main')).toBeVisible()],
    [
      `/runs/${training.id}/steps/deploy/replay`,
      async () => {
        // The editor checks the schema in the browser, without eval.
        const editor = page.getByLabel('Inputs (JSON)');
        await expect(editor).toContainText('"endpoint"');
        await editor.fill('{ "endpoint": "inference.internal", "replicas": 0 }');
        await expect(page.getByText(/\/replicas must be >= 1/).first()).toBeVisible();
        await expect(page.getByRole('button', { name: 'Replay step' })).toBeDisabled();
      },
    ],
  ];
  for (const [index, [url, works]] of pages.entries()) {
    const response = await page.goto(url);
    expectSecurityHeaders(response, url);
    await works();
    await page.screenshot({
      path: path.join(SHOTS, `${index + 1}-${url.split('/').filter(Boolean).pop() ?? 'overview'}.png`),
    });
  }
  expect(await refused()).toEqual([]);
});

test('signed out: sign-in and the setup redirect carry the headers; the API answers too', async ({ page, request }) => {
  const refused = await watchPolicy(page);
  const signIn = await page.goto('/sign-in');
  expectSecurityHeaders(signIn, '/sign-in');
  await expect(page.getByRole('button', { name: 'Sign in', exact: true })).toBeVisible();
  // A wrong password is answered by the sign-in form's server action: the form works under the CSP.
  await page.getByLabel('Email').fill('nobody@example.test');
  await page.getByLabel('Password').fill('wrong password');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page.getByText('That email and password do not match an account.')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, '0-sign-in.png') });
  expect(await refused()).toEqual([]);
  // The watch above would see a refusal: an image from another site is one.
  await page.evaluate(() => {
    const image = document.createElement('img');
    image.src = 'http://images.invalid/pixel.png';
    document.body.append(image);
  });
  await expect.poll(async () => (await refused()).join('\n')).toContain('img-src');

  const setup = await request.get('/setup', { maxRedirects: 0 });
  expect(setup.status()).toBeGreaterThanOrEqual(300);
  expect(setup.status()).toBeLessThan(400);
  expectSecurityHeaders(setup, '/setup redirect');

  const api = await request.get('/api/v1/pipelines');
  expect(api.status()).toBe(401);
  expectSecurityHeaders(api, '/api/v1/pipelines');
  expect((await request.get('/api/health/live')).status()).toBe(200);
});

test('a page cannot be framed', async ({ page, baseURL }) => {
  const blocked: string[] = [];
  page.on(
    'console',
    (m) => void (/frame-ancestors|Refused to (display|frame)/i.test(m.text()) && blocked.push(m.text())),
  );
  // Another origin (about:blank's opaque one) tries to frame the sign-in page.
  await page.setContent(`<iframe id="victim" src="${baseURL}/sign-in" width="800" height="600"></iframe>`);
  await expect.poll(() => blocked.length, { timeout: 15_000 }).toBeGreaterThan(0);
  const frame = page.frames().find((f) => f !== page.mainFrame());
  expect(
    await frame
      ?.locator('button', { hasText: 'Sign in' })
      .count()
      .catch(() => 0),
  ).toBe(0);
});

test('the server answers 400 for a path it cannot decode and 403 for an action from another site', async ({
  request,
  baseURL,
}) => {
  const malformed = await request.get('/api/v1/runs/%E0%A4%A');
  expect(malformed.status()).toBe(400);
  expect((await malformed.json()).error.code).toBe('bad_request');
  const foreign = await request.post('/sign-in', {
    headers: {
      'next-action': '0000000000000000000000000000000000000000',
      origin: 'https://evil.example',
      'content-type': 'text/plain;charset=UTF-8',
    },
    data: '[]',
  });
  expect(foreign.status()).toBe(403);
  // html_url names the host the caller used (127.0.0.1 here, not localhost).
  const { items } = await request
    .get('/api/v1/runs?limit=1', { headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` } })
    .then((r) => r.json() as Promise<{ items: { html_url: string }[] }>);
  expect(items[0].html_url.startsWith(`${baseURL}/runs/`)).toBe(true);
});

test('the session cookie is HttpOnly and SameSite=Lax', async ({ signedInPage: page }) => {
  const cookies = await page.context().cookies();
  const session = cookies.find((c) => c.name === 'authjs.session-token');
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false });
});
