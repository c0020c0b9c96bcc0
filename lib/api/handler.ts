import { NextResponse } from 'next/server';
import { z } from 'zod';
import { DomainError } from '../errors';

export const MAX_BODY_BYTES = 1024 * 1024;

/** A DomainError as `{ error: { code, message, details } }` with its status; anything else a 500 that tells nothing. */
export function errorResponse(error: unknown) {
  if (error instanceof DomainError) {
    return NextResponse.json(
      { error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } },
      { status: error.status },
    );
  }
  console.error('[reprise] unexpected error', error);
  return NextResponse.json({ error: { code: 'internal', message: 'Something went wrong on our side.' } }, { status: 500 });
}

/** Reads and validates a JSON body (an empty body counts as `{}`): 413 when too large, 400 when malformed. */
export async function readJson<T extends z.ZodType>(request: Request, schema: T): Promise<z.infer<T>> {
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) throw new DomainError('payload_too_large', 'The request body is larger than 1 MiB.');
  let raw: unknown = {};
  if (text.trim()) {
    try {
      raw = JSON.parse(text);
    } catch {
      throw new DomainError('bad_request', 'The request body is not valid JSON.');
    }
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
