#!/usr/bin/env node
// `npm start`: builds the app when its sources changed since the last build
// (or when there is none), then runs the server (scripts/server.mjs: `next start`
// with event streams written straight to their sockets). A second start with
// nothing changed skips the build and is ready in seconds.
import { spawnSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stampFile = path.join(root, '.next', 'reprise-source-hash');
const sources = ['app', 'components', 'lib', 'db', 'package-lock.json', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'instrumentation.ts'];

function hashSources() {
  const hash = createHash('sha256');
  const walk = (p) => {
    const full = path.join(root, p);
    if (!fs.existsSync(full)) return;
    const stat = fs.statSync(full);
    if (stat.isDirectory()) {
      for (const name of fs.readdirSync(full).sort()) {
        if (name === 'node_modules' || name.startsWith('.')) continue;
        walk(path.join(p, name));
      }
    } else if (!/\.test\.tsx?$/.test(p)) {
      hash.update(p).update('\0').update(fs.readFileSync(full)).update('\0');
    }
  };
  sources.forEach(walk);
  return hash.digest('hex');
}

const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const current = hashSources();
const built = fs.existsSync(stampFile) ? fs.readFileSync(stampFile, 'utf8').trim() : null;
if (built !== current || !fs.existsSync(path.join(root, '.next', 'BUILD_ID'))) {
  console.log('[reprise] building the dashboard (first start or sources changed)…');
  const result = spawnSync(bin('next'), ['build'], { cwd: root, stdio: 'inherit', env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' } });
  if (result.status !== 0) process.exit(result.status ?? 1);
  fs.writeFileSync(stampFile, current);
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
