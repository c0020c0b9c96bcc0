const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "500ms", "5s", "10m", "1h", "7d" or "1m30s" into milliseconds; null when malformed. */
export function parseDuration(text: string): number | null {
  const parts = text.trim().match(/^(\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/);
  if (!parts) return null;
  let total = 0;
  for (const [, value, unit] of text.trim().matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(value) * UNITS[unit];
  }
  return Math.round(total);
}
