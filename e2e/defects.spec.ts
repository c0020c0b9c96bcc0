import { ADMIN, expect, test, type Api } from './fixtures';

// The defects a first-time operator met (issue 10), each checked where it showed.

/** A release whose staging failed on attempt 1 and succeeded on the retry (examples/scripts/deploy.sh). */
async function retriedRelease(api: Api) {
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');
  return run;
}

test('one run attempt per page; the retry dialog link is used once; the header marks where you are', async ({
  signedInPage: page,
  api,
}) => {
  const run = await retriedRelease(api);

  // "Retry…" from home opens the dialog, and the URL forgets it asked.
  await page.goto(`/runs/${run.id}?retry=1`);
  const dialog = page.getByRole('dialog', { name: /Retry/ });
  await expect(dialog).toBeVisible();
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}$`));
  await dialog.getByLabel(/reason/i).fill('staging was flaky');
  await dialog.getByRole('button', { name: /^Retry/ }).click();
  await api.waitFor(run.id, 'succeeded');

  await page.goto(`/runs/${run.id}?attempt=1`);
  const header = page.getByRole('heading', { name: new RegExp(`Run #${run.number}`) });
  await expect(header).toContainText('failed');
  await expect(page.getByText('Attempt 1 of 2', { exact: true }).first()).toBeVisible();
  await expect(page.locator('[data-step="deploy-staging"]')).toHaveAttribute('aria-label', /Deploy to staging: failed/);
  const steps = page
    .getByRole('listitem')
    .filter({ has: page.locator('a[data-step-link]', { hasText: 'Deploy to production' }) });
  await expect(steps).toContainText('skipped');
  await expect(page.getByText(/took .* in steps/)).toBeVisible();

  await page.getByRole('link', { name: 'See the latest attempt' }).click();
  await expect(header).toContainText('succeeded');
  await expect(page.locator('[data-step="deploy-staging"]')).toHaveAttribute(
    'aria-label',
    /Deploy to staging: succeeded/,
  );
  await expect(
    page.getByRole('listitem').filter({ has: page.locator('a[data-step-link]', { hasText: 'Deploy to production' }) }),
  ).toContainText('succeeded');

  // A run belongs to the Runs section of the header.
  await expect(page.getByRole('navigation', { name: 'Main' }).locator('[aria-current="page"]')).toHaveText('Runs');
  // The whole step title is there to read, and the page has an icon (no 404 on every page).
  await expect(page.locator('[data-step="deploy-production"]')).toHaveAttribute('title', /Deploy to production/);
  const icon = await page.locator('link[rel="icon"]').first().getAttribute('href');
  expect((await page.request.get(icon!)).status()).toBe(200);
  const favicon = await page.request.get('/favicon.ico');
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()['content-type']).toMatch(/image\/(x-icon|vnd\.microsoft\.icon)/);

  // With a step's history open beside it, the whole graph still shows (it shrinks to fit).
  await page.setViewportSize({ width: 1024, height: 800 });
  await page.goto(`/runs/${run.id}?step=deploy-staging`);
  await expect(page.getByRole('complementary', { name: /Attempt history of Deploy to staging/ })).toBeVisible();
  const graph = page.locator('[data-graph-scale]');
  await expect.poll(async () => Number(await graph.getAttribute('data-graph-scale'))).toBeLessThan(1);
  const box = (await graph.boundingBox())!;
  const last = (await page.locator('[data-step="deploy-production"]').boundingBox())!;
  expect(last.x + last.width).toBeLessThanOrEqual(box.x + box.width);

  // Home: the failure counts though a retry made up for it.
  await page.goto('/');
  const retried = page
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: `Release #${run.number}` }) });
  await expect(retried).toContainText('failed, then retried');
  await expect(page.getByText('No run failed in the last 24 hours.')).toHaveCount(0);
});

test('a cancelled run waits on home with the failed ones, and is no success of its pipeline', async ({
  signedInPage: page,
  api,
  request,
}) => {
  const run = await api.trigger('release');
  const cancel = await request.post(`/api/v1/runs/${run.id}/cancel`, {
    headers: { authorization: `Bearer ${process.env.E2E_TOKEN}` },
  });
  expect(cancel.status()).toBe(200);
  await api.waitFor(run.id, 'cancelled');

  await page.goto('/');
  const failing = page
    .getByRole('listitem')
    .filter({ has: page.getByRole('link', { name: `Run #${run.number}`, exact: true }) })
    .first();
  await expect(failing).toContainText('cancelled');
  await expect(failing.getByRole('link', { name: 'Retry…' })).toBeVisible();

  await page.goto('/pipelines');
  const release = page.getByRole('listitem').filter({ hasText: 'Release' }).first();
  await expect(release).toContainText(/\d+% of \d+ finished succeeded/);
  await expect(release).not.toContainText('100%');
});

test('a deep link survives sign-in; sign-in leads nowhere else', async ({ browser, api }) => {
  const run = await api.demoRun('training', 'failed').catch(async () => api.run((await api.trigger('training')).id));
  const deepLink = `/runs/${run.id}/steps/deploy`;
  const page = await (await browser.newContext()).newPage();
  await page.goto(deepLink);
  await expect(page).toHaveURL(new RegExp(`/sign-in\\?callbackUrl=${encodeURIComponent(deepLink)}$`));
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`${deepLink}$`));

  // Signed in, the setup page has nothing left to do.
  await page.goto('/setup');
  await expect(page).toHaveURL(/\/$/);
  await page.context().close();

  // Another site's address is never carried into the forms (the action checks again).
  const signedOut = await (await browser.newContext()).newPage();
  for (const evil of ['//evil.com', 'https://evil.com', '/\\evil.com']) {
    await signedOut.goto(`/sign-in?callbackUrl=${encodeURIComponent(evil)}`);
    await expect(signedOut.locator('input[name="next"]').first()).toHaveValue('');
  }
  await signedOut.getByLabel('Email').fill(ADMIN.email);
  await signedOut.getByLabel('Password').fill(ADMIN.password);
  await signedOut.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(signedOut).toHaveURL(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  await signedOut.context().close();
});

test('replay: the editor and toasts follow dark mode, the diff wraps, and the run page shows what re-runs', async ({
  signedInPage: page,
  api,
}) => {
  const run = await api.demoRun('prompt', 'succeeded').catch(async () => {
    const r = await api.trigger('prompt');
    await api.waitFor(r.id, 'succeeded');
    return r;
  });
  await page.setViewportSize({ width: 1024, height: 900 });
  await page.goto(`/runs/${run.id}/steps/generate/replay`);
  const editor = page.getByLabel('Inputs (JSON)');
  await expect(editor).toContainText('"prompt"');

  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  await expect(page.locator('html')).toHaveClass(/dark/);
  await expect(page.locator('.cm-editor')).toHaveCSS('background-color', 'rgb(24, 24, 27)');

  const long = `Write a haiku about retries ${'and the long night of the failing deploy '.repeat(6)}END-OF-PROMPT`;
  await editor.fill(JSON.stringify({ prompt: long, temperature: 0.7 }, null, 2));
  const changed = page.locator('[data-json-diff] td', { hasText: 'END-OF-PROMPT' });
  await expect(changed).toBeVisible();
  // Wrapped in its cell, not cut where the values differ.
  expect(await changed.evaluate((td) => td.scrollWidth <= td.clientWidth + 1)).toBe(true);
  await page.screenshot({ path: 'test-results/screenshots/replay-dark-diff.png' });

  await page.getByRole('button', { name: 'Replay step' }).click();
  // The toast saying so is dark too.
  await expect(page.locator('[data-sonner-toaster]')).toHaveAttribute('data-sonner-theme', 'dark');
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}\\?step=generate$`));
  await expect(page.getByRole('complementary', { name: /Attempt history of Generate text/ })).toBeVisible();
  await page.getByRole('button', { name: 'Toggle dark mode' }).click();
  await expect(page.locator('html')).not.toHaveClass(/dark/);
});

test('not found has one main landmark', async ({ signedInPage: page }) => {
  for (const path of ['/runs/00000000-0000-4000-8000-000000000000', '/no-such-page']) {
    await page.goto(path);
    await expect(page.getByRole('heading', { name: 'Not found' })).toBeVisible();
    await expect(page.locator('main')).toHaveCount(1);
  }
});
