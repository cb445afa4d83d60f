// widget/chat.js signing known customers in and out (docs/API.md, "Known
// customers"), against a fake server behind fetch: a guest's chat carried into
// a login, a later page view resuming with `start` instead of a login (and
// logging in again when that session is gone), switching customers (logout
// first, nothing carried), a refused token leaving the guest's chat alone,
// logout, and a session the server revoked (stream event or 401).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { fakeServer, tick } from './fakeserver.mjs';
import { load } from './load.mjs';

// What chat.js touches of the browser, and no more.
globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { hidden: false, addEventListener: () => {}, documentElement: { dataset: {} } };

const { Chat } = await load('widget/chat.js');
const { clearSession, loadSession, saveSession } = await load('widget/session.js');

const b64url = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
const jwt = (sub) => `${b64url({ alg: 'HS256', typ: 'JWT' })}.${b64url({ sub, iat: 1, exp: 2 })}.c2ln`;
const JAMIE = jwt('customer-1');
const SAM = jwt('customer-2');

/**
 * A Switchboard behind globalThis.fetch. `answers` maps "METHOD /path" (the
 * path after /api/v1, conversation ids as written) to a function of the
 * request returning {status, body}; every request is in `calls`. Event
 * streams stay open; `streams[i].send(name, data, id)` pushes an event.
 */

const conversation = (id, sessionId, status = 'automated') => ({ id, customer_session_id: sessionId, status, assigned_agent_id: null });
const welcome = (conversationId, id = `m-${conversationId}`) =>
  ({ id, conversation_id: conversationId, sender_type: 'bot', kind: 'text', content: 'Hi!', created_at: '2026-11-21T12:00:00.000Z' });
const loginAnswer = (sessionId, conversationId, sub, { email = null, name = null, messages } = {}) => ({
  conversation: conversation(conversationId, 'whoever-started-it'),
  messages: messages || [welcome(conversationId)],
  quick_questions: [], show_talk_to_agent: true, resumed: true, last_event_id: 77,
  customer_session_id: sessionId, contact: { external_id: sub, name, email },
});
const startAnswer = (sessionId, conversationId, contact = null) => ({
  conversation: conversation(conversationId, sessionId),
  messages: [welcome(conversationId)], quick_questions: [], show_talk_to_agent: true, resumed: false, last_event_id: 5, contact,
});
const refused = (code, reason) => () => ({ status: 401, body: { code, detail: 'no', ...(reason ? { reason } : {}) } });

/** A chat as widget.js makes it, with the hooks recorded. */
function newChat() {
  const hooks = { known: [], signedOut: 0, fresh: 0, started: [] };
  const chat = new Chat({
    onChange: () => {},
    onIncoming: () => {},
    onStarted: (conv) => hooks.started.push(conv.id),
    onKnown: (conv, who) => hooks.known.push([conv.id, who]),
    onSignedOut: () => { hooks.signedOut += 1; },
    onFresh: () => { hooks.fresh += 1; },
  });
  chat.hooks = hooks;
  chats.push(chat);
  return chat;
}

let chats = [];

beforeEach(() => {
  clearSession();
  chats = [];
});

afterEach(() => {
  for (const chat of chats) {
    chat.stream?.stop();
    chat.poller.stop();
  }
});

describe('signing in', () => {
  test("a guest's chat is carried into the login; the returned conversation and session are used", async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer('anon-1', 'c-guest') }),
      'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-guest', 'customer-1', { email: 'jamie@example.com', name: 'Jamie' }) }),
    });
    const chat = newChat();
    await chat.ensureStarted();
    assert.equal(chat.session.sessionId, 'anon-1');
    assert.equal(chat.signedIn, false);

    assert.equal(await chat.signIn(JAMIE), null);
    const login = server.posts().find((c) => c.path === '/customer/login');
    assert.deepEqual(login.body, { identity_token: JAMIE });
    assert.equal(login.headers['X-Customer-Session-Id'], 'anon-1');
    assert.ok(server.calls.every((c) => !c.url.includes(JAMIE)), 'the token is never in a URL');

    assert.deepEqual(chat.session, { sessionId: 'k-1', conversationId: 'c-guest', externalId: 'customer-1' });
    assert.deepEqual(loadSession(), chat.session);
    assert.equal(chat.signedIn, true);
    assert.deepEqual(chat.hooks.known, [['c-guest', { name: 'Jamie', email: 'jamie@example.com' }]]);
    assert.equal(chat.state.phase, 'ready');
    // The stream reopened with the new session, from the login's cursor.
    const stream = server.streams.at(-1).req;
    assert.equal(stream.headers['X-Customer-Session-Id'], 'k-1');
    assert.equal(stream.headers['Last-Event-ID'], '77');
    assert.match(stream.url, /conversation_id=c-guest/);
  });

  test('nothing held: a login with no session header; the conversation is shown with its history', async () => {
    const history = [welcome('c-7', 'm1'), { ...welcome('c-7', 'm2'), sender_type: 'customer', content: 'From my phone' }];
    const server = fakeServer({ 'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-7', 'customer-1', { messages: history }) }) });
    const chat = newChat();
    assert.equal(await chat.signIn(JAMIE), null);
    const [login] = server.posts();
    assert.ok(!('X-Customer-Session-Id' in login.headers));
    assert.deepEqual(chat.log.entries().map((e) => e.message.content), ['Hi!', 'From my phone']);
  });

  test('again in the same page view: nothing is asked', async () => {
    const server = fakeServer({ 'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1') }) });
    const chat = newChat();
    await chat.signIn(JAMIE);
    const before = server.calls.length;
    assert.equal(await chat.signIn(JAMIE), null);
    assert.equal(server.calls.length, before);
  });

  test('a later page view resumes the session with start (no login)', async () => {
    saveSession({ sessionId: 'k-1', conversationId: 'c-1', externalId: 'customer-1' });
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer('someone-else', 'c-1', { external_id: 'customer-1', name: 'Jamie', email: null }) }),
      'POST /customer/login': () => assert.fail('no login when the session is alive'),
    });
    const chat = newChat();
    chat.identify({ name: 'A hint', email: 'hint@example.com' }); // the host page's unverified hints
    assert.equal(await chat.signIn(JAMIE), null);
    const [start] = server.posts();
    assert.equal(start.path, '/customer/conversations/start');
    assert.equal(start.body.customer_session_id, 'k-1');
    // No hints for a signed-in customer: the token's claims are who they are.
    assert.equal(start.body.display_name, undefined);
    assert.equal(start.body.email, undefined);
    // The session kept is ours, not the conversation's customer_session_id (another device's).
    assert.deepEqual(chat.session, { sessionId: 'k-1', conversationId: 'c-1', externalId: 'customer-1' });
    assert.equal(chat.state.phase, 'ready');
  });

  test('"Start a new conversation" for a signed-in customer: their session, no hints', async () => {
    saveSession({ sessionId: 'k-1', conversationId: 'c-1', externalId: 'customer-1' });
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer('whose-ever', 'c-2', { external_id: 'customer-1', name: null, email: null }) }),
    });
    const chat = newChat();
    chat.identify({ name: 'A hint', email: 'hint@example.com' });
    await chat.startNew();
    const [start] = server.posts();
    assert.deepEqual(start.body, { customer_session_id: 'k-1', force_new: true });
    assert.deepEqual(chat.session, { sessionId: 'k-1', conversationId: 'c-2', externalId: 'customer-1' });
    assert.deepEqual(chat.hooks.started, []); // not a guest's start: the contact is the server's
    assert.equal(chat.hooks.known.length, 1);
  });

  test('a later page view whose session is gone (401) logs in again, carrying nothing', async () => {
    saveSession({ sessionId: 'k-old', conversationId: 'c-1', externalId: 'customer-1' });
    const server = fakeServer({
      'POST /customer/conversations/start': refused('invalid_session'),
      'POST /customer/login': () => ({ body: loginAnswer('k-new', 'c-1', 'customer-1') }),
    });
    const chat = newChat();
    assert.equal(await chat.signIn(JAMIE), null);
    assert.deepEqual(server.posts().map((c) => c.path), ['/customer/conversations/start', '/customer/login']);
    assert.ok(!('X-Customer-Session-Id' in server.posts()[1].headers));
    assert.equal(chat.session.sessionId, 'k-new');
  });

  test('another customer: the previous one is logged out first, and nothing is carried over', async () => {
    const server = fakeServer({
      'POST /customer/login': (req) => ({
        body: req.body.identity_token === JAMIE ? loginAnswer('k-jamie', 'c-jamie', 'customer-1', { email: 'jamie@example.com' })
          : loginAnswer('k-sam', 'c-sam', 'customer-2'),
      }),
      'POST /customer/logout': () => ({ status: 204 }),
    });
    const chat = newChat();
    await chat.signIn(JAMIE);
    assert.equal(await chat.signIn(SAM), null);
    const posts = server.posts().map((c) => [c.path, c.headers['X-Customer-Session-Id']]);
    assert.deepEqual(posts, [
      ['/customer/login', undefined],
      ['/customer/logout', 'k-jamie'],
      ['/customer/login', undefined],
    ]);
    assert.equal(chat.hooks.signedOut, 1); // Jamie's details forgotten before Sam's chat shows
    assert.deepEqual(chat.session, { sessionId: 'k-sam', conversationId: 'c-sam', externalId: 'customer-2' });
    assert.equal(chat.identity.email, undefined);
  });
});

describe('a refused token', () => {
  test("invalid_identity: the reason for the host page; the guest's chat goes on, untouched", async () => {
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer('anon-1', 'c-guest') }),
      'POST /customer/login': refused('invalid_identity', 'expired'),
    });
    const chat = newChat();
    await chat.ensureStarted();
    const problem = await chat.signIn(JAMIE);
    assert.deepEqual(problem, { status: 401, code: 'invalid_identity', reason: 'expired' });
    assert.deepEqual(chat.session, { sessionId: 'anon-1', conversationId: 'c-guest' });
    assert.deepEqual(loadSession(), chat.session);
    assert.equal(chat.state.phase, 'ready');
    assert.equal(chat.state.conversation.id, 'c-guest');
    assert.ok(!server.posts().some((c) => c.path === '/customer/logout'));
    assert.equal(chat.hooks.signedOut, 0);
  });

  test('identity_required has no reason', async () => {
    fakeServer({ 'POST /customer/login': refused('identity_required') });
    const chat = newChat();
    assert.deepEqual(await chat.signIn('not-a-token'), { status: 401, code: 'identity_required' });
    assert.equal(chat.session, null);
    assert.equal(chat.state.phase, 'idle'); // the guest's chat starts when it is opened
  });
});

describe('signing out', () => {
  test('logout: the session is logged out and everything forgotten; the next start is a fresh guest', async () => {
    const server = fakeServer({
      'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1', { email: 'jamie@example.com' }) }),
      'POST /customer/logout': () => ({ status: 204 }),
      'POST /customer/conversations/start': () => ({ body: startAnswer('anon-2', 'c-new') }),
    });
    const chat = newChat();
    await chat.signIn(JAMIE);
    assert.equal(await chat.signOut(), true);
    const logout = server.posts().find((c) => c.path === '/customer/logout');
    assert.equal(logout.headers['X-Customer-Session-Id'], 'k-1');
    assert.equal(chat.session, null);
    assert.equal(loadSession(), null);
    assert.equal(chat.identity, null);
    assert.equal(chat.hooks.signedOut, 1);
    assert.equal(chat.state.conversation, null);
    assert.equal(chat.stream, null);

    await chat.ensureStarted();
    const start = server.posts().at(-1);
    assert.equal(start.path, '/customer/conversations/start');
    assert.equal(start.body.customer_session_id, undefined);
    assert.equal(start.body.email, undefined); // Jamie's address is not a hint for the next guest
    assert.deepEqual(chat.session, { sessionId: 'anon-2', conversationId: 'c-new' });
  });

  test('a 401 from logout (already gone) clears all the same', async () => {
    fakeServer({
      'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1') }),
      'POST /customer/logout': refused('invalid_session'),
    });
    const chat = newChat();
    await chat.signIn(JAMIE);
    assert.equal(await chat.signOut(), true);
    assert.equal(chat.session, null);
    assert.equal(loadSession(), null);
  });

  test("a guest's logout does nothing", async () => {
    const server = fakeServer({ 'POST /customer/conversations/start': () => ({ body: startAnswer('anon-1', 'c-1') }) });
    const chat = newChat();
    await chat.ensureStarted();
    const before = server.calls.length;
    assert.equal(await chat.signOut(), false);
    assert.equal(server.calls.length, before);
    assert.equal(chat.session.sessionId, 'anon-1');
  });

  test('customer.session_revoked on the stream: signed out, and a fresh chat asked for', async () => {
    const server = fakeServer({ 'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1') }) });
    const chat = newChat();
    await chat.signIn(JAMIE);
    const stream = server.streams.at(-1);
    for (let i = 0; i < 20 && chat.stream?.state !== 'open'; i++) await tick();
    assert.equal(chat.stream.state, 'open');
    stream.send('message.created', { conversation_id: 'c-1', message: { ...welcome('c-1', 'm-live'), content: 'Still here' } }, 80);
    for (let i = 0; i < 20 && chat.log.size < 2; i++) await tick();
    assert.equal(chat.session?.sessionId, 'k-1');
    // Only the streams of the sign-in that ended get it; it names that sign-in by its own id.
    stream.send('customer.session_revoked', { session_id: '0d6c1c3e-5b8a-4f3e-9a43-2b7f4f1f0b11' }, 81);
    for (let i = 0; i < 20 && chat.hooks.fresh === 0; i++) await tick();
    assert.equal(chat.session, null);
    assert.equal(loadSession(), null);
    assert.equal(chat.hooks.signedOut, 1);
    assert.equal(chat.hooks.fresh, 1);
  });

  test('a request answered 401 invalid_session: signed out', async () => {
    const server = fakeServer({
      'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1') }),
      'POST /customer/conversations/c-1/messages': refused('invalid_session'),
    });
    const chat = newChat();
    await chat.signIn(JAMIE);
    assert.equal(chat.send('Hello?'), true);
    for (let i = 0; i < 20 && chat.hooks.fresh === 0; i++) await tick();
    assert.ok(server.posts().some((c) => c.path === '/customer/conversations/c-1/messages'));
    assert.equal(chat.session, null);
    assert.equal(chat.hooks.signedOut, 1);
    assert.equal(chat.hooks.fresh, 1);
  });

  test('a session revoked while another tab already holds a new one: that one is shown', async () => {
    const server = fakeServer({
      'POST /customer/login': () => ({ body: loginAnswer('k-1', 'c-1', 'customer-1') }),
      'POST /customer/conversations/c-1/messages': refused('invalid_session'),
      'GET /customer/conversations/c-2/messages': () => ({ body: { conversation: conversation('c-2', 'anon-9'), messages: [welcome('c-2')], last_event_id: 3 } }),
      'GET /customer/quick-questions': () => ({ body: [] }),
    });
    const chat = newChat();
    await chat.signIn(JAMIE);
    saveSession({ sessionId: 'anon-9', conversationId: 'c-2' }); // the other tab's fresh guest chat
    chat.send('Hello?');
    for (let i = 0; i < 40 && chat.state.conversation?.id !== 'c-2'; i++) await tick();
    assert.equal(chat.hooks.fresh, 0);
    assert.deepEqual(chat.session, { sessionId: 'anon-9', conversationId: 'c-2' });
    assert.equal(server.calls.at(-1).path === '/events' || server.calls.some((c) => c.path === '/customer/conversations/c-2/messages'), true);
  });
});
