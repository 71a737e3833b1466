// Signing in: who the officer is and the bearer token the API needs.
//
// Two modes, chosen by the server in /portal-config.json:
//   development  pick a demonstration officer (POST /dev/sign-in); only on laptops and in tests
//   oidc         the force's OpenID Connect provider: authorisation code flow with PKCE (S256),
//                as a public client (RFC 7636, RFC 8252 practice); no client secret exists
//
// The session (token, who, when it expires) lives in sessionStorage: it survives a reload of
// the tab, so an officer who loses signal mid-referral and reloads is still signed in, and it
// dies with the tab. It is never written to IndexedDB, so a queued referral on the phone
// carries no credential.

/**
 * The signed-in officer. `expired` is worked out on reading, never stored.
 * @typedef {object} Session
 * @property {'development' | 'oidc'} mode
 * @property {string} token the bearer token for the API
 * @property {number} expires_at milliseconds since the epoch
 * @property {string} subject
 * @property {string} name
 * @property {string | null} role
 * @property {string | null} force the force's id (its name comes from GET /v1/force)
 * @property {string | null} [refresh_token]
 * @property {string | null} [id_token]
 * @property {boolean} [expired]
 */
/**
 * What the provider settings of /portal-config.json say.
 * @typedef {object} OidcConfig
 * @property {string} client_id
 * @property {string} authorization_endpoint
 * @property {string} token_endpoint
 * @property {string | null} [end_session_endpoint]
 * @property {string} [scope]
 * @property {Record<string, string>} [extra_authorize_params]
 */
/**
 * GET /portal-config.json: how this deployment signs officers in.
 * @typedef {{sign_in: 'development' | 'oidc' | 'unavailable', oidc?: OidcConfig | null}} PortalConfig
 */
/** A demonstration officer of the development sign-in. @typedef {{subject: string, name: string, role: string, force: string}} DevUser */
/** The token endpoint's answer. @typedef {Record<string, any>} Tokens */

const SESSION_KEY = 'diversion.session';
const PENDING_KEY = 'diversion.oidc-pending';
const EXPIRY_MARGIN_MS = 60 * 1000;

/**
 * The claims of a JWT, read without verifying (the API verifies; we only need sub and name).
 * @param {string} jwt
 * @returns {Record<string, any>}
 */
export function claimsOf(jwt) {
  try {
    const payload = jwt.split('.')[1];
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
    const bytes = Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return {};
  }
}

/**
 * The signed-in officer, or null. `expired` sessions are returned so the UI can say so.
 * @returns {Session | null}
 */
export function currentSession() {
  try {
    /** @type {Session | null} */
    const session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || 'null');
    if (!session || !session.token) return null;
    session.expired = Date.now() > session.expires_at - EXPIRY_MARGIN_MS;
    return session;
  } catch {
    return null;
  }
}

/**
 * @param {Session} session
 * @returns {Session}
 */
function saveSession(session) {
  const { expired, ...stored } = session;
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(stored));
  return { ...stored, expired: false };
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
  sessionStorage.removeItem(PENDING_KEY);
}

/**
 * How this deployment signs officers in.
 * @returns {Promise<PortalConfig>}
 */
export async function loadPortalConfig() {
  const response = await fetch('/portal-config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`portal configuration: HTTP ${response.status}`);
  return response.json();
}

// ---- development sign-in -------------------------------------------------------------------

/** @returns {Promise<DevUser[]>} */
export async function devUsers() {
  const response = await fetch('/dev/sign-in/users', { cache: 'no-store' });
  if (!response.ok) throw new Error(`demonstration users: HTTP ${response.status}`);
  return response.json();
}

/**
 * @param {string} subject
 * @returns {Promise<Session>}
 */
export async function devSignIn(subject) {
  const response = await fetch('/dev/sign-in', {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ subject }),
  });
  if (!response.ok) throw new Error(`sign-in: HTTP ${response.status}`);
  const body = await response.json();
  return saveSession({
    mode: 'development',
    token: body.access_token,
    expires_at: Date.now() + body.expires_in * 1000,
    subject: body.user.subject,
    name: body.user.name,
    role: body.user.role,
    force: body.user.force,
  });
}

// ---- OpenID Connect, authorisation code with PKCE -----------------------------------------------

/** @param {ArrayBuffer | Uint8Array} bytes */
function base64url(bytes) {
  let text = '';
  for (const byte of new Uint8Array(bytes)) text += String.fromCharCode(byte);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomToken(byteCount = 32) {
  return base64url(crypto.getRandomValues(new Uint8Array(byteCount)));
}

/**
 * The S256 code challenge: base64url(SHA-256(verifier)), RFC 7636 section 4.2.
 * @param {string} verifier
 */
export async function codeChallenge(verifier) {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(digest);
}

/** Where the provider sends the officer back: the app itself, which finishes the sign-in. */
export function redirectUri() {
  return `${location.origin}/`;
}

/**
 * Leave for the force's provider. The verifier, state and nonce stay in this tab only.
 * @param {OidcConfig} oidc
 */
export async function beginOidcSignIn(oidc, returnTo = location.hash || '#/') {
  const verifier = randomToken(48); // 64 characters, within RFC 7636's 43..128
  const state = randomToken(16);
  const nonce = randomToken(16);
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state, nonce, returnTo }));
  const url = new URL(oidc.authorization_endpoint);
  /** @type {Record<string, string>} */
  const params = {
    ...(oidc.extra_authorize_params || {}),
    response_type: 'code',
    client_id: oidc.client_id,
    redirect_uri: redirectUri(),
    scope: oidc.scope || 'openid',
    state,
    nonce,
    code_challenge: await codeChallenge(verifier),
    code_challenge_method: 'S256',
  };
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  location.assign(url.toString());
}

/**
 * @param {Tokens} tokens
 * @param {Partial<Session>} [previous]
 * @returns {Session}
 */
function sessionFromTokens(tokens, previous = {}) {
  const access = claimsOf(tokens.access_token);
  const idClaims = tokens.id_token ? claimsOf(tokens.id_token) : {};
  const expiresAt = tokens.expires_in
    ? Date.now() + Number(tokens.expires_in) * 1000
    : (access.exp || 0) * 1000;
  return {
    mode: 'oidc',
    token: tokens.access_token,
    expires_at: expiresAt,
    refresh_token: tokens.refresh_token || previous.refresh_token || null,
    id_token: tokens.id_token || previous.id_token || null,
    subject: access.sub || idClaims.sub,
    name: idClaims.name || access.name || idClaims.preferred_username || access.sub,
    role: access.role || null,
    force: Array.isArray(access.forces) ? access.forces[0] : null,
  };
}

/**
 * @param {OidcConfig} oidc
 * @param {Record<string, string>} form
 * @returns {Promise<Tokens>}
 */
async function tokenRequest(oidc, form) {
  const response = await fetch(oidc.token_endpoint, {
    method: 'POST',
    cache: 'no-store',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    throw new Error(body.error_description || body.error || `token endpoint: HTTP ${response.status}`);
  }
  return body;
}

// What the officer is told when the provider answers a sign-in with an error (RFC 6749
// 4.1.2.1, OpenID Connect Core 3.1.2.6). Always these words: the `error_description` and even
// the `error` code arrive in the address bar, where anyone can write them in a link.
const SIGN_IN_ERRORS = new Map([
  ['access_denied', 'Sign-in was cancelled or refused by your force account. Sign in again. If it keeps happening, ask your administrator.'],
  ['login_required', 'Your force account needs you to sign in again. Sign in again.'],
  ['interaction_required', 'Your force account needs you to sign in again. Sign in again.'],
  ['account_selection_required', 'Your force account needs you to choose an account. Sign in again.'],
  ['consent_required', 'Your force account needs your agreement before this app can be used. Sign in again, or ask your administrator.'],
  ['temporarily_unavailable', 'Your force’s sign-in service is busy. Try again in a few minutes.'],
  ['server_error', 'Your force’s sign-in service had a problem. Try again in a few minutes.'],
]);
const SIGN_IN_FAILED = 'Sign-in did not finish. Sign in again. If it keeps happening, ask your administrator.';

/**
 * The app's own sentence for an OAuth error code, never the code or any text from the link.
 * @param {string} code
 */
export function signInErrorText(code) {
  return SIGN_IN_ERRORS.get(code) || SIGN_IN_FAILED;
}

/** @returns {{verifier: string, state: string, nonce: string, returnTo: string} | null} */
function pendingSignIn() {
  try {
    const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) || 'null');
    return pending && typeof pending.state === 'string' ? pending : null;
  } catch {
    return null;
  }
}

/**
 * Finish a sign-in when the provider has sent the officer back with ?code=&state= (or
 * ?error=&state=). Resolves with {session, returnTo}, or null when there is nothing to finish.
 *
 * Only a callback whose `state` is the one this tab issued ends the pending sign-in. Anything
 * else (a forged or replayed link, an old bookmark) leaves a pending sign-in alone; an error
 * in such a link is not shown at all, since nothing this tab asked for failed.
 * @param {OidcConfig} oidc
 * @returns {Promise<{session: Session, returnTo: string} | null>}
 */
export async function completeOidcSignIn(oidc, href = location.href) {
  const url = new URL(href);
  const code = url.searchParams.get('code');
  const error = url.searchParams.get('error');
  if (!code && !error) return null;
  const pending = pendingSignIn();
  const ours = pending !== null && url.searchParams.get('state') === pending.state;
  // A code is single-use and must not linger in the address bar or history; nor does a link's text.
  history.replaceState(null, '', `${url.pathname}${ours ? pending.returnTo || '#/' : url.hash || '#/'}`);
  if (!ours || !pending) {
    if (error) return null;
    throw new Error('This sign-in did not start here (state mismatch). Sign in again.');
  }
  sessionStorage.removeItem(PENDING_KEY);
  if (error) throw new Error(signInErrorText(error));
  const tokens = await tokenRequest(oidc, {
    grant_type: 'authorization_code',
    code: code || '',
    redirect_uri: redirectUri(),
    client_id: oidc.client_id,
    code_verifier: pending.verifier,
  });
  if (tokens.id_token && claimsOf(tokens.id_token).nonce !== pending.nonce) {
    throw new Error('The identity token does not match this sign-in (nonce). Sign in again.');
  }
  return { session: saveSession(sessionFromTokens(tokens)), returnTo: pending.returnTo };
}

/**
 * A fresh access token from the refresh token, where the provider issued one.
 * @param {PortalConfig | null} config
 * @param {Session | null} session
 * @returns {Promise<Session | null>}
 */
export async function refreshSession(config, session) {
  if (!session || session.mode !== 'oidc' || !session.refresh_token || !config?.oidc) return null;
  const tokens = await tokenRequest(config.oidc, {
    grant_type: 'refresh_token',
    refresh_token: session.refresh_token,
    client_id: config.oidc.client_id,
  });
  return saveSession(sessionFromTokens(tokens, session));
}

/**
 * Where to send the officer after clearing the session: the provider's sign-out, if any.
 * @param {PortalConfig | null} config
 * @param {Session | null} session
 */
export function signOutUrl(config, session) {
  if (!session || session.mode !== 'oidc' || !config?.oidc?.end_session_endpoint) return null;
  const url = new URL(config.oidc.end_session_endpoint);
  url.searchParams.set('client_id', config.oidc.client_id);
  url.searchParams.set('post_logout_redirect_uri', redirectUri());
  if (session.id_token) url.searchParams.set('id_token_hint', session.id_token);
  return url.toString();
}
