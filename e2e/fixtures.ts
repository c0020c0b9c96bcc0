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

/** A new browser context signed in as someone other than the admin (their own cookies, their own role). */
export async function signInAs(browser: import('@playwright/test').Browser, user: { email: string; password: string }): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect(page).not.toHaveURL(/sign-in/);
  return page;
}
