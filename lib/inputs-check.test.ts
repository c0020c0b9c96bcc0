import { describe, expect, it } from 'vitest';
import { checkInputsText } from './inputs-check';

const schema = {
  type: 'object',
  required: ['endpoint', 'replicas'],
  properties: { endpoint: { type: 'string', pattern: '^https?://' }, replicas: { type: 'integer', minimum: 1 } },
};

describe('checking replay inputs as they are typed', () => {
  it('places syntax errors in the text', () => {
    const text = '{\n  "endpoint": \n}';
    const [problem] = checkInputsText(text, schema);
    expect(problem.message).toMatch(/^Invalid JSON: value expected/);
    expect(text.slice(0, problem.from).split('\n').length).toBe(3);
  });

  it('places schema errors at the value they are about, and a missing property at its object', () => {
    const text = '{\n  "endpoint": "ftp://x",\n  "replicas": 0\n}';
    const problems = checkInputsText(text, schema);
    expect(problems.map((p) => [p.path, text.slice(0, p.from).split('\n').length])).toEqual([
      ['/endpoint', 2],
      ['/replicas', 3],
    ]);
    const missing = checkInputsText('{ "endpoint": "http://x" }', schema);
    expect(missing).toEqual([expect.objectContaining({ path: '/replicas', message: '/replicas is required', from: 0 })]);
    expect(checkInputsText('{ "endpoint": "http://x", "replicas": 2 }', schema)).toEqual([]);
    expect(checkInputsText('[1]', schema)[0].message).toMatch(/must be an object/);
  });

  it('lets a secret left as "••••" pass (the server checks the value it keeps), but checks a newly typed one', () => {
    const secret = { type: 'object', properties: { token: { type: 'string', 'x-secret': true, pattern: '^tok-' } } };
    expect(checkInputsText('{ "token": "••••" }', secret)).toEqual([]);
    expect(checkInputsText('{ "token": "nope" }', secret)).toEqual([expect.objectContaining({ path: '/token' })]);
  });
});
