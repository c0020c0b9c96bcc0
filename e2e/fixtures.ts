import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { test as base, expect, type APIRequestContext, type Page } from '@playwright/test';

export const ADMIN = { name: 'Ana Operator', email: 'ana@example.test', password: 'correct horse battery' };

interface RunJson {
  id: string;
  number: number;
  status: string;
  attempt: number;
  pipeline_id: string;
  items: { id: string; key: string; status: string; attempt_count: number }[];
}

/** The HTTP API, authenticated with the bootstrap token the e2e server was started with. */
export class Api {
  constructor(private readonly request: APIRequestContext) {}

  private get headers() {
    return { authorization: `Bearer ${process.env.E2E_TOKEN}` };
  }

  async get<T>(path: string): Promise<T> {
    const res = await this.request.get(path, { headers: this.headers });
    expect(res.status(), `GET ${path}`).toBe(200);
    return (await res.json()) as T;
  }

  async pipelineId(name: string) {
    const { items } = await this.get<{ items: { id: string; name: string }[] }>('/api/v1/pipelines');
    const found = items.find((p) => p.name === name);
    if (!found) throw new Error(`pipeline ${name} is not loaded`);
    return found.id;
  }

  run(id: string) {
    return this.get<RunJson>(`/api/v1/runs/${id}`);
  }

  async trigger(pipeline: string, body: Record<string, unknown> = {}) {
    const id = await this.pipelineId(pipeline);
    const res = await this.request.post(`/api/v1/pipelines/${id}/runs`, { headers: this.headers, data: body });
    expect(res.status()).toBe(201);
    return (await res.json()) as RunJson;
  }

  async retry(runId: string, reason = 'e2e') {
    const res = await this.request.post(`/api/v1/runs/${runId}/retry`, { headers: this.headers, data: { reason } });
    expect(res.status()).toBe(200);
    return (await res.json()) as RunJson;
  }

  async waitFor(runId: string, status: string) {
    await expect.poll(async () => (await this.run(runId)).status, { timeout: 30_000 }).toBe(status);
  }

  /** The run the demo started on the fresh database (#1 of the pipeline), once it has finished. */
  async demoRun(pipeline: string, status: string) {
    const pipelineId = await this.pipelineId(pipeline);
    let run: RunJson | undefined;
    await expect
      .poll(
        async () => {
          const { items } = await this.get<{ items: RunJson[] }>(`/api/v1/runs?pipeline=${pipelineId}&limit=100`);
          run = items.find((r) => r.number === 1);
          return run?.status;
        },
        { timeout: 30_000 },
      )
      .toBe(status);
    return this.run(run!.id);
  }
}

export async function signIn(page: Page) {
  await page.goto('/sign-in');
  if (page.url().includes('/setup')) {
    // A spec run on its own meets a fresh database: create the admin first.
    await page.getByLabel('Name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create admin account' }).click();
    await expect(page).not.toHaveURL(/setup/);
    return;
  }
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/sign-in/);
}

export const test = base.extend<{ api: Api; signedInPage: Page }>({
  api: async ({ request }, use) => {
    await use(new Api(request));
  },
  signedInPage: async ({ page }, use) => {
    await signIn(page);
    await use(page);
  },
});

export { expect };

/**
 * The widths pages are photographed at when a person is going to look
 * (`E2E_SHOTS=1 npm run test:e2e`, then open test-results/screenshots/).
 * Without E2E_SHOTS nothing is photographed; lookAt still checks each page.
 */
export const WIDTHS: number[] = [1280, 1024];

/** Where E2E_SHOTS=1 puts the photographs. */
export const SHOTS = path.join('test-results', 'screenshots');

/** axe's serious and critical findings on the page as it is; `rules` limits it to those. */
export async function seriousViolations(page: Page, rules?: string[]): Promise<string[]> {
  const builder = new AxeBuilder({ page });
  const results = await (rules ? builder.withRules(rules) : builder).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.id} (${v.impact}): ${v.nodes
          .map((n) => n.target.join(' '))
          .slice(0, 3)
          .join(', ')}`,
    );
}

/**
 * Looks at the page as it is now (a dialog open stays open), light then dark,
 * switched in place as the header's toggle does: no serious axe finding
 * (names, roles and landmarks are the same in both themes, so the dark pass
 * checks the colours), and nothing making the page scroll sideways at
 * 1024 px. With E2E_SHOTS=1 it is also photographed at each of WIDTHS, into
 * SHOTS as `<name>-<theme>-<width>.png`, for a person to look at. Findings
 * are soft: every page of a journey is looked at before the test fails.
 */
export async function lookAt(
  page: Page,
  name: string,
  { fullPage = true }: { fullPage?: boolean } = {},
): Promise<string[]> {
  const found: string[] = [];
  for (const theme of ['light', 'dark'] as const) {
    await page.evaluate((dark) => document.documentElement.classList.toggle('dark', dark), theme === 'dark');
    if (process.env.E2E_SHOTS) {
      for (const width of WIDTHS) {
        await page.setViewportSize({ width, height: 900 });
        await page.screenshot({ path: path.join(SHOTS, `${name}-${theme}-${width}.png`), fullPage });
      }
    }
    await page.setViewportSize({ width: 1024, height: 900 });
    const overflow = await sideOverflow(page);
    if (overflow.length) found.push(`${name}, ${theme}, at 1024 px: ${overflow.join('; ')}`);
    for (const v of await seriousViolations(page, theme === 'dark' ? ['color-contrast'] : undefined))
      found.push(`${name}, ${theme}: ${v}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  }
  await page.evaluate(() =>
    document.documentElement.classList.toggle('dark', localStorage.getItem('theme') === 'dark'),
  );
  expect.soft(found, `what ${name} shows`).toEqual([]);
  return found;
}

/**
 * What makes the page scroll sideways at its current width: [] when nothing
 * does; else how far, and the outermost elements sticking out (those inside a
 * box that scrolls on its own are that box's business, not the page's).
 */
export async function sideOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const limit = root.clientWidth;
    if (root.scrollWidth <= limit) return [];
    const clips = (el: Element) => ['auto', 'scroll', 'hidden', 'clip'].includes(getComputedStyle(el).overflowX);
    const culprits: string[] = [];
    for (const el of document.body.querySelectorAll('*')) {
      const right = el.getBoundingClientRect().right;
      const parent = el.parentElement;
      if (right <= limit + 1 || !parent || parent.getBoundingClientRect().right > limit + 1) continue;
      let inside = false;
      for (let up: Element | null = parent; up && up !== document.body; up = up.parentElement)
        if (clips(up)) inside = true;
      if (inside) continue;
      const name =
        el.tagName.toLowerCase() +
        [...el.classList]
          .slice(0, 5)
          .map((c) => `.${c}`)
          .join('');
      culprits.push(`${name} (${Math.round(right - limit)} px out: ${(el.textContent ?? '').trim().slice(0, 40)})`);
    }
    return [`${root.scrollWidth - limit} px wider than the ${limit} px window`, ...culprits.slice(0, 5)];
  });
}

/** A new browser context signed in as someone other than the admin (their own cookies, their own role). */
export async function signInAs(
  browser: import('@playwright/test').Browser,
  user: { email: string; password: string },
): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/sign-in/);
  return page;
}
