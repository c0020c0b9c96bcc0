import fs from 'node:fs';
import path from 'node:path';
import { expect, lookAt, test } from './fixtures';

/** A pipeline whose publish step fails with its first command; the fix changes the command only. */
const pipeline = (publish: string, extra = '') => `name: fixes
project: fixes
title: Fixes
steps:
  - key: prepare
    title: Prepare
    run: ["sh", "-c", "echo preparing; echo '{\\"ready\\":true}' > \\"$REPRISE_OUTPUTS\\""]
  - key: publish
    title: Publish
    needs: [prepare]
${publish}
  - key: notify
    title: Notify
    needs: [publish]
    run: ["sh", "-c", "echo notified"]
${extra}`;

const BROKEN = pipeline(`    run: ["sh", "-c", "echo old command; echo 'registry refused the upload' >&2; exit 4"]`);
const FIXED = pipeline(`    env: { REGISTRY: registry.example.test }
    run: ["sh", "-c", "echo fixed command for $REGISTRY"]`);
// Another structure: a step more. The latest definition cannot be used.
const RESHAPED = pipeline(
  `    run: ["sh", "-c", "echo reshaped"]`,
  `  - key: audit
    title: Audit
    needs: [prepare]
    run: ["sh", "-c", "echo audit"]
`,
);

test('retry a failed run with the latest definition: the diff first, then the fixed command runs', async ({
  signedInPage: page,
  api,
}) => {
  test.setTimeout(180_000);
  const file = path.join(process.env.E2E_PIPELINES_DIR!, 'fixes.yaml');
  const versionHash = async () =>
    (await api.get<{ items: { name: string; version_hash: string }[] }>('/api/v1/pipelines')).items.find(
      (p) => p.name === 'fixes',
    )?.version_hash ?? null;
  // The server watches the folder: wait until it has loaded what was written.
  const writePipeline = async (source: string) => {
    const before = await versionHash();
    fs.writeFileSync(file, source);
    await expect.poll(versionHash, { timeout: 30_000 }).not.toBe(before);
  };

  try {
    await writePipeline(BROKEN);
    const run = await api.trigger('fixes');
    await api.waitFor(run.id, 'failed');

    // The steps changed: the latest definition is offered, disabled, saying why.
    await writePipeline(RESHAPED);
    await page.goto(`/runs/${run.id}`);
    await page.getByRole('button', { name: 'Retry failed steps' }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByText(/The pipeline changed since this run \(v1 .* → v2/)).toBeVisible();
    const latest = dialog.getByRole('radio', { name: /The latest definition/ });
    await expect(latest).toBeDisabled();
    await expect(dialog.getByRole('radio', { name: /This run’s definition/ })).toBeChecked();
    await expect(
      dialog.getByText(/Not possible: The pipeline's steps changed since this run \(steps added: audit\)/),
    ).toBeVisible();
    await expect(dialog.getByText('Steps added')).toBeVisible();
    await lookAt(page, 'retry-latest-refused', { fullPage: false });
    await dialog.getByRole('button', { name: 'Close' }).click();

    // The fix keeps the steps and their needs: the latest definition may be used.
    await writePipeline(FIXED);
    await page.reload();
    await page.getByRole('button', { name: 'Retry failed steps' }).click();
    await expect(dialog.getByText(/The pipeline changed since this run \(v1 .* → v3/)).toBeVisible();
    await expect(latest).toBeEnabled();
    await latest.check();
    await expect(dialog.getByRole('heading', { name: 'What changed, v1 → v3' })).toBeVisible();
    const changes = dialog.getByRole('list', { name: 'Changes per step' });
    await expect(changes.getByText('Publish', { exact: true })).toBeVisible();
    await expect(changes.getByText('— runs again with these changes')).toBeVisible();
    await expect(changes.getByRole('heading', { name: /Command/ })).toBeVisible();
    await expect(changes.getByText(/echo old command/)).toBeVisible();
    await expect(changes.getByText(/echo fixed command for \$REGISTRY/)).toBeVisible();
    await expect(changes.getByRole('heading', { name: /Environment variables/ })).toBeVisible();
    await lookAt(page, 'retry-latest-diff', { fullPage: false });

    await dialog.getByLabel(/reason/i).fill('fixed the upload command');
    await dialog.getByRole('button', { name: 'Retry 1 step with v3' }).click();
    await expect(page.getByText(/Retrying run #\d+ — attempt 2/)).toBeVisible();
    await api.waitFor(run.id, 'succeeded');

    const done = await api.run(run.id);
    const count = Object.fromEntries(done.items.map((i) => [i.key, i.attempt_count]));
    expect(count).toEqual({ prepare: 1, publish: 2, notify: 1 });
    const publish = done.items.find((i) => i.key === 'publish')!;
    const { items: attempts } = await api.get<{
      items: { id: string; status: string; pipeline_version: { number: number } | null }[];
    }>(`/api/v1/runs/${run.id}/items/${publish.id}/attempts`);
    expect(attempts.map((a) => [a.status, a.pipeline_version?.number])).toEqual([
      ['failed', 1],
      ['succeeded', 3],
    ]);
    const logs = await api.get<{ items: { text: string }[] }>(`/api/v1/attempts/${attempts[1].id}/logs`);
    expect(logs.items.map((l) => l.text).join('')).toContain('fixed command for registry.example.test');

    // The step's history says which version each attempt ran.
    await page.goto(`/runs/${run.id}/steps/publish`);
    await expect(page.locator('#attempt-2').getByText('ran pipeline v3')).toBeVisible();
    await expect(page.locator('#attempt-1').getByText('ran pipeline v1')).toBeVisible();
    await expect(page.locator('#attempt-2').getByText('fixed command for registry.example.test')).toBeVisible();
  } finally {
    // Leave the folder as other journeys expect it: this pipeline's first definition.
    fs.writeFileSync(file, BROKEN);
  }
});
