// A real OpenID provider for the single sign-on tests: panva's oidc-provider (certified), with
// its development login form (any account id from OIDC_TEST_CONFIG signs in, no password check)
// and no consent screen (the test client is first-party).
//
// OIDC_TEST_CONFIG (JSON): {"clients": [<client metadata>], "accounts": {"<id>": {<claims>}}}.
// Prints "issuer <url>" on stdout once it listens on a free loopback port.
//
// POST /_test/tamper with "signature", "audience", "expired" or "" makes the token endpoint
// answer with an ID token that is wrong in that one way (re-signed with a key the provider
// does not publish, for another audience, or expired an hour ago), as a compromised or
// misconfigured provider would; "" turns that off.
import http from 'node:http';

import { CompactSign, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.OIDC_TEST_CONFIG || '{}');
const accounts = config.accounts || {};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-key', use: 'sig', alg: 'RS256' };
const { privateKey: strangerKey } = await generateKeyPair('RS256');
let tamper = '';

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients || [],
  jwks: { keys: [signingJwk] },
  cookies: { keys: ['test-cookie-key-0123456789'] },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  async findAccount(_ctx, id) {
    if (!Object.hasOwn(accounts, id)) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...accounts[id] }; } };
  },
  // First-party client: every scope and claim asked for is granted without a consent screen.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope(ctx.oidc.requestParamScopes ? [...ctx.oidc.requestParamScopes].join(' ') : 'openid');
    grant.addOIDCClaims(['email', 'email_verified', 'name', 'preferred_username', 'groups']);
    await grant.save();
    return grant;
  },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
});

async function resign(idToken) {
  const claims = decodeJwt(idToken);
  let key = await importJWK(signingJwk, 'RS256');
  if (tamper === 'signature') key = strangerKey;
  if (tamper === 'audience') claims.aud = 'another-client';
  if (tamper === 'expired') {
    const now = Math.floor(Date.now() / 1000);
    claims.iat = now - 7200;
    claims.exp = now - 3600;
  }
  const payload = new TextEncoder().encode(JSON.stringify(claims));
  return new CompactSign(payload).setProtectedHeader({ alg: 'RS256', kid: signingJwk.kid, typ: 'JWT' }).sign(key);
}

provider.use(async (ctx, next) => {
  await next();
  if (tamper && ctx.path === '/token' && ctx.body && typeof ctx.body.id_token === 'string') {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token) };
  }
});

const handle = provider.callback();
server.on('request', (req, res) => {
  if (req.url === '/_test/tamper' && req.method === 'POST') {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      tamper = body.trim();
      res.writeHead(204).end();
    });
    return;
  }
  handle(req, res);
});

process.stdout.write(`issuer ${issuer}\n`);
process.on('SIGTERM', () => { server.close(); process.exit(0); });
