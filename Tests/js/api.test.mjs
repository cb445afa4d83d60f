// js/api.js, the one API client, against a fake fetch: the headers it sets,
// {detail, code} → ApiError, 204, Retry-After (waited out when short and the
// call is safe to repeat, handed over as retryAfter otherwise), timeouts.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const api = await load('js/api.js');
const { ApiError, agentApi, customerApi, login, request, retryAfterMs, widgetConfig } = api;

const json = (status, body, headers = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

// A fake fetch answering from `answers` in turn (a Response, or an Error to throw); records the calls.
let calls;
let answers;
const realFetch = globalThis.fetch;
const realSetTimeout = globalThis.setTimeout;
// The delays asked of setTimeout (Retry-After waits among them); a short wait runs at once.
let delays;

beforeEach(() => {
  calls = [];
  answers = [];
  delays = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, init, headers: init.headers, body: init.body === undefined ? undefined : JSON.parse(init.body) });
    const next = answers.shift();
    if (!next) throw new Error('fake fetch: no answer left');
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next(init) : next;
  };
  globalThis.setTimeout = (fn, ms, ...args) => {
    delays.push(ms);
    return realSetTimeout(fn, ms >= 10000 ? ms : 0, ...args);
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
  globalThis.setTimeout = realSetTimeout;
});

async function rejection(promise) {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('request', () => {
  test('GET: the API base, Accept JSON, no body and no Content-Type, never from the cache', async () => {
    answers.push(json(200, { ok: true }));
    assert.deepEqual(await request('GET', '/health'), { ok: true });
    const [call] = calls;
    assert.equal(call.url, '/api/v1/health');
    assert.equal(call.init.method, 'GET');
    assert.equal(call.init.cache, 'no-store');
    assert.equal(call.headers.Accept, 'application/json');
    assert.equal('Content-Type' in call.headers, false);
    assert.equal(call.init.body, undefined);
  });

  test('a body goes as JSON with its Content-Type, beside the caller\'s headers', async () => {
    answers.push(json(201, { id: 'x' }));
    await request('POST', '/things', { body: { name: 'a' }, headers: { 'X-Extra': '1' } });
    assert.equal(calls[0].headers['Content-Type'], 'application/json');
    assert.equal(calls[0].headers['X-Extra'], '1');
    assert.deepEqual(calls[0].body, { name: 'a' });
  });

  test('204 resolves to null', async () => {
    answers.push(new Response(null, { status: 204 }));
    assert.equal(await request('DELETE', '/things/1'), null);
  });

  test('an error answer: its {detail, code} and status on an ApiError', async () => {
    answers.push(json(409, { detail: 'This conversation is closed.', code: 'conversation_closed' }));
    const err = await rejection(request('POST', '/x', { body: {} }));
    assert.ok(err instanceof ApiError);
    assert.equal(err.status, 409);
    assert.equal(err.code, 'conversation_closed');
    assert.equal(err.detail, 'This conversation is closed.');
    assert.equal(err.message, 'This conversation is closed.');
    assert.equal(err.retryAfter, null);
    assert.equal(err.transient, false);
  });

  test('an error without a JSON body still says what happened', async () => {
    answers.push(new Response('<html>Bad gateway</html>', { status: 502, headers: { 'Content-Type': 'text/html' } }));
    const err = await rejection(request('GET', '/x'));
    assert.equal(err.status, 502);
    assert.equal(err.code, 'http_error');
    assert.equal(err.detail, 'Something went wrong (HTTP 502).');
    assert.equal(err.transient, true);
  });

  test('a success that is not JSON is a bad_response', async () => {
    answers.push(new Response('not json', { status: 200 }));
    const err = await rejection(request('GET', '/x'));
    assert.equal(err.code, 'bad_response');
  });

  test('no connection: status 0, transient', async () => {
    answers.push(new TypeError('fetch failed'));
    const err = await rejection(request('GET', '/x'));
    assert.equal(err.status, 0);
    assert.equal(err.code, 'network_error');
    assert.equal(err.transient, true);
  });

  test('a call that takes longer than its timeout is aborted: status 0', async () => {
    answers.push((init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')))));
    const err = await rejection(request('GET', '/slow', { timeout: 5 }));
    assert.equal(err.status, 0);
    assert.ok(delays.includes(5));
  });
});

describe('Retry-After', () => {
  test('retryAfterMs reads seconds and HTTP dates', () => {
    const now = Date.parse('2026-12-07T10:00:00Z');
    assert.equal(retryAfterMs('3', now), 3000);
    assert.equal(retryAfterMs(' 0 ', now), 0);
    assert.equal(retryAfterMs('Mon, 07 Dec 2026 10:00:30 GMT', now), 30000);
    assert.equal(retryAfterMs('Mon, 07 Dec 2026 09:00:00 GMT', now), 0); // past: no wait
    assert.equal(retryAfterMs(null, now), null);
    assert.equal(retryAfterMs('', now), null);
    assert.equal(retryAfterMs('soon', now), null);
    assert.equal(retryAfterMs('-5', now), null);
  });

  test('a GET refused with a short Retry-After waits that long and asks again', async () => {
    answers.push(json(503, { detail: 'The service is not available right now.', code: 'service_unavailable' }, { 'Retry-After': '1' }));
    answers.push(json(200, { items: [] }));
    assert.deepEqual(await request('GET', '/agent/queue'), { items: [] });
    assert.equal(calls.length, 2);
    assert.ok(delays.includes(1000), `waited ${delays}`);
  });

  test('at most two repeats, then the refusal is the answer', async () => {
    for (let i = 0; i < 3; i++) answers.push(json(503, { code: 'busy', detail: 'Busy.' }, { 'Retry-After': '1' }));
    const err = await rejection(request('GET', '/x'));
    assert.equal(calls.length, 3);
    assert.equal(err.code, 'busy');
    assert.equal(err.retryAfter, 1000);
  });

  test('a POST is not repeated by itself: the caller gets retryAfter', async () => {
    answers.push(json(503, { code: 'busy', detail: 'Busy.' }, { 'Retry-After': '1' }));
    const err = await rejection(login('agent', 'secret-password'));
    assert.equal(calls.length, 1);
    assert.equal(err.status, 503);
    assert.equal(err.retryAfter, 1000);
  });

  test('a POST the server dedupes (idempotent) is repeated like a GET', async () => {
    answers.push(json(503, { code: 'storage_unavailable', detail: 'Try again.' }, { 'Retry-After': '2' }));
    answers.push(json(200, { customer_message: { id: 'm1' } }));
    const customer = customerApi(() => 'cs_1');
    assert.deepEqual(await customer.send('c1', 'Hello', 'client-1'), { customer_message: { id: 'm1' } });
    assert.equal(calls.length, 2);
    assert.deepEqual(calls[1].body, { content: 'Hello', client_message_id: 'client-1' });
    assert.ok(delays.includes(2000));
  });

  test('a long Retry-After is not waited out inside the call: it is handed over', async () => {
    answers.push(json(429, { detail: 'Too many requests; slow down and try again shortly.', code: 'rate_limited' }, { 'Retry-After': '10' }));
    const err = await rejection(request('GET', '/x'));
    assert.equal(calls.length, 1);
    assert.equal(err.code, 'rate_limited');
    assert.equal(err.retryAfter, 10000);
    assert.equal(err.transient, true);
  });

  test('only 429 and 503 carry it; without the header nothing is repeated', async () => {
    answers.push(json(500, { code: 'internal_error', detail: 'Internal server error.' }, { 'Retry-After': '1' }));
    assert.equal((await rejection(request('GET', '/x'))).retryAfter, null);
    answers.push(json(503, { code: 'service_unavailable', detail: 'Down.' }));
    assert.equal((await rejection(request('GET', '/x'))).retryAfter, null);
    assert.equal(calls.length, 2);
  });

  test('an aborted call does not wait and does not repeat', async () => {
    const ctrl = new AbortController();
    answers.push(() => {
      ctrl.abort();
      return json(503, { code: 'busy', detail: 'Busy.' }, { 'Retry-After': '1' });
    });
    const err = await rejection(request('GET', '/x', { signal: ctrl.signal }));
    assert.equal(err.code, 'busy');
    assert.equal(calls.length, 1);
  });
});

describe('customerApi', () => {
  test('every call carries the session header; routes and bodies as docs/API.md says', async () => {
    let session = 'cs_first';
    const customer = customerApi(() => session);
    answers.push(json(200, {}), json(200, {}), json(200, {}), json(200, {}));
    await customer.messages('conv/1', 'm9');
    session = 'cs_second';
    await customer.escalate('c1');
    await customer.contact('c1', { email: 'a@example.com', name: '', source: 'offline' });
    await customer.quickReply('c1', 'return policy', 'cid');
    assert.equal(calls[0].url, '/api/v1/customer/conversations/conv%2F1/messages?after=m9');
    assert.equal(calls[0].headers['X-Customer-Session-Id'], 'cs_first');
    assert.equal(calls[1].url, '/api/v1/customer/conversations/c1/escalate');
    assert.equal(calls[1].init.method, 'POST');
    assert.equal(calls[1].init.body, undefined, 'escalate sends no body');
    assert.equal(calls[1].headers['X-Customer-Session-Id'], 'cs_second');
    assert.deepEqual(calls[2].body, { email: 'a@example.com', source: 'offline' }, 'an empty name is left out');
    assert.equal(calls[3].url, '/api/v1/customer/conversations/c1/quick-replies/return%20policy');
  });

  test('start sends no session header and leaves unset members out', async () => {
    answers.push(json(200, { conversation: {} }));
    await customerApi(() => '').start({ displayName: 'Jamie' });
    assert.equal('X-Customer-Session-Id' in calls[0].headers, false);
    assert.deepEqual(calls[0].body, { display_name: 'Jamie' });
  });

  test('the stream URL and headers', () => {
    const customer = customerApi(() => 'cs_1');
    assert.equal(customer.streamUrl('c 1'), '/api/v1/events?conversation_id=c+1');
    assert.deepEqual(customer.streamHeaders(), { 'X-Customer-Session-Id': 'cs_1' });
  });

  test('widgetConfig needs no credentials', async () => {
    answers.push(json(200, { limits: { message_max_chars: 4000 } }));
    assert.deepEqual((await widgetConfig()).limits, { message_max_chars: 4000 });
    assert.equal(calls[0].url, '/api/v1/customer/widget-config');
    assert.deepEqual(Object.keys(calls[0].headers), ['Accept']);
  });
});

describe('agentApi', () => {
  test('the bearer token on every call, read at call time; query parameters without empty ones', async () => {
    let token = 't1';
    const agent = agentApi(() => token);
    answers.push(json(200, {}), json(200, {}));
    await agent.conversations({ status: 'closed', limit: 50, before: '', assigned: undefined });
    token = 't2';
    await agent.updateMe({ email: null });
    assert.equal(calls[0].url, '/api/v1/agent/conversations?status=closed&limit=50');
    assert.equal(calls[0].headers.Authorization, 'Bearer t1');
    assert.equal(calls[1].url, '/api/v1/agent/me');
    assert.equal(calls[1].init.method, 'PATCH');
    assert.equal(calls[1].headers.Authorization, 'Bearer t2');
  });

  test('a 401 tells onUnauthorized, then rejects; other errors do not', async () => {
    const seen = [];
    const agent = agentApi(() => 't', (err) => seen.push(err.status));
    answers.push(json(401, { code: 'unauthorized', detail: 'Expired.' }), json(403, { code: 'forbidden', detail: 'No.' }));
    assert.equal((await rejection(agent.me())).status, 401);
    assert.equal((await rejection(agent.claim('c1'))).status, 403);
    assert.deepEqual(seen, [401]);
  });

  test('login carries no token, so its 401 is "wrong password", not "signed out"', async () => {
    answers.push(json(401, { code: 'invalid_credentials', detail: 'Wrong.' }));
    const err = await rejection(login('agent', 'nope-nope-nope'));
    assert.equal(err.code, 'invalid_credentials');
    assert.equal('Authorization' in calls[0].headers, false);
    assert.deepEqual(calls[0].body, { username: 'agent', password: 'nope-nope-nope' });
  });
});
