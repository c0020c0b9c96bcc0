import type { CallOptions, OperationSpec, Send } from './api.gen';
import { ApiError } from './errors';

export interface Connection {
  url: string;
  token: string;
}

/** A path or query value: what the generated types allow there (strings, numbers, booleans). */
const scalar = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));

/** The request an operation's input makes: each field where its OperationSpec puts it. */
export function buildRequest(connection: Connection, op: OperationSpec, fields: object, options: CallOptions = {}) {
  const input = fields as Record<string, unknown>;
  const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = input[name];
    if (value === undefined || value === null || value === '') throw new Error(`${op.id}: the path parameter ${name} is missing`);
    return encodeURIComponent(scalar(value));
  });
  const url = new URL(connection.url.replace(/\/+$/, '') + path);
  for (const name of op.queryParams) {
    const value = input[name];
    if (value !== undefined && value !== null) url.searchParams.set(name, scalar(value));
  }
  const headers: Record<string, string> = { authorization: `Bearer ${connection.token}`, accept: 'application/json' };
  let body: string | undefined;
  if (op.method !== 'GET' && op.method !== 'DELETE') {
    body = JSON.stringify(Object.fromEntries(op.bodyParams.filter((n) => input[n] !== undefined).map((n) => [n, input[n]])));
    headers['content-type'] = 'application/json';
  }
  if (options.idempotencyKey && op.idempotent) headers['idempotency-key'] = options.idempotencyKey;
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  return { url: url.toString(), init: { method: op.method, headers, body, signal: options.signal } satisfies RequestInit };
}

async function send(connection: Connection, op: OperationSpec, input: object, options?: CallOptions) {
  const { url, init } = buildRequest(connection, op, input, options);
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (options?.signal?.aborted) throw error;
    const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
    throw new ApiError(0, 'unreachable', `Cannot reach ${connection.url}: ${cause}.`);
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

/** The API's error body as an ApiError; an answer that is not one (a proxy's page) by its status. */
export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown; details?: unknown } };
    if (parsed.error && typeof parsed.error.message === 'string') {
      return new ApiError(response.status, typeof parsed.error.code === 'string' ? parsed.error.code : 'error', parsed.error.message, parsed.error.details);
    }
  } catch {
    // not JSON: described by its status below
  }
  const retry = response.headers.get('retry-after');
  return new ApiError(
    response.status,
    'http_error',
    `The server answered ${response.status} ${response.statusText}${retry ? ` (retry after ${retry} s)` : ''}.`,
  );
}

/** Sends an operation and answers its parsed JSON. */
export const jsonSender =
  (connection: Connection): Send<unknown> =>
  async (op, input, options) => {
    const response = await send(connection, op, input, options);
    const text = await response.text();
    try {
      return text ? (JSON.parse(text) as unknown) : null;
    } catch {
      throw new ApiError(response.status, 'not_json', `The server's answer to ${op.id} is not JSON: is ${connection.url} a Reprise server?`);
    }
  };

/** Sends an operation and answers the Response as it is (the event stream). */
export const streamSender =
  (connection: Connection): Send<Response> =>
  (op, input, options) =>
    send(connection, op, input, options);
