import type { FieldError } from '../validation';

/** What a server action answers (lib/operations/action.ts): data, or a refusal the form shows. */
export type ActionResult<T> =
  | { ok: true; data: T }
  | { ok: false; error: { code: string; status: number; message: string; details?: FieldError[] | Record<string, unknown> } };
