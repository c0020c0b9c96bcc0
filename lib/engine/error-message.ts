/**
 * What went wrong, in one line: drizzle wraps a database error in one whose
 * message is the whole query, with the database's own words in `cause`.
 */
export function errorMessage(error: unknown): string {
  const e = error as { message?: string; cause?: { message?: string } };
  const text = e?.cause?.message ?? e?.message ?? String(error);
  return text.split('\n')[0].slice(0, 500);
}
