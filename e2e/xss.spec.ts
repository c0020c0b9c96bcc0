import fs from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { expect, signIn, test } from './fixtures';

// Whatever people and steps write — titles, parameters, inputs, logs with
// ANSI colours and OSC-8 links, outputs, errors, reasons — is shown as text:
// no dialog opens, no element is made from it, no javascript: link appears,
// and the Content-Security-Policy reports no violation on any page.
test.describe.configure({ mode: 'serial' });

const PAYLOAD = {
  title: `<img src=x onerror=alert('title')>`,
  stepTitle: `"><svg onload=alert('step')>`,
  input: `<script>alert('input')</script>`,
  param: `<iframe src="javascript:alert('param')"></iframe>`,
  log: `<img src=y onerror=alert('log')>`,
  output: `<a href="javascript:alert('output')">output</a>`,
  error: `<body onload=alert('error')>`,
  reason: `<img src=z onerror=alert('reason')>`,
  replay: `<details open ontoggle=alert('replay')>`,
  message: `<marquee onstart=alert('message')>`,
};

// A step that writes each payload where the dashboard will show it: a
// coloured log line, an OSC-8 hyperlink to javascript:, its outputs, and an
// error quoted from stderr.
const STEP_SCRIPT = `#!/bin/sh
case "$1" in
  spill)
    printf '\\033[31m%s\\033[0m plain\\n' "$LOG_PAYLOAD"
    printf '\\033]8;;javascript:alert(1)\\033\\\\osc8 link\\033]8;;\\033\\\\\\n'
    printf '{"html": %s}\\n' "$OUTPUT_JSON" > "$REPRISE_OUTPUTS"
    ;;
  explode)
    echo "$ERROR_PAYLOAD" >&2
    exit 3
    ;;
esac
`;

const PIPELINE = `name: xss
project: xss
title: ${JSON.stringify(PAYLOAD.title)}
params:
  type: object
  properties:
    note: { type: string, default: "plain" }
steps:
  - key: spill
    title: ${JSON.stringify(PAYLOAD.stepTitle)}
    inputs:
      payload: ${JSON.stringify(PAYLOAD.input)}
      note: "\${{ params.note }}"
    env:
      LOG_PAYLOAD: ${JSON.stringify(PAYLOAD.log)}
      OUTPUT_JSON: ${JSON.stringify(JSON.stringify(PAYLOAD.output))}
    run: ["sh", "./xss-step.sh", "spill"]
  - key: explode
    needs: [spill]
    title: Explode
    env:
      ERROR_PAYLOAD: ${JSON.stringify(PAYLOAD.error)}
    run: ["sh", "./xss-step.sh", "explode"]
`;

const bearer = () => ({ authorization: `Bearer ${process.env.E2E_TOKEN}` });

/** Watches a page for anything executing: dialogs and CSP violations. */
async function guard(page: Page) {
  const dialogs: string[] = [];
  page.on('dialog', async (dialog) => {
    dialogs.push(dialog.message());
    await dialog.dismiss();
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __csp: string[] }).__csp = seen;
    document.addEventListener('securitypolicyviolation', (e) =>
      seen.push(
        `${e.violatedDirective} ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}:${e.columnNumber} ${e.sample}`,
      ),
    );
  });
  return {
    async check(url: string) {
      await page.goto(url);
      // Hydrated: the client's own rendering (logs, JSON views) has run too.
      await page.waitForLoadState('load');
      await page.waitForTimeout(1_000);
      const violations = await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp);
      expect(violations, `CSP violations on ${url}`).toEqual([]);
      expect(dialogs, `dialogs on ${url}`).toEqual([]);
      // Nothing was made from the payloads: no element, no javascript: link.
      await expect(
        page.locator(
          'img[src="x"], img[src="y"], img[src="z"], svg[onload], iframe, marquee, details[ontoggle], body[onload]',
        ),
      ).toHaveCount(0);
      await expect(page.locator('a[href^="javascript:" i]')).toHaveCount(0);
    },
  };
}

test('payloads in titles, inputs, logs, outputs, errors and reasons render inert', async ({ page, request, api }) => {
  test.setTimeout(300_000);
  const dir = process.env.E2E_PIPELINES_DIR!;
  fs.writeFileSync(path.join(dir, 'xss-step.sh'), STEP_SCRIPT);
  fs.writeFileSync(path.join(dir, 'xss.yaml'), PIPELINE);
  // The server watches the folder.
  await expect
    .poll(async () => (await api.get<{ items: { name: string }[] }>('/api/v1/pipelines')).items.map((p) => p.name), {
      timeout: 30_000,
    })
    .toContain('xss');

  const run = await api.trigger('xss', { params: { note: PAYLOAD.param }, message: PAYLOAD.message });
  await api.waitFor(run.id, 'failed');
  const retried = await request.post(`/api/v1/runs/${run.id}/retry`, {
    headers: bearer(),
    data: { reason: PAYLOAD.reason },
  });
  expect(retried.status()).toBe(200);
  await api.waitFor(run.id, 'failed');
  const spill = (await api.run(run.id)).items.find((i) => i.key === 'spill')!;
  const replayed = await request.post(`/api/v1/runs/${run.id}/items/${spill.id}/replay`, {
    headers: bearer(),
    data: { inputs: { payload: PAYLOAD.replay }, reason: PAYLOAD.reason },
  });
  expect(replayed.status()).toBe(200);
  await api.waitFor(run.id, 'failed');

  const guarded = await guard(page);
  await signIn(page);
  const pipelineId = await api.pipelineId('xss');
  for (const url of [
    '/',
    '/pipelines',
    `/pipelines/${pipelineId}`,
    `/runs/${run.id}`,
    `/runs/${run.id}?step=spill`,
    `/runs/${run.id}/steps/spill`,
    `/runs/${run.id}/steps/explode`,
    `/runs/${run.id}/steps/spill/replay`,
    `/runs/${run.id}/steps/spill/compare?a=1&b=2`,
    // The audit log quotes the reasons; the project page names the pipeline.
    '/audit?project=xss',
    '/projects/xss',
  ]) {
    await guarded.check(url);
  }

  // And the payloads are there, as text.
  await page.goto(`/runs/${run.id}/steps/spill`);
  await expect(page.getByText(PAYLOAD.log).filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByText('osc8 link').filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByText(PAYLOAD.stepTitle).filter({ visible: true }).first()).toBeVisible();
  await expect(page.getByText(PAYLOAD.reason).filter({ visible: true }).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/xss-step.png', fullPage: true });
  await page.goto(`/runs/${run.id}/steps/explode`);
  await expect(page.getByText(PAYLOAD.error).filter({ visible: true }).first()).toBeVisible();
  await page.goto(`/runs/${run.id}`);
  await expect(page.getByText(PAYLOAD.title).filter({ visible: true }).first()).toBeVisible();
  await page.goto('/audit?project=xss');
  await expect(page.getByText(PAYLOAD.reason).filter({ visible: true }).first()).toBeVisible();
  await page.screenshot({ path: 'test-results/screenshots/xss-audit.png', fullPage: true });
});
