import type { Send } from './api.gen';
import type { Colors } from './format';

/** What every command works with: the two senders of generated calls, and where and how it prints. */
export interface Context {
  /** Answers parsed JSON. */
  api: Send<unknown>;
  /** Answers the Response as it streams (events). */
  stream: Send<Response>;
  json: boolean;
  c: Colors;
  /** Whether log text keeps its colours (a terminal). */
  tty: boolean;
  out: (text: string) => void;
  err: (text: string) => void;
}

export const printJson = (ctx: Context, value: unknown) => ctx.out(JSON.stringify(value, null, 2));
