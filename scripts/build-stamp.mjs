#!/usr/bin/env node
// What the build in .next was made from: a hash of the app's sources, written
// next to the build by `npm run build` and by `npm start` when it builds.
// `npm start` builds again only when the sources changed; the benchmark's live
// events section refuses a build of other sources (it would run the new
// migrations with the old code).
//
//   node scripts/build-stamp.mjs      writes the stamp of the current sources
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const stampFile = path.join(root, '.next', 'reprise-source-hash');
const sources = ['app', 'components', 'lib', 'db', 'package-lock.json', 'next.config.ts', 'postcss.config.mjs', 'tsconfig.json', 'instrumentation.ts'];

/** A hash of every source the build reads (tests excluded). */
export function sourcesHash() {
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

/** Whether .next holds a build of the sources as they are now. */
export function buildIsCurrent(current = sourcesHash()) {
  if (!fs.existsSync(path.join(root, '.next', 'BUILD_ID')) || !fs.existsSync(stampFile)) return false;
  return fs.readFileSync(stampFile, 'utf8').trim() === current;
}

export function writeStamp(current = sourcesHash()) {
  fs.writeFileSync(stampFile, current);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) writeStamp();
