import { NextResponse } from 'next/server';
import { z } from 'zod';
import { DomainError, RateLimitedError } from '../errors';

export const MAX_BODY_BYTES = 1024 * 1024;

/** A DomainError as `{ error: { code, message, details } }` with its status (a 429 with `Retry-After`); anything else a 500 that tells nothing. */
export function errorResponse(error: unknown) {
  if (error instanceof DomainError) {
    return NextResponse.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      { status: error.status, headers: error instanceof RateLimitedError ? { 'Retry-After': String(error.retryAfterSeconds) } : {} },
    );
  }
  console.error('[reprise] unexpected error', error);
  return NextResponse.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, { status: 500 });
}

/** Deeper than this, a body is not something a person or a client of this API means to send. */
export const MAX_JSON_DEPTH = 64;

/**
 * The nesting depth of JSON text, counted in one pass over the characters
 * (no recursion, no parse), so a body nested 100,000 levels is refused before
 * anything walks it.
 */
export function jsonDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next character is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a string cannot be stored as it is, or null: PostgreSQL's text and
 * jsonb hold neither NUL nor half a UTF-16 surrogate pair, and would answer
 * such a value with an error deep inside a transaction.
 */
export function unstorableText(s: string): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must not contain unpaired UTF-16 surrogates';
  return null;
}

/** Every string (keys too) in a parsed JSON value, walked with a stack; the first unstorable one. */
export function findUnstorable(value: unknown): { path: string; message: string } | null {
  const stack: { value: unknown; path: string }[] = [{ value, path: '' }];
  while (stack.length) {
    const { value: v, path } = stack.pop()!;
    if (typeof v === 'string') {
      const problem = unstorableText(v);
      if (problem) return { path: path || '/', message: problem };
    } else if (v && typeof v === 'object') {
      for (const [key, child] of Object.entries(v)) {
        const at = `${path}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
        const problem = unstorableText(key);
        if (problem) return { path: at, message: `name ${problem}` };
        stack.push({ value: child, path: at });
      }
    }
  }
  return null;
}

/** `application/json`, or a JSON-based type such as `application/merge-patch+json`. */
const isJsonMediaType = (contentType: string) => /^application\/([\w.-]+\+)?json$/i.test(contentType.split(';')[0].trim());

/**
 * Reads and validates a JSON body (an empty body counts as `{}`): 413 when too
 * large, 415 when it says it is something other than JSON, 400 when malformed,
 * nested deeper than 64 levels, or holding text PostgreSQL cannot store.
 */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  let raw: unknown = {};
  if (text.trim()) {
    const contentType = request.headers.get('content-type');
    if (!contentType || !isJsonMediaType(contentType)) {
      throw new DomainError('unsupported_media_type', 'Send the request body as JSON, with Content-Type: application/json.');
    }
    if (jsonDepth(text) > MAX_JSON_DEPTH) throw new DomainError('bad_request', `The request body is nested deeper than ${MAX_JSON_DEPTH} levels.`);
    try {
      raw = JSON.parse(text);
    } catch {
      throw new DomainError('bad_request', 'The request body is not valid JSON.');
    }
    const unstorable = findUnstorable(raw);
    if (unstorable) throw new DomainError('bad_request', 'The request body holds text that cannot be stored.', [unstorable]);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new DomainError(
      'bad_request',
      'The request body does not have the expected shape.',
      parsed.error.issues.map((i) => ({ path: '/' + i.path.map(String).join('/'), message: i.message })),
    );
  }
  return parsed.data;
}
