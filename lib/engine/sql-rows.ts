/**
 * The rows of a raw `db.execute`: postgres-js returns them as the array
 * itself, PGlite as `{ rows }`.
 */
export function rowsOf(result: unknown): Record<string, unknown>[] {
  if (Array.isArray(result)) return result as Record<string, unknown>[];
  return ((result as { rows?: Record<string, unknown>[] }).rows ?? []);
}
