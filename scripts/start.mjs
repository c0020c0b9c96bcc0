#!/usr/bin/env node
// `npm start`: builds the app when its sources changed since the last build
// (or when there is none), then runs the server (scripts/server.mjs: `next start`
// with event streams written straight to their sockets). A second start with
// nothing changed skips the build and is ready in seconds.
import { spawnSync, spawn } from 'node:child_process';
import path from 'node:path';
import { buildIsCurrent, root, sourcesHash, writeStamp } from './build-stamp.mjs';

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const current = sourcesHash();
if (!buildIsCurrent(current)) {
  console.log('[reprise] building the dashboard (first start or sources changed)…');
  const result = spawnSync(bin('next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeStamp(current);
}

const port = process.env.PORT || '3000';
console.log(`[reprise] starting on http://localhost:${port}`);
const server = spawn(process.execPath, [path.join(root, 'scripts', 'server.mjs'), '-p', port], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
