#!/usr/bin/env node
// `npx reprise …`: the CLI is TypeScript (cli/main.ts), loaded through tsx
// (a dependency of the package) without touching the rest of the process.
import { tsImport } from 'tsx/esm/api';

const { main } = await tsImport('../cli/main.ts', import.meta.url);
const code = await main(process.argv.slice(2));
// fetch keeps idle connections open for a while, which would hold the process
// up after its work is done: exit once everything written has been flushed.
let unflushed = 2;
const flushed = () => {
  if (--unflushed === 0) process.exit(code);
};
process.exitCode = code;
process.stdout.write('', flushed);
process.stderr.write('', flushed);
