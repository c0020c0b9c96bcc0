import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';
import { OIDC } from './e2e/oidc-provider';

const PORT = Number(process.env.E2E_PORT || 3210);
// One fresh embedded database per e2e session; set once so the test workers
// (which re-read this file) agree with the server.
process.env.E2E_DATA_DIR ??= fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-e2e-'));
process.env.E2E_TOKEN ??= `rp_e2e_${Date.now()}`;
// The demo pipelines, copied to a folder a journey may add pipelines to (the
// server watches it); the scripts they name by '../scripts/' stay where they are.
if (!process.env.E2E_PIPELINES_DIR) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'reprise-e2e-pipelines-'));
  process.env.E2E_PIPELINES_DIR = path.join(root, 'pipelines');
  fs.cpSync(path.resolve('examples/pipelines'), process.env.E2E_PIPELINES_DIR, { recursive: true });
  fs.symlinkSync(path.resolve('examples/scripts'), path.join(root, 'scripts'));
}
// The local OpenID Connect provider of the single sign-on journey (e2e/sso.spec.ts) listens here.
process.env.E2E_OIDC_PORT ??= String(PORT + 10);

export default defineConfig({
  testDir: 'e2e',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: process.env.CI ? 'list' : [['list'], ['html', { open: 'never' }]],
  use: {
    baseURL: `http://127.0.0.1:${PORT}`,
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
  },
  // The first-run journey meets the fresh database (no admin yet); every
  // other journey signs in as the admin it created.
  projects: [
    { name: 'first-run', testMatch: /first-run\.spec\.ts/ },
    { name: 'journeys', testIgnore: /first-run\.spec\.ts/, dependencies: ['first-run'] },
  ],
  webServer: {
    // The server `npm start` runs (scripts/server.mjs), so the journeys go through its event streams.
    command: `node scripts/server.mjs -p ${PORT}`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'pipe',
    env: {
      REPRISE_DATA_DIR: process.env.E2E_DATA_DIR,
      REPRISE_PIPELINES: process.env.E2E_PIPELINES_DIR,
      REPRISE_BOOTSTRAP_TOKEN: process.env.E2E_TOKEN,
      AUTH_SECRET: 'e2e-secret-not-for-production-0123456789',
      REPRISE_POLL_MS: '200',
      // Recycle event streams quickly, so resuming with Last-Event-ID is exercised.
      REPRISE_SSE_MAX_MS: '4000',
      // Every journey signs in from 127.0.0.1: the per-address limit would soon
      // refuse them all. The per-account default stays (sign-in-limit.spec.ts).
      REPRISE_RATE_LIMIT_SIGNIN: '10/15m,1000/15m',
      NEXT_TELEMETRY_DISABLED: '1',
      // Single sign-on through the provider e2e/sso.spec.ts starts; the app
      // discovers it at the first SSO sign-in, so other journeys need none.
      REPRISE_OIDC_ISSUER: OIDC.issuer(),
      REPRISE_OIDC_CLIENT_ID: OIDC.clientId,
      REPRISE_OIDC_CLIENT_SECRET: OIDC.clientSecret,
      REPRISE_OIDC_NAME: OIDC.name,
      REPRISE_OIDC_SCOPE: OIDC.scope,
      REPRISE_OIDC_ROLE_MAP: OIDC.roleMap,
    },
  },
});
