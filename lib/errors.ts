import type { FieldError } from './validation';

export type ErrorCode =
  | 'bad_request'
  | 'wrong_state'
  | 'unauthenticated'
  | 'forbidden'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'invalid_inputs'
  | 'rate_limited';

const STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  wrong_state: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  invalid_inputs: 422,
  rate_limited: 429,
};

/**
 * A refusal the caller can act on. Domain functions throw it; the API maps it
 * to `{ error: { code, message, details } }` with its status, and server
 * actions return it as data for the form.
 */
export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: FieldError[] | Record<string, unknown>,
  ) {
    super(message);
  }

  get status() {
    return STATUS[this.code];
  }
}

/** A 429: the API door answers it with `Retry-After`. */
export class RateLimitedError extends DomainError {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super('rate_limited', message, { retry_after_seconds: retryAfterSeconds });
  }
}

export const notFound = (what: string) => new DomainError('not_found', `${what} not found`);
