// The REST contract (docs/API.md) as small async functions.
// Same-origin only: the widget iframe and the console are served by the
// Switchboard origin, so paths are relative and no CORS is involved.

const BASE = '/api/v1';
const TIMEOUT_MS = 15000;

/** A failed call: `status` 0 means the network (or a timeout) failed, not the server. */
export class ApiError extends Error {
  constructor(status, code, detail) {
    super(detail || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || (status === 0 ? 'network_error' : 'http_error');
    this.detail = detail || (status === 0 ? 'No connection. Check your network and try again.' : `Something went wrong (HTTP ${status}).`);
  }

  /** Worth retrying as-is: the network, a timeout, rate limiting or a server hiccup. */
  get transient() {
    return this.status === 0 || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

/** One JSON request. Resolves to the decoded body (null for 204), rejects with ApiError. */
export async function request(method, path, { body, headers = {}, signal, timeout = TIMEOUT_MS } = {}) {
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
  if (!res.ok) throw new ApiError(res.status, data?.code, data?.detail);
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
  return {
    start: ({ sessionId, forceNew, displayName, email } = {}) =>
      request('POST', '/customer/conversations/start', {
        body: { customer_session_id: sessionId || undefined, force_new: forceNew || undefined, display_name: displayName, email },
      }),
    quickQuestions: () => request('GET', '/customer/quick-questions'),
    widgetConfig: () => request('GET', '/customer/widget-config'),
    messages: (id, after) => request('GET', conv(id) + '/messages' + query({ after }), { headers: h() }),
    send: (id, content, clientMessageId) =>
      request('POST', conv(id) + '/messages', { headers: h(), body: { content, client_message_id: clientMessageId } }),
    quickReply: (id, slug, clientMessageId) =>
      request('POST', `${conv(id)}/quick-replies/${enc(slug)}`, { headers: h(), body: { client_message_id: clientMessageId } }),
    // With a message (the offline form) it is stored just before the escalation.
    escalate: (id, message) =>
      request('POST', conv(id) + '/escalate', { headers: h(), body: message ? { message } : undefined }),
    contact: (id, { email, name, source }) =>
      request('POST', conv(id) + '/contact', { headers: h(), body: { email, name: name || undefined, source } }),
    transcript: (id, email) => request('POST', conv(id) + '/transcript', { headers: h(), body: email ? { email } : {} }),
    typing: (id, typing) => request('POST', conv(id) + '/typing', { headers: h(), body: { typing } }),
    streamHeaders: () => h(),
    streamUrl: (id) => `${BASE}/events${query({ conversation_id: id })}`,
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
    logout: () => call('POST', '/agent/auth/logout'),
    me: () => call('GET', '/agent/me'),
    presence: (presence) => call('POST', '/agent/presence', { body: { presence } }),
    register: (body) => call('POST', '/agent/register', { body }),
    changePassword: (current, next) => call('POST', '/agent/me/password', { body: { current_password: current, new_password: next } }),
    agents: () => call('GET', '/agent/agents'),
    queue: ({ limit, offset } = {}) => call('GET', '/agent/queue' + query({ limit, offset })),
    conversations: ({ status, assigned, limit, before } = {}) =>
      call('GET', '/agent/conversations' + query({ status, assigned, limit, before })),
    messages: (id, after) => call('GET', conv(id) + '/messages' + query({ after })),
    send: (id, content, clientMessageId) => call('POST', conv(id) + '/messages', { body: { content, client_message_id: clientMessageId } }),
    claim: (id) => call('POST', conv(id) + '/claim'),
    release: (id) => call('POST', conv(id) + '/release'),
    close: (id) => call('POST', conv(id) + '/close'),
    typing: (id, typing) => call('POST', conv(id) + '/typing', { body: { typing } }),
    streamHeaders: () => ({ Authorization: `Bearer ${token()}` }),
    streamUrl: () => `${BASE}/events`,
    admin: {
      faqs: () => call('GET', '/admin/faqs'),
      createFaq: (body) => call('POST', '/admin/faqs', { body }),
      updateFaq: (id, body) => call('PATCH', `/admin/faqs/${enc(id)}`, { body }),
      deleteFaq: (id) => call('DELETE', `/admin/faqs/${enc(id)}`),
      settings: () => call('GET', '/admin/settings'),
      updateSettings: (body) => call('PATCH', '/admin/settings', { body }),
      updateAgent: (id, body) => call('PATCH', `/admin/agents/${enc(id)}`, { body }),
      resetPassword: (id, password) => call('POST', `/admin/agents/${enc(id)}/password`, { body: { password } }),
    },
  };
}

/** Login needs no token; kept apart so a 401 here is "wrong password", not "session expired". */
export function login(username, password) {
  return request('POST', '/agent/auth/login', { body: { username, password } });
}
