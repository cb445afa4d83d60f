// widget/identity.js: reading `sub` out of an identity token (unverified, only
// to compare), what an identify does with the session this browser holds,
// the session record an answer gives, noticing a session the server dropped,
// and the login request (the token in the body only; a refusal's reason kept).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { load } from './load.mjs';

const { tokenSubject, identityAction, sessionRecord, isSessionGone, guardSession, identityProblem, identityApi } =
  await load('widget/identity.js');
const { ApiError } = await load('js/api.js');

const b64url = (value) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const jwt = (claims, header = { alg: 'HS256', typ: 'JWT' }) => `${b64url(header)}.${b64url(claims)}.c2lnbmF0dXJl`;

describe('tokenSubject', () => {
  test('reads sub from the middle part', () => {
    assert.equal(tokenSubject(jwt({ sub: 'customer-1', iat: 1, exp: 2 })), 'customer-1');
  });

  test('decodes UTF-8 and base64url characters (- and _) in the payload', () => {
    // "Zoë" and a claim chosen so that the base64url text contains '-' or '_'.
    const token = jwt({ sub: 'Zoë-42', name: '???>>>~~~' });
    assert.match(token.split('.')[1], /[-_]/);
    assert.equal(tokenSubject(token), 'Zoë-42');
  });

  test('payloads of every length (no padding in base64url)', () => {
    for (const sub of ['a', 'ab', 'abc', 'abcd']) assert.equal(tokenSubject(jwt({ sub })), sub);
  });

  test('surrounding white space is ignored', () => {
    assert.equal(tokenSubject(`  ${jwt({ sub: 'x' })}\n`), 'x');
  });

  test('null for anything that is not a token with a string sub', () => {
    const cases = [
      undefined, null, 42, '', 'abc', 'a.b', 'a.b.c.d',
      jwt({ name: 'no sub' }), jwt({ sub: '' }), jwt({ sub: 12 }), jwt({ sub: null }),
      `${b64url({})}.${b64url([1, 2])}.x`, // an array, not an object
      `${b64url({})}.${b64url('not json')}.x`,
      `${b64url({})}.${Buffer.from(JSON.stringify({ sub: 'a+b' })).toString('base64')}=.x`, // padded base64, not base64url
      `${b64url({})}.${Buffer.from([0xff, 0xfe, 0x7b]).toString('base64url')}.x`, // not UTF-8
      `${b64url({})}..x`,
    ];
    for (const token of cases) assert.equal(tokenSubject(token), null, String(token));
  });
});

describe('identityAction', () => {
  const known = { sessionId: 'k1', conversationId: 'c1', externalId: 'customer-1' };
  const guest = { sessionId: 'a1', conversationId: 'c0' };

  test('a guest logs in and carries the chat it has', () => {
    assert.deepEqual(identityAction(guest, 'customer-1'), { action: 'login', carry: 'a1' });
  });

  test('nothing held: log in, carrying nothing', () => {
    assert.deepEqual(identityAction(null, 'customer-1'), { action: 'login', carry: undefined });
  });

  test('the same customer from an earlier page view: resume with start, no login', () => {
    assert.deepEqual(identityAction(known, 'customer-1'), { action: 'resume' });
    assert.deepEqual(identityAction(known, 'customer-1', 'customer-2'), { action: 'resume' });
  });

  test('the same customer already confirmed in this page view: nothing', () => {
    assert.deepEqual(identityAction(known, 'customer-1', 'customer-1'), { action: 'keep' });
  });

  test('another customer: log the held one out, carry nothing over', () => {
    assert.deepEqual(identityAction(known, 'customer-2', 'customer-1'), { action: 'switch' });
  });

  test('a token whose subject cannot be read never keeps a signed-in session', () => {
    assert.deepEqual(identityAction(known, null, 'customer-1'), { action: 'switch' });
    assert.deepEqual(identityAction(guest, null), { action: 'login', carry: 'a1' });
  });
});

describe('sessionRecord', () => {
  const conversation = { id: 'c9', customer_session_id: 'anon-origin' };

  test('login: its own session id and the contact', () => {
    const answer = { conversation, customer_session_id: 'k2', contact: { external_id: 'customer-1' } };
    assert.deepEqual(sessionRecord(answer), { sessionId: 'k2', conversationId: 'c9', externalId: 'customer-1' });
  });

  test('start with a signed-in session keeps the session it was called with', () => {
    const answer = { conversation, contact: { external_id: 'customer-1' } };
    assert.deepEqual(sessionRecord(answer, 'k1'), { sessionId: 'k1', conversationId: 'c9', externalId: 'customer-1' });
  });

  test("a guest's start: the conversation's session, nothing more", () => {
    assert.deepEqual(sessionRecord({ conversation, contact: null }, undefined), { sessionId: 'anon-origin', conversationId: 'c9' });
    assert.deepEqual(sessionRecord({ conversation }, 'anon-origin'), { sessionId: 'anon-origin', conversationId: 'c9' });
    // An anonymous contact (no external id) is a guest.
    assert.deepEqual(sessionRecord({ conversation, contact: { external_id: null } }, 'x'), { sessionId: 'anon-origin', conversationId: 'c9' });
  });
});

describe('guardSession', () => {
  const gone = () => new ApiError(401, 'invalid_session', 'gone');

  test('a call refused with invalid_session reports the session it was made with, and still rejects', async () => {
    let current = 's1';
    const reported = [];
    let release;
    const api = guardSession({
      send: () => new Promise((_, reject) => { release = () => reject(gone()); }),
      streamUrl: (id) => `/events?conversation_id=${id}`,
    }, () => current, (id) => reported.push(id));
    const pending = api.send('c1', 'hi');
    current = 's2'; // the session changed while the call was under way
    release();
    await assert.rejects(pending, (err) => isSessionGone(err));
    assert.deepEqual(reported, ['s1']);
    assert.equal(api.streamUrl('c1'), '/events?conversation_id=c1'); // the rest untouched
  });

  test('other failures are not a lost session', async () => {
    const reported = [];
    for (const err of [new ApiError(401, 'missing_session'), new ApiError(403, 'not_your_conversation'), new ApiError(0), new Error('x')]) {
      const api = guardSession({ messages: async () => { throw err; } }, () => 's1', (id) => reported.push(id));
      await assert.rejects(api.messages('c1'), (e) => e === err);
    }
    assert.deepEqual(reported, []);
  });

  test('a call that succeeds is passed through', async () => {
    const api = guardSession({ escalate: async (id, m) => ({ id, m }) }, () => 's1', () => assert.fail('not gone'));
    assert.deepEqual(await api.escalate('c1', 'please'), { id: 'c1', m: 'please' });
  });
});

describe('identityProblem', () => {
  test('status, code and a known-looking reason; nothing else', () => {
    const err = new ApiError(401, 'invalid_identity', 'The identity token has expired.');
    err.reason = 'expired';
    assert.deepEqual(identityProblem(err), { status: 401, code: 'invalid_identity', reason: 'expired' });
  });

  test('text that is not a code does not reach the host page', () => {
    const err = new ApiError(401, 'Bad <b>code</b>');
    err.reason = 'eyJhbGciOi.stuff';
    assert.deepEqual(identityProblem(err), { status: 401, code: 'http_error' });
    assert.deepEqual(identityProblem(new TypeError('x')), { status: 0, code: 'network_error' });
  });
});

describe('identityApi.login', () => {
  function fakeFetch(status, body) {
    const calls = [];
    const impl = async (url, init) => {
      calls.push({ url, init });
      return new Response(body === undefined ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
    };
    return { calls, impl };
  }
  const token = jwt({ sub: 'customer-1' });

  test('the token travels in the body only; the anonymous session in the header when carried', async () => {
    const { calls, impl } = fakeFetch(200, { customer_session_id: 'k1' });
    const api = identityApi(impl);
    assert.deepEqual(await api.login(token, 'anon-1'), { customer_session_id: 'k1' });
    await api.login(token, undefined);
    assert.equal(calls.length, 2);
    for (const { url, init } of calls) {
      assert.equal(url, '/api/v1/customer/login');
      assert.ok(!url.includes(token));
      assert.equal(init.method, 'POST');
      assert.deepEqual(JSON.parse(init.body), { identity_token: token });
      assert.equal(init.headers['Content-Type'], 'application/json');
    }
    assert.equal(calls[0].init.headers['X-Customer-Session-Id'], 'anon-1');
    assert.ok(!('X-Customer-Session-Id' in calls[1].init.headers));
  });

  test("a refusal keeps the server's reason", async () => {
    const { impl } = fakeFetch(401, { detail: 'The identity token has expired.', code: 'invalid_identity', reason: 'expired' });
    await assert.rejects(identityApi(impl).login(token), (err) => {
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, 401);
      assert.equal(err.code, 'invalid_identity');
      assert.equal(err.reason, 'expired');
      return true;
    });
  });

  test('no network is status 0', async () => {
    const api = identityApi(async () => { throw new TypeError('Failed to fetch'); });
    await assert.rejects(api.login(token), (err) => err instanceof ApiError && err.status === 0);
  });
});
