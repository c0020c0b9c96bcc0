import fs from 'node:fs';
import path from 'node:path';
import { expect, lookAt, test, type Api } from './fixtures';

async function versionHash(api: Api, name: string) {
  const { items } = await api.get<{ items: { name: string; version_hash: string }[] }>('/api/v1/pipelines');
  return items.find((p) => p.name === name)!.version_hash;
}

test('the pipeline page shows the definition before any run, its versions and what changed', async ({
  signedInPage: page,
  api,
}) => {
  test.setTimeout(420_000);
  const pipelineId = await api.pipelineId('release');
  await page.goto(`/pipelines/${pipelineId}`);
  await page.getByRole('navigation', { name: 'Pipeline sections' }).getByRole('link', { name: 'Definition' }).click();
  await expect(page).toHaveURL(/tab=definition/);

  // The graph, without statuses, and every step described.
  for (const key of ['build', 'test', 'deploy-staging', 'deploy-production']) {
    await expect(page.locator(`[data-definition-step="${key}"]`)).toBeVisible();
  }
  const staging = page.locator('[data-definition="deploy-staging"]');
  await expect(staging.locator('[data-command]')).toHaveText('["sh","../scripts/deploy.sh"]');
  await expect(staging.locator('[data-timeout]')).toHaveText('2 min');
  await expect(staging.locator('[data-environment]')).toHaveText('deploys to staging');
  await expect(staging.locator('[data-env]')).toHaveText('CLUSTER=staging-eu');
  await expect(staging.getByText('environment:staging')).toBeVisible();
  await expect(page.locator('[data-yaml-source]')).toContainText('name: release');
  await lookAt(page, 'pipeline-pages-definition');

  // A second version: the file changes on disk, the server reloads it.
  const file = path.join(process.env.E2E_PIPELINES_DIR!, 'release.yaml');
  const original = fs.readFileSync(file, 'utf8');
  const before = await versionHash(api, 'release');
  try {
    fs.writeFileSync(
      file,
      original.replace(
        'timeout: "2m"\n    env: { CLUSTER: staging-eu }',
        'timeout: "3m"\n    env: { CLUSTER: staging-eu }',
      ),
    );
    await expect.poll(() => versionHash(api, 'release'), { timeout: 30_000 }).not.toBe(before);

    await page.goto(`/pipelines/${pipelineId}?tab=versions`);
    const rows = page.locator('tr[data-version]');
    const count = await rows.count();
    expect(count).toBeGreaterThanOrEqual(2);
    await expect(rows.first()).toContainText('current');
    // By default the current version against the one before it.
    await expect(page.locator('[data-compare-title]')).toContainText(`Version ${count - 1} → ${count}`);
    await expect(page.locator('[data-step-changes]')).toContainText('deploy-staging: changed timeout');
    await expect(page.locator('[data-step-changes]')).toContainText('Same graph');
    await expect(page.locator('tr[data-diff="removed"]')).toContainText(['timeout: "2m"']);
    await expect(page.locator('tr[data-diff="added"]')).toContainText(['timeout: "3m"']);
    // Unchanged stretches are folded, and a click shows them.
    const unchanged = page.locator('tr[data-diff="same"]');
    const shown = await unchanged.count();
    const fold = page.locator('tr[data-diff="fold"]').first();
    await expect(fold).toContainText(/show \d+ unchanged lines/);
    await lookAt(page, 'pipeline-pages-versions');
    await fold.getByRole('button').click();
    await expect.poll(() => unchanged.count()).toBeGreaterThan(shown);

    // Any two versions, by URL: the other way round.
    await page.getByLabel('From version').selectOption(String(count));
    await page.getByLabel('To version').selectOption(String(count - 1));
    await page.getByRole('button', { name: 'Compare' }).click();
    await expect(page).toHaveURL(new RegExp(`tab=versions&from=${count}&to=${count - 1}`));
    await expect(page.locator('tr[data-diff="added"]')).toContainText(['timeout: "2m"']);

    // The Definition tab follows the new version.
    await page.getByRole('link', { name: 'Definition' }).click();
    await expect(page.locator('[data-definition="deploy-staging"] [data-timeout]')).toHaveText('3 min');
  } finally {
    fs.writeFileSync(file, original);
  }
  await expect.poll(() => versionHash(api, 'release'), { timeout: 30_000 }).toBe(before);
});

test('durations over time: a chart per pipeline and per step, and a run timeline of each step', async ({
  signedInPage: page,
  api,
}) => {
  test.setTimeout(420_000);
  const run = await api.trigger('release');
  await api.waitFor(run.id, 'failed');
  const prompt = await api.trigger('prompt');
  await api.waitFor(prompt.id, 'succeeded');

  await page.goto(`/pipelines/${run.pipeline_id}`);
  const chart = page.locator('[data-duration-chart]');
  await expect(chart.locator('[data-bar]').first()).toBeVisible();
  await expect(chart.locator('[data-bar="failed"]').last()).toHaveAttribute(
    'aria-label',
    new RegExp(`Run #${run.number}: failed in [0-9.]+ (ms|s)`),
  );
  await expect(chart.locator('[data-duration-summary]')).toContainText(/last (run|\d+) failed/);
  await lookAt(page, 'pipeline-pages-runs');

  // The run's timeline: every step, with what happened to it.
  await page.goto(`/runs/${run.id}`);
  const timeline = page.locator('[data-run-timeline]');
  for (const key of ['build', 'test', 'deploy-staging', 'deploy-production']) {
    await expect(timeline.locator(`[data-timeline-step="${key}"]`)).toBeVisible();
  }
  await expect(timeline.locator('[data-timeline-step="build"] [data-bar-status="succeeded"]')).toHaveAttribute(
    'aria-label',
    /Build image, attempt 1 \(first attempt\): succeeded, queued .*, ran /,
  );
  await expect(timeline.locator('[data-timeline-step="deploy-staging"] [data-bar-status="failed"]')).toBeVisible();
  await expect(timeline.locator('[data-timeline-step="deploy-production"]')).toContainText('did not run');

  // After a retry, run attempt 2's timeline names attempt 1's failure beside its row, and keeps build.
  await api.retry(run.id);
  await api.waitFor(run.id, 'succeeded');
  await page.goto(`/runs/${run.id}`);
  await expect(timeline.locator('[data-timeline-step="build"]')).toContainText('kept from run attempt 1 (succeeded)');
  await expect(timeline.locator('[data-timeline-step="deploy-staging"]')).toContainText('run attempt 1: #1 failed');
  await expect(timeline.locator('[data-timeline-step="deploy-staging"] [data-bar-status="succeeded"]')).toBeVisible();
  await lookAt(page, 'pipeline-pages-run');

  // The step page's chart: this step's attempts in recent runs.
  await page.goto(`/runs/${run.id}/steps/deploy-staging`);
  const stepChart = page.locator('[data-duration-chart]');
  await expect(stepChart.locator('[data-bar="failed"]').first()).toBeVisible();
  await expect(stepChart.locator('[data-bar="succeeded"]').last()).toHaveAttribute(
    'aria-label',
    new RegExp(`Run #${run.number}, attempt 2 \\(retry\\): succeeded`),
  );
  await expect(stepChart.locator('[data-duration-summary]')).toContainText(/median [0-9.]+ (ms|s)/);
  await lookAt(page, 'pipeline-pages-step');
});
