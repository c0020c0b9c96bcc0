import path from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { alias: { '@': path.resolve(import.meta.dirname) } },
  test: {
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', 'e2e/**', '.next/**'],
    testTimeout: 60_000,
    // Generous: a database is created and migrated per file, and the machine may be busy with a build beside the tests.
    hookTimeout: 180_000,
    // Each file opens its own database; two at a time suits a 2-core machine.
    maxWorkers: 2,
    fileParallelism: true,
    // next-auth imports 'next/server' without an extension, which only a
    // bundler resolves: let Vite process it.
    server: { deps: { inline: ['next-auth'] } },
  },
});
