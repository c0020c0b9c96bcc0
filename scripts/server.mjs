#!/usr/bin/env node
// The app's HTTP server: `next start`, plus one thing. It is Next.js's own
// request handler behind a plain Node server, so that the live event stream
// can write to its clients' sockets directly (lib/server/stream-responses.mjs
// says why). Every request, the event stream included, still goes through
// Next.js: the proxy, the route's declared door, the same headers.
//
//   node scripts/server.mjs [-p 3000] [-H 0.0.0.0]      (PORT and HOSTNAME work too)
//
// Run by `npm start` (scripts/start.mjs) after a build; `next start` still
// works, without the direct writes.
import http from 'node:http';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { offerResponse } from '../lib/server/stream-responses.mjs';

const { values: args } = parseArgs({
  options: { port: { type: 'string', short: 'p' }, hostname: { type: 'string', short: 'H' } },
});
const port = Number(args.port || process.env.PORT || 3000);
const hostname = args.hostname || process.env.HOSTNAME || undefined;
// As `next start`: production React and Next.js, set before either is loaded.
process.env.NODE_ENV = 'production';

const { default: next } = await import('next');
const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const app = next({ dev: false, dir, port, hostname: hostname ?? 'localhost' });
const handle = app.getRequestHandler();
await app.prepare();

const server = http.createServer((req, res) => {
  offerResponse(req, res);
  handle(req, res).catch((error) => {
    console.error('[reprise] request failed', error);
    if (!res.headersSent) res.writeHead(500).end();
    else res.destroy();
  });
});
server.on('error', (error) => {
  console.error(`[reprise] could not listen on port ${port}: ${error.message}`);
  process.exit(1);
});
server.listen(port, hostname, () => {
  console.log(`[reprise] ready on http://${hostname ?? 'localhost'}:${port}`);
});
