// Known customers (docs/API.md, "Known customers"): the shop's page hands the
// widget an identity token (a JWT its own server signed); the chat signs the
// customer in with it (POST /customer/login) and keeps the session it gets,
// with the customer's id (the token's `sub`), beside an anonymous one's.
// This module is the pure part: reading `sub` out of a token (unverified,
// only to compare with the session we hold: the server checks the
// signature), deciding what an identify does, the session record an answer
// gives, and noticing a session the server no longer takes. chat.js does
// the rest. A token never goes into a URL, a log or storage: it is sent in
// the login body and dropped.

import { ApiError, request, retryAfterMs } from '../js/api.js';

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * The `sub` claim of a JWT, decoded without verifying anything; null when the
 * token is not three base64url parts whose middle one is a JSON object with a
 * non-empty string `sub`.
 */
export function tokenSubject(token) {
  if (typeof token !== 'string') return null;
  const parts = token.trim().split('.');
  if (parts.length !== 3 || !B64URL.test(parts[1])) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    const sub = claims && typeof claims === 'object' && !Array.isArray(claims) ? claims.sub : null;
    return typeof sub === 'string' && sub.length > 0 ? sub : null;
  } catch {
    return null;
  }
}

/**
 * What an identify with a token whose subject is `sub` does, given the
 * session this browser holds ({sessionId, conversationId, externalId?} or
 * null) and the subject this page view has already confirmed live (by a
 * login or a start; null for none):
 *   {action: 'keep'}    the same customer, confirmed in this page view: nothing to do;
 *   {action: 'resume'}  the same customer's session from an earlier page view: `start`
 *                       with it (no login per page load); a 401 means log in again;
 *   {action: 'switch'}  another customer's session (or a token whose subject cannot be
 *                       read): log that one out, then log in carrying nothing over;
 *   {action: 'login', carry}  an anonymous browser: log in, carrying its session id
 *                       (`carry`, undefined for none) so the chat it had comes along.
 */
export function identityAction(session, sub, confirmedSub = null) {
  if (session?.externalId) {
    if (sub && session.externalId === sub && session.sessionId) {
      return { action: confirmedSub === sub ? 'keep' : 'resume' };
    }
    return { action: 'switch' };
  }
  return { action: 'login', carry: session?.sessionId || undefined };
}

/**
 * The session record to keep after a `start` or `login` answer. A login issues
 * its own session id (`customer_session_id`); `start` with a signed-in session
 * keeps the one it was called with (the conversation's `customer_session_id`
 * may be another device's, or the anonymous one it was carried over from); an
 * anonymous `start` gives its id in the conversation. `externalId` marks a
 * signed-in session (the contact's `external_id`).
 */
export function sessionRecord(answer, usedSessionId = undefined) {
  const conv = answer.conversation;
  const externalId = typeof answer.contact?.external_id === 'string' && answer.contact.external_id
    ? answer.contact.external_id
    : null;
  const sessionId = answer.customer_session_id || (externalId && usedSessionId) || conv.customer_session_id;
  const record = { sessionId, conversationId: conv.id };
  if (externalId) record.externalId = externalId;
  return record;
}

/** The server no longer takes the session this call was made with (logged out, merged, erased). */
export function isSessionGone(err) {
  return err instanceof ApiError && err.status === 401 && err.code === 'invalid_session';
}

// The customer routes that carry the session header (start and the public reads do not).
const SESSION_CALLS = ['messages', 'send', 'quickReply', 'escalate', 'contact', 'transcript', 'typing', 'rate'];

/**
 * `api` (js/api.js customerApi) with each session call watched: one that fails
 * because the session is gone calls `onGone(id)` with the session id it was
 * made with (`currentId()` at the time of the call), then rejects as before.
 */
export function guardSession(api, currentId, onGone) {
  const guarded = { ...api };
  for (const name of SESSION_CALLS) {
    const call = api[name];
    if (typeof call !== 'function') continue;
    guarded[name] = (...args) => {
      const id = currentId();
      return call(...args).catch((err) => {
        if (isSessionGone(err)) {
          try { onGone(id); } catch (e) { console.error(e); }
        }
        throw err;
      });
    };
  }
  return guarded;
}

/**
 * Why a sign-in failed, for the host page's console (never the token):
 * {status, code, reason} with `reason` only when the server gave a known one.
 */
export function identityProblem(err) {
  const e = err instanceof ApiError ? err : new ApiError(0);
  const problem = { status: e.status, code: /^[a-z_]{1,40}$/.test(e.code) ? e.code : 'http_error' };
  if (typeof e.reason === 'string' && /^[a-z_]{1,40}$/.test(e.reason)) problem.reason = e.reason;
  return problem;
}

const LOGIN_TIMEOUT_MS = 15000;

// POST /api/v1/customer/login. Its own fetch rather than js/api.js's request():
// a refusal's `reason` (invalid_identity) is kept on the ApiError, which the
// shared one drops. Never repeated on its own (a login issues a session).
async function login(token, carry, fetchImpl = fetch) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), LOGIN_TIMEOUT_MS);
  const headers = { Accept: 'application/json', 'Content-Type': 'application/json' };
  if (carry) headers['X-Customer-Session-Id'] = carry;
  let res;
  try {
    res = await fetchImpl('/api/v1/customer/login', {
      method: 'POST', headers, body: JSON.stringify({ identity_token: token }), signal: ctrl.signal, cache: 'no-store',
    });
  } catch {
    throw new ApiError(0);
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = await res.json();
  } catch {
    // no JSON body
  }
  if (!res.ok || !data) {
    const retryAfter = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('Retry-After')) : null;
    const err = new ApiError(res.ok ? 502 : res.status, res.ok ? 'bad_response' : data?.code, data?.detail, retryAfter);
    if (typeof data?.reason === 'string') err.reason = data.reason;
    throw err;
  }
  return data;
}

/** POST /customer/login and /customer/logout (`fetchImpl`: for the tests). */
export function identityApi(fetchImpl = undefined) {
  return {
    /** Signs in with `token`; `carry`: the anonymous session id whose chat comes along. */
    login: (token, carry) => login(token, carry, fetchImpl || fetch),
    logout: (sessionId) => request('POST', '/customer/logout', { headers: { 'X-Customer-Session-Id': sessionId } }),
  };
}
