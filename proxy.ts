import { NextResponse, type NextRequest } from 'next/server';
import { REQUEST_PATH_HEADER } from './lib/auth/callback-path';
import { publicOrigin } from './lib/paths';

/**
 * In front of every page and answer: the security headers, and the refusals
 * Next.js would otherwise answer with a 500 of its own (a path that does not
 * decode, a server action posted from another site). Authorization is never
 * decided here: every door checks its caller itself.
 */
export function proxy(request: NextRequest) {
  const refusal = refuse(request);
  if (refusal) return withSecurityHeaders(refusal, contentSecurityPolicy(null));

  const nonce = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  const policy = contentSecurityPolicy(nonce);
  // Next.js reads the nonce from the request's CSP header and puts it on its
  // own scripts; the root layout reads x-nonce for the theme script.
  const forwarded = new Headers(request.headers);
  forwarded.set('content-security-policy', policy);
  forwarded.set('x-nonce', nonce);
  // The page asked for, so a page that finds nobody signed in can send them
  // to sign-in and back here (lib/auth/identity.ts). Always ours: a caller's
  // own x-reprise-path is overwritten.
  const asked = request.nextUrl.clone();
  asked.searchParams.delete('_rsc'); // Next.js's own marker of a client navigation, not part of the page's address
  forwarded.set(REQUEST_PATH_HEADER, asked.pathname + asked.search);
  return withSecurityHeaders(NextResponse.next({ request: { headers: forwarded } }), policy);
}

/**
 * Scripts only with this response's nonce (and what they load: strict-dynamic);
 * inline style attributes are allowed (React's `style` props, the graph's
 * positions). React needs eval in development only, for its error overlays.
 */
export function contentSecurityPolicy(nonce: string | null) {
  const dev = process.env.NODE_ENV === 'development' ? " 'unsafe-eval'" : '';
  return [
    "default-src 'self'",
    nonce ? `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${dev}` : "script-src 'none'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join('; ');
}

function withSecurityHeaders(response: NextResponse, policy: string) {
  response.headers.set('Content-Security-Policy', policy);
  response.headers.set('X-Content-Type-Options', 'nosniff');
  response.headers.set('Referrer-Policy', 'strict-origin-when-cross-origin');
  response.headers.set('X-Frame-Options', 'DENY');
  return response;
}

const refusal = (status: number, code: string, message: string) => NextResponse.json({ error: { code, message } }, { status, headers: { 'Cache-Control': 'no-store' } });

function refuse(request: NextRequest): NextResponse | null {
  // The raw path, as sent: request.nextUrl may already be normalised.
  const rawPath = new URL(request.url).pathname;
  for (const segment of rawPath.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return refusal(400, 'bad_request', 'The path is not valid percent-encoding.');
    }
    if (decoded.includes('\u0000')) return refusal(400, 'bad_request', 'The path must not contain NUL characters.');
  }
  if (request.method === 'POST' && request.headers.has('next-action') && !sameOrigin(request)) {
    return refusal(403, 'forbidden', 'This form was sent from another site.');
  }
  return null;
}

/**
 * A server action is a POST anyone's page could send: it must come from a
 * page of this dashboard. Next.js checks this too, but answers a mismatch
 * with a 500; here it is a 403. A request without Origin (no browser sends
 * an action without one) is left to Next.js's own check.
 */
function sameOrigin(request: NextRequest) {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return false;
  }
  // publicOrigin already takes a trusted proxy's X-Forwarded-Host (and only then).
  const allowed = [request.headers.get('host'), hostOf(publicOrigin({ url: request.url, headers: request.headers }))];
  return allowed.some((a) => !!a && a.toLowerCase() === host.toLowerCase());
}

function hostOf(url: string) {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}

export const config = {
  // Everything but the build's static files, which carry no markup to protect.
  matcher: ['/((?!_next/static|_next/image|favicon.ico).*)'],
};
