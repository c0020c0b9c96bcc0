/** The request header the proxy sets to the path asked for (proxy.ts). */
export const REQUEST_PATH_HEADER = 'x-reprise-path';

/**
 * Where to go after signing in: only a path of this dashboard. Anything that
 * a browser could read as another site (`//evil.com`, `/\evil.com`,
 * `https://evil.com`, a `javascript:` URL, control characters that browsers
 * strip) is refused, and the sign-in lands on the home page instead.
 */
export function safeCallbackPath(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 2000) return null;
  if (!value.startsWith('/') || value.startsWith('//')) return null;
  // Browsers treat a backslash as a slash and drop tabs and newlines from URLs.
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return null;
  const base = 'http://reprise.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return null;
  }
  if (url.origin !== base) return null;
  // The sign-in pages themselves are no place to come back to.
  if (url.pathname === '/sign-in' || url.pathname.startsWith('/api/auth')) return null;
  return url.pathname + url.search + url.hash;
}
