import { describe, expect, it } from 'vitest';
import { attemptsLogsOp, attemptsReplayOp, runsListOp } from './api.gen';
import { describeError } from './errors';
import { buildRequest, errorOf } from './http';

const connection = { url: 'https://reprise.example.com/', token: 'rp_secret' };

describe('requests made from the generated operation specs', () => {
  it('puts path fields in the path (escaped), body fields in a JSON body, with the bearer token', () => {
    const { url, init } = buildRequest(connection, attemptsReplayOp, {
      run_id: 'a/b',
      item_id: 'i1',
      inputs: { endpoint: 'https://x/v1/predict' },
      reason: undefined,
    }, { idempotencyKey: 'k1' });
    expect(url).toBe('https://reprise.example.com/api/v1/runs/a%2Fb/items/i1/replay');
    expect(init.method).toBe('POST');
    expect(JSON.parse(init.body!)).toEqual({ inputs: { endpoint: 'https://x/v1/predict' } });
    expect(init.headers).toMatchObject({ authorization: 'Bearer rp_secret', 'content-type': 'application/json', 'idempotency-key': 'k1' });
  });

  it('puts query fields in the query, leaving out the absent ones, and sends no body on GET', () => {
    const { url, init } = buildRequest(connection, runsListOp, { status: 'failed', limit: 5, pipeline: undefined });
    expect(url).toBe('https://reprise.example.com/api/v1/runs?status=failed&limit=5');
    expect(init.body).toBeUndefined();
    expect(buildRequest(connection, attemptsLogsOp, { attempt_id: 'x', after: 0 }).url).toBe(
      'https://reprise.example.com/api/v1/attempts/x/logs?after=0',
    );
  });

  it('refuses to build a path with a parameter missing', () => {
    expect(() => buildRequest(connection, attemptsLogsOp, {})).toThrow(/attempt_id is missing/);
  });
});

describe('errors', () => {
  it("are the API's message, its field problems and its status, on one line", async () => {
    const response = Response.json(
      {
        error: {
          code: 'invalid_inputs',
          message: 'The inputs do not match the inputSchema of "deploy".',
          details: [{ path: '/endpoint', message: 'must match pattern "^https?://"' }, { path: '/replicas', message: 'must be integer' }],
        },
      },
      { status: 422 },
    );
    const error = await errorOf(response);
    expect(describeError(error)).toBe(
      'The inputs do not match the inputSchema of "deploy". (/endpoint: must match pattern "^https?://"; /replicas: must be integer) [422 invalid_inputs]',
    );
  });

  it('say what to do about a refused token', async () => {
    const error = await errorOf(Response.json({ error: { code: 'unauthenticated', message: 'Sign in, or send Authorization: Bearer <token>.' } }, { status: 401 }));
    expect(describeError(error)).toMatch(/Bearer <token>\. Check REPRISE_TOKEN, or run `reprise login` with a valid token\. \[401 unauthenticated\]$/);
  });

  it('describe an answer that is not the API’s by its status', async () => {
    const error = await errorOf(new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    expect(describeError(error)).toBe('The server answered 502 Bad Gateway. [502 http_error]');
  });
});
