import { expect, sideOverflow, signIn, test } from './fixtures';

test('cancel a running run: the running step stops and the rest is skipped', async ({ signedInPage: page, api }) => {
  // Many epochs keep the train step busy long enough to cancel it.
  const run = await api.trigger('training', { params: { epochs: 150 } });
  await expect
    .poll(async () => (await api.run(run.id)).items.find((i) => i.key === 'train')?.status, { timeout: 20_000 })
    .toBe('running');
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByRole('progressbar', { name: 'Train model progress' })).toBeVisible();
  await page.getByRole('button', { name: 'Cancel run' }).click();
  await page
    .getByRole('dialog', { name: /Cancel run #\d+\?/ })
    .getByRole('button', { name: 'Cancel the run' })
    .click();
  await expect(page.getByRole('heading', { name: /Run #\d+/ }).getByText('cancelled')).toBeVisible({ timeout: 15_000 });
  const after = Object.fromEntries((await api.run(run.id)).items.map((i) => [i.key, i.status]));
  expect(after).toEqual({
    'load-data': 'succeeded',
    train: 'cancelled',
    deploy: 'skipped',
    test: 'skipped',
    notify: 'skipped',
  });
});

test('two browsers on one run see each other’s actions live, without reloading', async ({ browser, api }) => {
  // The training deploy fails on its input, every time: each retry fails again.
  const run = await api.trigger('training');
  await api.waitFor(run.id, 'failed');
  const [a, b] = await Promise.all([browser.newPage(), browser.newPage()]);
  await signIn(a);
  await signIn(b);
  await Promise.all([a.goto(`/runs/${run.id}`), b.goto(`/runs/${run.id}`)]);
  await expect(a.getByText('live', { exact: true })).toBeVisible();
  await expect(b.getByText('live', { exact: true })).toBeVisible();
  const runStatus = (page: typeof a, status: string) =>
    page.getByRole('heading', { name: /Run #\d+/ }).getByText(status);

  // A retries the run. B did nothing and reloads nothing: the change arrives
  // over its event stream. (How fast is a benchmark's question, not a test's:
  // on a busy machine a tight bound here only measures the load.)
  await a.getByRole('button', { name: 'Retry failed steps' }).click();
  await a.getByRole('dialog').getByRole('button', { name: 'Retry 1 step' }).click();
  await expect(b.getByText('Attempt 2 of 2').first()).toBeVisible({ timeout: 15_000 });
  await expect(runStatus(a, 'failed')).toBeVisible({ timeout: 30_000 });
  await expect(runStatus(b, 'failed')).toBeVisible({ timeout: 15_000 });

  // A opens the retry dialog again; meanwhile B retries the deploy step.
  await a.getByRole('button', { name: 'Retry failed steps' }).click();
  await b.getByRole('button', { name: 'Retry step' }).click();
  await b
    .getByRole('dialog', { name: /Retry Deploy model/ })
    .getByRole('button', { name: 'Retry step' })
    .click();
  // A sees it live, and its open dialog shows the new state instead of acting on the old one.
  await expect(a.getByText('Attempt 3 of 3').first()).toBeVisible({ timeout: 15_000 });
  const dialog = a.getByRole('dialog');
  await expect(dialog.getByText(/The run changed while this was open/)).toBeVisible();
  await expect(dialog.getByRole('button', { name: /Retry \d+ step/ })).toBeDisabled();
  // Once B's retry has failed again, A may take the new plan, after reading it.
  await expect(runStatus(a, 'failed')).toBeVisible({ timeout: 30_000 });
  await dialog.getByRole('button', { name: 'Use the new plan' }).click();
  await expect(dialog.getByRole('button', { name: 'Retry 1 step' })).toBeEnabled();
  await Promise.all([a.close(), b.close()]);
});

test('a dropped event stream resumes with Last-Event-ID without missing a status', async ({
  signedInPage: page,
  api,
}) => {
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');
  await page.goto(`/runs/${run.id}`);

  // A plain EventSource in the page, as the dashboard uses it. The server
  // recycles streams every few seconds in this setup, so the browser must
  // reconnect (sending Last-Event-ID) while the retry below runs.
  await page.evaluate((runId) => {
    const seen: { id: number; status: string }[] = [];
    let opens = 0;
    const source = new EventSource(`/api/events?run=${runId}`);
    source.onopen = () => opens++;
    source.addEventListener('run.status_changed', (e) => {
      const event = JSON.parse((e as MessageEvent<string>).data) as { id: number; data: { status: string } };
      seen.push({ id: event.id, status: event.data.status });
    });
    Object.assign(window, { seen, opens: () => opens });
  }, run.id);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { opens: () => number }).opens()))
    .toBeGreaterThan(0);

  await api.retry(run.id, 'while the stream drops');
  await api.waitFor(run.id, 'succeeded');
  // Wait out at least one recycle, then check nothing was missed or repeated.
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { opens: () => number }).opens()), { timeout: 15_000 })
    .toBeGreaterThan(1);
  await expect
    .poll(() => page.evaluate(() => (window as unknown as { seen: { status: string }[] }).seen.map((s) => s.status)), {
      timeout: 15_000,
    })
    .toEqual(['running', 'succeeded']);
  const ids = await page.evaluate(() => (window as unknown as { seen: { id: number }[] }).seen.map((s) => s.id));
  expect(ids[1]).toBeGreaterThan(ids[0]);

  // The dashboard's own stream came back too, and the page shows the end state without a reload.
  await expect(page.locator('[data-connection="live"]')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: /Run #\d+/ }).getByText('succeeded')).toBeVisible({ timeout: 15_000 });
  await expect(page.getByText('Attempt 2 of 2').first()).toBeVisible();
});

test('when the event stream cannot be held, the run page polls and still follows the run', async ({
  signedInPage: page,
  api,
}) => {
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');
  // A proxy that refuses the stream: every attempt to open it fails.
  await page.route('**/api/events**', (route) => route.abort());
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByText(/reconnecting|offline/)).toBeVisible();
  // The indicator's longer words still fit the narrowest header.
  await page.setViewportSize({ width: 1024, height: 900 });
  expect(await sideOverflow(page)).toEqual([]);
  await page.setViewportSize({ width: 1280, height: 900 });

  await api.retry(run.id, 'behind a proxy');
  await expect(page.getByText('Attempt 2 of 2').first()).toBeVisible({ timeout: 15_000 });
  await expect(page.getByRole('heading', { name: /Run #\d+/ }).getByText('succeeded')).toBeVisible({ timeout: 30_000 });
});
