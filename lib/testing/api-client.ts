import type { Database } from '@/db/client';
import { issueToken } from '../auth/tokens';
import { buildRuntime, provideRuntime, type Runtime } from '../server/runtime';
import type { Actor } from '../actor';

type Handler = (request: Request, context: { params: Promise<never> }) => Promise<Response>;

/**
 * Calls route handlers the way Next.js does — a Request in, a Response out —
 * against a test database, authenticated with a real API token.
 */
export async function apiClient(database: Database, actor: Actor): Promise<{ runtime: Runtime; token: string; call: typeof call }> {
  const runtime = await buildRuntime(database, { worker: false });
  provideRuntime(runtime);
  const { token } = await issueToken(database.db, { userId: actor.userId, name: 'test' });
  async function call(
    handler: Handler,
    init: { method?: string; path: string; params?: Record<string, string>; body?: unknown; token?: string | null; headers?: Record<string, string> },
  ) {
    const headers: Record<string, string> = { ...init.headers };
    const bearer = init.token === undefined ? token : init.token;
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    let body: string | undefined;
    if (init.body !== undefined) {
      body = typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
      headers['content-type'] = 'application/json';
    }
    const response = await handler(new Request(`http://reprise.test${init.path}`, { method: init.method ?? 'GET', headers, body }), {
      params: Promise.resolve(init.params ?? {}) as Promise<never>,
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : null };
  }
  return { runtime, token, call };
}
