import type { Server } from 'node:http';

/**
 * A local OpenID Connect provider for the single sign-on journey
 * (`oidc-provider`, in the test's own process). playwright.config.ts points
 * the app at it through the REPRISE_OIDC_* variables; the app discovers it
 * only when someone clicks "Sign in with …", so it runs just for that spec.
 */
export const OIDC = {
  port: () => Number(process.env.E2E_OIDC_PORT),
  issuer: () => `http://127.0.0.1:${process.env.E2E_OIDC_PORT}`,
  clientId: 'reprise-e2e',
  clientSecret: 'e2e-oidc-client-secret-not-for-production',
  name: 'Test ID',
  scope: 'openid email profile groups',
  // The developers group operates the demo project; every other group maps to nothing.
  roleMap: 'developers=operator@demo;auditors=viewer@nowhere',
};

/** The provider's people: the login form takes the account id and any password. */
export const SSO_ACCOUNTS = {
  olivia: {
    email: 'olivia@example.test',
    email_verified: true,
    name: 'Olivia Oncall',
    groups: ['developers', 'coffee-club'],
  },
  noah: { email: 'noah@example.test', email_verified: true, name: 'Noah Nogroup', groups: [] as string[] },
};

export async function startOidcProvider(appOrigin: string): Promise<{ stop(): Promise<void> }> {
  const { default: Provider } = await import('oidc-provider');
  const accounts: Record<string, Record<string, unknown>> = SSO_ACCOUNTS;
  const provider = new Provider(OIDC.issuer(), {
    clients: [
      {
        client_id: OIDC.clientId,
        client_secret: OIDC.clientSecret,
        redirect_uris: [`${appOrigin}/api/auth/callback/oidc`],
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'email', 'profile', 'groups'],
    async findAccount(_ctx, sub) {
      const account = accounts[sub];
      return account ? { accountId: sub, claims: () => ({ sub, ...account }) } : undefined;
    },
    // A first-party client: consent is given, so the journey meets only the login form.
    async loadExistingGrant(ctx) {
      const session = ctx.oidc.session;
      const client = ctx.oidc.client;
      if (!session?.accountId || !client) return undefined;
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(OIDC.scope);
      await grant.save();
      return grant;
    },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['e2e-oidc-cookie-key-not-for-production'] },
  });
  // Why the provider refused a step, in the test's output (oidc-provider otherwise only answers the app).
  provider.on('grant.error', (_ctx, error: Error & { error_detail?: string }) =>
    console.log('[oidc-provider] grant error:', error.message, error.error_detail ?? ''),
  );
  provider.on('server_error', (_ctx, error: Error) => console.log('[oidc-provider] server error:', error));
  const server: Server = await new Promise((resolve, reject) => {
    const listening = provider.listen(OIDC.port(), '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
