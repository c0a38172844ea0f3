// Signing agents in. config.json (next to index.html) says how:
//
//   {"auth": "dev", "api_base_url": "...", "dev_token": "dev"}            the local run
//   {"auth": "oidc", "api_base_url": "...", "client_id": "...",
//    "authorize_url": "...", "token_url": "...", "logout_url": "...",    Cognito managed login,
//    "issuer": "...", "scopes": "openid email"}                           or any OIDC issuer
//
// With OIDC the console uses the authorization code flow with PKCE (a public
// client, no secret) and sends the ID token, which carries the email claim
// the API records as who did what. Tokens live in sessionStorage: gone when
// the tab closes.

const store = sessionStorage;
const TOKENS = 'tc.tokens';
const PKCE = 'tc.pkce';

function b64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString() {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

function claims(jwt) {
  try {
    const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(decodeURIComponent(escape(atob(part))));
  } catch {
    return {};
  }
}

function redirectUri() {
  return location.origin + location.pathname;
}

/** loadConfig reads config.json. */
export async function loadConfig() {
  const res = await fetch('config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered ${res.status}`);
  return res.json();
}

async function endpoints(cfg) {
  if (cfg.authorize_url && cfg.token_url) return cfg;
  const res = await fetch(cfg.issuer.replace(/\/$/, '') + '/.well-known/openid-configuration');
  const d = await res.json();
  return { ...cfg, authorize_url: d.authorization_endpoint, token_url: d.token_endpoint, logout_url: cfg.logout_url || d.end_session_endpoint };
}

async function tokenRequest(cfg, params) {
  const res = await fetch(cfg.token_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: cfg.client_id, ...params }),
  });
  if (!res.ok) throw new Error('Signing in failed; try again.');
  const t = await res.json();
  const saved = {
    id_token: t.id_token,
    refresh_token: t.refresh_token || JSON.parse(store.getItem(TOKENS) || '{}').refresh_token,
    expires_at: Date.now() + (t.expires_in || 3600) * 1000,
  };
  store.setItem(TOKENS, JSON.stringify(saved));
  return saved;
}

/**
 * Session is the signed-in agent: token() gives a valid bearer token (a
 * promise), agent the name to show, signOut() ends it.
 */
export class Session {
  constructor(cfg) {
    this.cfg = cfg;
    this.agent = '';
  }

  /** start finishes a sign-in redirect, or starts one; it resolves true once signed in. */
  async start() {
    if (this.cfg.auth === 'dev') {
      this.agent = 'dev@example.com (development token)';
      return true;
    }
    this.cfg = await endpoints(this.cfg);
    const params = new URLSearchParams(location.search);
    if (params.has('code')) {
      const pkce = JSON.parse(store.getItem(PKCE) || '{}');
      store.removeItem(PKCE);
      history.replaceState(null, '', redirectUri() + (pkce.hash || ''));
      if (params.get('state') !== pkce.state) throw new Error('The sign-in answer does not match the request; sign in again.');
      await tokenRequest(this.cfg, {
        grant_type: 'authorization_code', code: params.get('code'), redirect_uri: redirectUri(), code_verifier: pkce.verifier,
      });
    }
    const t = JSON.parse(store.getItem(TOKENS) || 'null');
    if (!t) {
      await this.signIn();
      return false;
    }
    this.agent = claims(t.id_token).email || 'agent';
    return true;
  }

  async signIn() {
    const verifier = randomString();
    const state = randomString();
    store.setItem(PKCE, JSON.stringify({ verifier, state, hash: location.hash }));
    const challenge = b64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
    const u = new URL(this.cfg.authorize_url);
    u.search = new URLSearchParams({
      response_type: 'code', client_id: this.cfg.client_id, redirect_uri: redirectUri(),
      scope: this.cfg.scopes || 'openid email', state, code_challenge: challenge, code_challenge_method: 'S256',
    }).toString();
    location.assign(u.toString());
  }

  async token() {
    if (this.cfg.auth === 'dev') return this.cfg.dev_token;
    let t = JSON.parse(store.getItem(TOKENS) || 'null');
    if (t && t.expires_at - Date.now() < 60_000 && t.refresh_token) {
      try {
        t = await tokenRequest(this.cfg, { grant_type: 'refresh_token', refresh_token: t.refresh_token });
      } catch {
        t = null;
      }
    }
    if (!t) {
      store.removeItem(TOKENS);
      await this.signIn();
      return '';
    }
    return t.id_token;
  }

  /** expired is told when the API refuses the token: sign in again. */
  expired() {
    if (this.cfg.auth === 'dev') return;
    store.removeItem(TOKENS);
    this.signIn();
  }

  signOut() {
    store.removeItem(TOKENS);
    if (this.cfg.auth === 'dev') return;
    if (this.cfg.logout_url) {
      const u = new URL(this.cfg.logout_url);
      u.searchParams.set('client_id', this.cfg.client_id);
      u.searchParams.set('logout_uri', redirectUri());
      location.assign(u.toString());
    } else {
      location.reload();
    }
  }
}
