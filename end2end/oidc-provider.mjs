// A real OpenID Connect provider for Gatehouse's tests: panva's certified `oidc-provider`, on
// 127.0.0.1 at a port the system picks, with one confidential client. It prints
// `READY <issuer>` once it listens, and stops on SIGTERM, or (with OIDC_WATCH_STDIN=1) when its
// standard input closes, so that it never outlives the test process that started it.
//
// Settings (environment): OIDC_REDIRECT_URIS (comma-separated, required), OIDC_CLIENT_ID,
// OIDC_CLIENT_SECRET, OIDC_PORT (0: any), OIDC_CLAIMS_IN_USERINFO=1 to keep the e-mail address
// out of the ID token (the provider's default), so that it is read from the userinfo endpoint.
//
// Whoever signs in on its login page is named by what they type as the login (their `sub`):
//   ana@example.com              that address, verified
//   unverified-ana@example.com   that address (ana@example.com), not vouched for
//   noemail-…                    no address at all
//   anything else                <login>@provider.test, verified
import http from 'node:http';
import Provider from 'oidc-provider';

const redirectUris = (process.env.OIDC_REDIRECT_URIS || '').split(',').map((uri) => uri.trim()).filter(Boolean);
if (redirectUris.length === 0) {
  console.error('OIDC_REDIRECT_URIS: required (the client\'s redirect URIs)');
  process.exit(2);
}

function claimsOf(login) {
  const unverified = login.startsWith('unverified-');
  const person = unverified ? login.slice('unverified-'.length) : login;
  const name = person.split('@')[0];
  const claims = { sub: login, given_name: 'Test', family_name: name, preferred_username: name };
  if (!login.startsWith('noemail')) {
    claims.email = person.includes('@') ? person : `${person}@provider.test`;
    claims.email_verified = !unverified;
  }
  return claims;
}

const configuration = {
  clients: [
    {
      client_id: process.env.OIDC_CLIENT_ID || 'gatehouse',
      client_secret: process.env.OIDC_CLIENT_SECRET || 'gatehouse-secret',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  // Every client uses PKCE, not only public ones.
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['given_name', 'family_name', 'preferred_username'],
  },
  // As Google does, the claims asked for by scope travel in the ID token, unless asked not to.
  conformIdTokenClaims: process.env.OIDC_CLAIMS_IN_USERINFO === '1',
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['gatehouse-test-provider'] },
  async findAccount(_context, login) {
    return { accountId: login, claims: async () => claimsOf(login) };
  },
};

const server = http.createServer();
server.listen(Number(process.env.OIDC_PORT || 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);
  server.on('request', provider.callback());
  process.stdout.write(`READY ${issuer}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
if (process.env.OIDC_WATCH_STDIN === '1') {
  process.stdin.on('end', stop);
  process.stdin.resume();
}
