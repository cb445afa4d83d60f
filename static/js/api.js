// The REST contract (docs/API.md) as small async functions, over one request
// function: it sets the headers, turns an error answer's {detail, code} into
// an ApiError, and honours Retry-After (429 and 503 carry it): a short wait is
// waited out and the call repeated when repeating it is safe, a longer one is
// handed to the caller as `retryAfter`.
// Same-origin only: the widget iframe and the console are served by the
// Switchboard origin, so paths are relative and no CORS is involved.

const BASE = '/api/v1';
const TIMEOUT_MS = 15000;
// The longest Retry-After waited out inside a call (nginx says 1 s while the worker
// restarts); anything longer is the caller's to schedule.
const MAX_WAIT_MS = 5000;
const MAX_RETRIES = 2;

/**
 * Retry-After (delay-seconds or an HTTP date) in milliseconds from `now`, or null
 * when absent or unreadable.
 */
export function retryAfterMs(value, now = Date.now()) {
  const text = String(value ?? '').trim();
  if (!text) return null;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^[A-Za-z]{3}, /.test(text)) return null; // an HTTP date ("Mon, 07 Dec 2026 10:00:30 GMT"), nothing else
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

/** A failed call: `status` 0 means the network (or a timeout) failed, not the server. */
export class ApiError extends Error {
  /** `retryAfter`: milliseconds the server asked us to wait before trying again (null: it did not say). */
  constructor(status, code, detail, retryAfter = null) {
    super(detail || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || (status === 0 ? 'network_error' : 'http_error');
    this.detail = detail || (status === 0 ? 'No connection. Check your network and try again.' : `Something went wrong (HTTP ${status}).`);
    this.retryAfter = retryAfter;
  }

  /** Worth retrying as-is: the network, a timeout, rate limiting or a server hiccup. */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

// Resolves after `ms`, or at once when `signal` aborts.
function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * One JSON request. Resolves to the decoded body (null for 204), rejects with ApiError.
 * `idempotent` (default: GET and HEAD) lets a 429/503 whose Retry-After is short be
 * waited out and sent again: say so for a POST the server dedupes (a client_message_id).
 */
export async function request(method, path, { body, headers = {}, signal, timeout = TIMEOUT_MS, idempotent } = {}) {
  const repeatable = idempotent ?? (method === 'GET' || method === 'HEAD');
  for (let attempt = 0; ; attempt++) {
    try {
      return await send(method, path, { body, headers, signal, timeout });
    } catch (err) {
      const wait = err instanceof ApiError ? err.retryAfter : null;
      if (!repeatable || attempt >= MAX_RETRIES || wait === null || wait > MAX_WAIT_MS || signal?.aborted) throw err;
      await pause(wait, signal);
      if (signal?.aborted) throw err;
    }
  }
}

async function send(method, path, { body, headers, signal, timeout }) {
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), timeout);
  const onAbort = () => ctrl.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  const init = { method, headers: { Accept: 'application/json', ...headers }, signal: ctrl.signal, cache: 'no-store' };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(BASE + path, init);
  } catch {
    throw new ApiError(0);
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch {
    if (res.ok) throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
  }
  if (!res.ok) {
    const retryAfter = res.status === 429 || res.status === 503 ? retryAfterMs(res.headers.get('Retry-After')) : null;
    const err = new ApiError(res.status, data?.code, data?.detail, retryAfter);
    if (typeof data?.reason === 'string') err.reason = data.reason; // why a token was refused (invalid_token, …)
    throw err;
  }
  return data;
}

const enc = encodeURIComponent;

function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Customer routes; `session()` returns the X-Customer-Session-Id. */
export function customerApi(session) {
  const h = () => ({ 'X-Customer-Session-Id': session() });
  const conv = (id) => `/customer/conversations/${enc(id)}`;
  // Every customer POST below but `start` is safe to repeat: sends carry a
  // client_message_id, the others set a state (escalate and transcript act once).
  const post = (path, body) => request('POST', path, { headers: h(), body, idempotent: true });
  return {
    start: ({ sessionId, forceNew, displayName, email } = {}) =>
      request('POST', '/customer/conversations/start', {
        body: { customer_session_id: sessionId || undefined, force_new: forceNew || undefined, display_name: displayName, email },
      }),
    quickQuestions: () => request('GET', '/customer/quick-questions'),
    widgetConfig,
    messages: (id, after) => request('GET', conv(id) + '/messages' + query({ after }), { headers: h() }),
    // `attachmentIds`: uploads (attachments, upload.js) that go with it; `content` may then be empty.
    send: (id, content, clientMessageId, attachmentIds = []) =>
      post(conv(id) + '/messages', { content, client_message_id: clientMessageId, attachment_ids: attachmentIds.length ? attachmentIds : undefined }),
    quickReply: (id, slug, clientMessageId) => post(`${conv(id)}/quick-replies/${enc(slug)}`, { client_message_id: clientMessageId }),
    // Always answers (nobody there: `offline`, and `needs_contact` without an e-mail yet). With a
    // message (the offline form while the bot still has the chat) it is stored just before.
    escalate: (id, message) => post(conv(id) + '/escalate', message ? { message } : undefined),
    contact: (id, { email, name, source }) => post(conv(id) + '/contact', { email, name: name || undefined, source }),
    transcript: (id, email) => post(conv(id) + '/transcript', email ? { email } : {}),
    // After a closed chat a person answered: 201 {score, comment, created_at}; a repeat is 409 already_rated.
    rate: (id, { score, comment }) => post(conv(id) + '/rating', { score, comment }),
    typing: (id, typing) => post(conv(id) + '/typing', { typing }),
    streamHeaders: () => h(),
    streamUrl: (id) => `${BASE}/events${query({ conversation_id: id })}`,
    // Where a file for conversation `id` is uploaded (upload.js), with streamHeaders' credential.
    uploadPath: (id) => conv(id) + '/attachments',
  };
}

/**
 * Agent routes; `token()` returns the bearer token. `onUnauthorized` runs on
 * any 401 (the token expired or was revoked) before the error is thrown.
 */
export function agentApi(token, onUnauthorized = () => {}) {
  const call = async (method, path, opts = {}) => {
    try {
      return await request(method, path, { ...opts, headers: { Authorization: `Bearer ${token()}`, ...(opts.headers || {}) } });
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) onUnauthorized(err);
      throw err;
    }
  };
  const conv = (id) => `/agent/conversations/${enc(id)}`;
  return {
    // {return_chats}: whether the agent's open chats go back to the queue (the server's default: yes).
    logout: (body) => call('POST', '/agent/auth/logout', body ? { body } : {}),
    /** The agent and, only here, the `limits` the console enforces. */
    me: () => call('GET', '/agent/me'),
    updateMe: (body) => call('PATCH', '/agent/me', { body, idempotent: true }),
    presence: (presence) => call('POST', '/agent/presence', { body: { presence }, idempotent: true }),
    register: (body) => call('POST', '/agent/register', { body }),
    changePassword: (current, next) => call('POST', '/agent/me/password', { body: { current_password: current, new_password: next } }),
    agents: () => call('GET', '/agent/agents'),
    queue: ({ limit, offset } = {}) => call('GET', '/agent/queue' + query({ limit, offset })),
    // `unread` / `awaitingReply`: only the chats with customer messages the caller has not read,
    // or whose customer wrote last (sent only when true); `label`: only those with that label (an id).
    conversations: ({ status, assigned, limit, before, unread, awaitingReply, label } = {}) =>
      call('GET', '/agent/conversations' + query({ status, assigned, limit, before, unread: unread || undefined, awaiting_reply: awaitingReply || undefined, label })),
    messages: (id, after) => call('GET', conv(id) + '/messages' + query({ after })),
    send: (id, content, clientMessageId, attachmentIds = []) => call('POST', conv(id) + '/messages', {
      body: { content, client_message_id: clientMessageId, attachment_ids: attachmentIds.length ? attachmentIds : undefined }, idempotent: true,
    }),
    claim: (id) => call('POST', conv(id) + '/claim'),
    release: (id) => call('POST', conv(id) + '/release'),
    close: (id) => call('POST', conv(id) + '/close'),
    typing: (id, typing) => call('POST', conv(id) + '/typing', { body: { typing }, idempotent: true }),
    // The caller's read cursor: up to `upTo` (a message id), or the newest message. 204.
    markRead: (id, upTo) => call('POST', conv(id) + '/read', { body: upTo ? { up_to_message_id: upTo } : {}, idempotent: true }),
    // Private notes: the team's only, on any conversation (closed ones too).
    notes: (id) => call('GET', conv(id) + '/notes'),
    addNote: (id, content) => call('POST', conv(id) + '/notes', { body: { content } }),
    // {to_agent_id, note?, force?} or {to: "queue", note?}: by the holder, or an admin.
    transfer: (id, body) => call('POST', conv(id) + '/transfer', { body }),
    // Canned replies: the team's and the caller's own; {content} filled in for one conversation.
    cannedReplies: () => call('GET', '/agent/canned-replies'),
    createCannedReply: (body) => call('POST', '/agent/canned-replies', { body }),
    updateCannedReply: (id, body) => call('PATCH', `/agent/canned-replies/${enc(id)}`, { body }),
    deleteCannedReply: (id) => call('DELETE', `/agent/canned-replies/${enc(id)}`),
    renderCannedReply: (id, replyId) => call('GET', `${conv(id)}/canned-replies/${enc(replyId)}/render`),
    // Labels: every agent reads them and sets a conversation's (the answer: {conversation}).
    labels: () => call('GET', '/agent/labels'),
    setLabels: (id, labelIds) => call('PUT', conv(id) + '/labels', { body: { label_ids: labelIds }, idempotent: true }),
    // Full-text search: {items: [{conversation, hits}]}, conversations by their newest hit.
    search: ({ q, status, label, from, to, limit, before } = {}) => call('GET', '/agent/search' + query({ q, status, label, from, to, limit, before })),
    // Known customers: every agent reads them and may correct an unverified name or e-mail.
    contacts: ({ q, limit, before } = {}) => call('GET', '/agent/contacts' + query({ q, limit, before })),
    contact: (id) => call('GET', `/agent/contacts/${enc(id)}`),
    updateContact: (id, body) => call('PATCH', `/agent/contacts/${enc(id)}`, { body, idempotent: true }),
    streamHeaders: () => ({ Authorization: `Bearer ${token()}` }),
    streamUrl: () => `${BASE}/events`,
    uploadPath: (id) => conv(id) + '/attachments',
    admin: {
      faqs: () => call('GET', '/admin/faqs'),
      createFaq: (body) => call('POST', '/admin/faqs', { body }),
      updateFaq: (id, body) => call('PATCH', `/admin/faqs/${enc(id)}`, { body }),
      deleteFaq: (id) => call('DELETE', `/admin/faqs/${enc(id)}`),
      settings: () => call('GET', '/admin/settings'),
      updateSettings: (body) => call('PATCH', '/admin/settings', { body }),
      updateAgent: (id, body) => call('PATCH', `/admin/agents/${enc(id)}`, { body }),
      resetPassword: (id, password) => call('POST', `/admin/agents/${enc(id)}/password`, { body: { password } }),
      invite: (id) => call('POST', `/admin/agents/${enc(id)}/invite`),
      identitySecrets: () => call('GET', '/admin/identity/secrets'),
      createIdentitySecret: () => call('POST', '/admin/identity/secrets'),
      deleteIdentitySecret: (id) => call('DELETE', `/admin/identity/secrets/${enc(id)}`),
      exportContact: (id) => call('GET', `/admin/contacts/${enc(id)}/export`),
      eraseContact: (id) => call('DELETE', `/admin/contacts/${enc(id)}`),
      blockedSites: () => call('GET', '/admin/widget/blocked-sites'),
      labels: () => call('GET', '/admin/labels'),
      createLabel: (body) => call('POST', '/admin/labels', { body }),
      updateLabel: (id, body) => call('PATCH', `/admin/labels/${enc(id)}`, { body }),
      deleteLabel: (id) => call('DELETE', `/admin/labels/${enc(id)}`),
      // Webhooks: a new endpoint's answer and a rotation's carry its `secret`, the only time it is shown.
      webhooks: () => call('GET', '/admin/webhooks'),
      createWebhook: (body) => call('POST', '/admin/webhooks', { body }),
      updateWebhook: (id, body) => call('PATCH', `/admin/webhooks/${enc(id)}`, { body }),
      deleteWebhook: (id) => call('DELETE', `/admin/webhooks/${enc(id)}`),
      rotateWebhookSecret: (id) => call('POST', `/admin/webhooks/${enc(id)}/rotate-secret`),
      testWebhook: (id) => call('POST', `/admin/webhooks/${enc(id)}/test`),
      // {items} newest first; `before`: a delivery id, the page goes on below it.
      webhookDeliveries: (id, { status, before, limit } = {}) =>
        call('GET', `/admin/webhooks/${enc(id)}/deliveries` + query({ status, before, limit })),
      redeliver: (id, deliveryId) => call('POST', `/admin/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`),
      // API keys for the shop's systems: a new key's answer carries the `key`, the only time it is shown.
      apiKeys: () => call('GET', '/admin/api-keys'),
      createApiKey: (body) => call('POST', '/admin/api-keys', { body }),
      revokeApiKey: (id) => call('DELETE', `/admin/api-keys/${enc(id)}`),
    },
  };
}

/** The shop's public settings, availability and `limits` (no credentials). */
export function widgetConfig() {
  return request('GET', '/customer/widget-config');
}

/** Login needs no token; kept apart so a 401 here is "wrong password", not "session expired". */
export function login(username, password) {
  return request('POST', '/agent/auth/login', { body: { username, password } });
}

/**
 * What the sign-in page offers before anyone signs in, and the single-use links
 * to choose a password (docs/API.md, "Invitations and forgotten passwords"): no token.
 */
export const passwordLinks = {
  /** {password_reset, demo_accounts} */
  options: () => request('GET', '/agent/auth/options'),
  /** 202 whatever the address. */
  requestReset: (email) => request('POST', '/agent/auth/password-reset', { body: { email } }),
  /** {purpose: "invite"|"reset", username, display_name, expires_at} */
  check: (token) => request('POST', '/agent/auth/password-link', { body: { token } }),
  /** The login answer. */
  setPassword: (token, password) => request('POST', '/agent/auth/set-password', { body: { token, password } }),
};
