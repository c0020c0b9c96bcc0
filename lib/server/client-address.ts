/**
 * The client's address, for the audit log and per-address rate limits.
 *
 * Next.js puts the socket's address in X-Forwarded-For when the request
 * has none. Behind a reverse proxy (REPRISE_TRUSTED_PROXY set), the proxy
 * appends the client it saw: the last entry is the one our proxy wrote. Without
 * one, a client could send its own header, so only a single plain address is
 * taken — a list is a forgery or a proxy we were not told about.
 */
/** Whether a reverse proxy we were told about (REPRISE_TRUSTED_PROXY) writes the X-Forwarded-* headers. */
export const behindTrustedProxy = () => !!process.env.REPRISE_TRUSTED_PROXY;

export function clientAddress(headers: Headers): string | null {
  const forwarded = headers.get('x-forwarded-for');
  if (!forwarded) return null;
  const entries = forwarded.split(',').map((e) => e.trim()).filter(Boolean);
  const address = behindTrustedProxy() ? entries[entries.length - 1] : entries.length === 1 ? entries[0] : null;
  return address && /^[0-9a-fA-F:.]{2,45}$/.test(address) ? address : null;
}
