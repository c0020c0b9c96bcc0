import { defineConfig } from 'drizzle-kit';

// Only `drizzle-kit generate` is used: it reads the schema, never a live
// database (pointing a tool at a running PGlite folder would corrupt it).
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/schema.ts',
  out: './db/migrations',
});
