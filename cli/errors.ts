/** Exit codes: a script can tell a failed run from a mistyped command from a refusal by the server. */
export const EXIT = {
  ok: 0,
  /** The run (or the one watched) ended failed or cancelled. */
  runFailed: 1,
  /** The command line was wrong, or nothing says which server to talk to. */
  usage: 2,
  /** The server refused or could not be reached. */
  api: 3,
} as const;

/** A mistake on the command line (an unknown pipeline name counts: it is what was typed). */
export class UsageError extends Error {}

/** The API's `{ error: { code, message, details } }`, or why no answer came. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** One line for stderr: the server's message, its field problems, and the status. */
export function describeError(error: ApiError): string {
  const problems = Array.isArray(error.details)
    ? (error.details as unknown[])
        .map((d) => {
          if (!d || typeof d !== 'object') return null;
          const { path, message } = d as { path?: unknown; message?: unknown };
          if (typeof message !== 'string') return null;
          return typeof path === 'string' && path && path !== '/' ? `${path}: ${message}` : message;
        })
        .filter((d): d is string => d !== null)
    : [];
  const status = error.status ? `${error.status} ${error.code}` : error.code;
  const hint =
    error.status === 401 ? ' Check REPRISE_TOKEN, or run `reprise login` with a valid token.' : '';
  return `${error.message}${problems.length ? ` (${problems.join('; ')})` : ''}${hint} [${status}]`.replace(/\s*\n\s*/g, ' ');
}
