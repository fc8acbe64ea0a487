import * as path from 'node:path';

// The servers the journeys run against: one with the default token lifetimes, one whose
// access tokens live six seconds, for the refresh journeys, one whose frontend is
// http://localhost:<port>, for passkeys (browsers offer WebAuthn on a host name, never on an IP
// address), one that sends no activation e-mail, and one signing in through a provider. Their
// data lives in target/e2e/<name>/, which scripts/e2e empties before each run.
const root = path.resolve(__dirname, '../../..');
const binary = process.env.GATEHOUSE_BIN ?? path.join(root, 'target/debug/gatehouse');

function server(name: string, port: number, extra: Record<string, string> = {}, host = '127.0.0.1') {
  const data = path.join(root, 'target/e2e', name);
  const url = `http://127.0.0.1:${port}`;
  return {
    binary,
    url,
    /** Where people open the app. */
    frontend: `http://${host}:${port}`,
    outbox: path.join(data, 'outbox'),
    env: {
      GATEHOUSE_BIND: `127.0.0.1:${port}`,
      GATEHOUSE_DATABASE_URL: `sqlite://${data}/gatehouse.db`,
      GATEHOUSE_EMAIL_BACKEND: 'outbox',
      GATEHOUSE_EMAIL_OUTBOX_DIR: path.join(data, 'outbox'),
      GATEHOUSE_STATIC_DIR: path.join(root, 'dist'),
      GATEHOUSE_SECRET_KEY: 'end-to-end-tests-only-secret-key-0123456789',
      GATEHOUSE_LOG: 'warn',
      GATEHOUSE_FRONTEND_URL: `http://${host}:${port}`,
      // The journeys sign in dozens of times a minute from one address.
      GATEHOUSE_THROTTLE: 'false',
      ...extra,
    },
  };
}

// A real OpenID Connect provider (panva's oidc-provider, end2end/oidc-provider.mjs) that the
// `providers` server signs people in with, as "Acme ID".
const providerPort = Number(process.env.E2E_OIDC_PORT ?? 8315);
const providersPort = Number(process.env.E2E_PROVIDERS_PORT ?? 8314);
export const identityProvider = {
  issuer: `http://127.0.0.1:${providerPort}`,
  command: 'node oidc-provider.mjs',
  env: {
    OIDC_PORT: String(providerPort),
    OIDC_REDIRECT_URIS: `http://127.0.0.1:${providersPort}/o/acme/callback`,
    OIDC_CLIENT_ID: 'gatehouse-e2e',
    OIDC_CLIENT_SECRET: 'gatehouse-e2e-secret',
  },
};

export const servers = {
  main: server('main', Number(process.env.E2E_PORT ?? 8311)),
  short: server('short', Number(process.env.E2E_SHORT_PORT ?? 8312), { GATEHOUSE_ACCESS_TOKEN_LIFETIME: '6' }),
  passkeys: server('passkeys', Number(process.env.E2E_PASSKEYS_PORT ?? 8313), {}, 'localhost'),
  open: server('open', Number(process.env.E2E_OPEN_PORT ?? 8316), { GATEHOUSE_SEND_ACTIVATION_EMAIL: 'false' }),
  providers: server('providers', providersPort, {
    GATEHOUSE_OIDC_ACME_ISSUER: identityProvider.issuer,
    GATEHOUSE_OIDC_ACME_CLIENT_ID: identityProvider.env.OIDC_CLIENT_ID,
    GATEHOUSE_OIDC_ACME_CLIENT_SECRET: identityProvider.env.OIDC_CLIENT_SECRET,
    GATEHOUSE_OIDC_ACME_TITLE: 'Acme ID',
  }),
};
export type Server = (typeof servers)['main'];
