import { expect, test } from './fixtures';

// The demo's training notify step takes this webhook token as a secret input
// (examples/pipelines/training.yaml) and prints it in its log.
const TOKEN = 'whk-demo-7f3a9c2e51';

interface Attempt {
  number: number;
  status: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
}

test('a secret input is never shown, and a replay that leaves it masked keeps it', async ({
  signedInPage: page,
  api,
  request,
}) => {
  // Two runs, two replays and four pages: on a loaded machine this takes minutes, not seconds.
  test.setTimeout(300_000);
  // Training fails at deploy; a replay with the v1 endpoint lets notify run.
  const run = await api.trigger('training');
  await api.waitFor(run.id, 'failed');
  const deploy = run.items.find((i) => i.key === 'deploy')!;
  const { items: deployAttempts } = await api.get<{ items: Attempt[] }>(
    `/api/v1/runs/${run.id}/items/${deploy.id}/attempts`,
  );
  const endpoint = String(deployAttempts[0].inputs.endpoint).replace(/\/v0\/predict$/, '/v1/predict');
  const headers = { authorization: `Bearer ${process.env.E2E_TOKEN}` };
  const replayed = await request.post(`/api/v1/runs/${run.id}/items/${deploy.id}/replay`, {
    headers,
    data: { inputs: { ...deployAttempts[0].inputs, endpoint } },
  });
  expect(replayed.status()).toBe(200);
  await api.waitFor(run.id, 'succeeded');
  const notify = (await api.run(run.id)).items.find((i) => i.key === 'notify')!;
  const attemptsPath = `/api/v1/runs/${run.id}/items/${notify.id}/attempts`;

  // The step page: the inputs say ••••, and so does the log where the step printed the token.
  await page.goto(`/runs/${run.id}/steps/notify`);
  await expect(page.getByText('Authorization: Bearer ••••')).toBeVisible();
  await expect(page.getByText('"webhook_token": "••••"').first()).toBeVisible();
  expect(await page.content()).not.toContain(TOKEN);
  await page.screenshot({ path: 'test-results/screenshots/secret-step.png', fullPage: true });

  // The replay page starts from the masked inputs and says what •••• means.
  await page.goto(`/runs/${run.id}/steps/notify/replay`);
  const editor = page.getByLabel('Inputs (JSON)');
  // The editor is its own chunk: it may take a while to arrive.
  await expect(editor).toContainText('"webhook_token": "••••"', { timeout: 60_000 });
  await expect(page.getByText(/leave •••• to keep the value/)).toBeVisible();
  expect(await page.content()).not.toContain(TOKEN);
  await page.screenshot({ path: 'test-results/screenshots/secret-replay.png', fullPage: true });

  // Replaying with •••• left as it is keeps the token: the step got a value of its length again.
  await page.getByLabel(/reason/i).fill('post again');
  const replayButton = page.getByRole('button', { name: 'Replay step' });
  await expect(replayButton).toBeEnabled();
  await replayButton.click();
  await expect(page).toHaveURL(new RegExp(`/runs/${run.id}\\?step=notify$`));
  await api.waitFor(run.id, 'succeeded');
  await expect
    .poll(async () => (await api.get<{ items: Attempt[] }>(attemptsPath)).items.map((a) => a.status), {
      timeout: 30_000,
    })
    .toEqual(['succeeded', 'succeeded']);
  const { items } = await api.get<{ items: Attempt[] }>(attemptsPath);
  expect(items[1].outputs).toEqual({ delivered: true, token_length: TOKEN.length });
  expect(items[1].inputs.webhook_token).toBe('••••');
  expect(JSON.stringify(items)).not.toContain(TOKEN);

  // Neither the refreshed step page nor the comparison of the two attempts shows it.
  await page.reload();
  await expect(page.getByText('post again').first()).toBeVisible();
  expect(await page.content()).not.toContain(TOKEN);
  await page.goto(`/runs/${run.id}/steps/notify/compare`);
  await expect(page.getByRole('heading', { name: /Compare attempts of/ })).toBeVisible();
  expect(await page.content()).not.toContain(TOKEN);
});
