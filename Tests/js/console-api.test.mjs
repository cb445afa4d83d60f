// js/api.js's routes for known customers (docs/API.md, "Known customers")
// and for invitations and forgotten passwords, as the console calls them: the path, the method, the query and the body
// each sends, against a fake fetch.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const { ApiError, agentApi, passwordLinks } = await load('js/api.js');

const json = (status, body) => new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

let calls;
let answers;
const realFetch = globalThis.fetch;

beforeEach(() => {
  calls = [];
  answers = [];
  globalThis.fetch = async (url, init) => {
    calls.push({ url, method: init.method, body: init.body === undefined ? undefined : JSON.parse(init.body), headers: init.headers });
    return answers.shift() || json(200, {});
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('contacts (every agent)', () => {
  test('the list: q, limit and before in the query, empty ones left out', async () => {
    const api = agentApi(() => 't');
    await api.contacts({ q: 'ann lee', limit: 50, before: '2026-12-01T10:00:00.000Z' });
    await api.contacts({ q: '', limit: 50 });
    assert.equal(calls[0].method, 'GET');
    assert.equal(calls[0].url, '/api/v1/agent/contacts?q=ann+lee&limit=50&before=2026-12-01T10%3A00%3A00.000Z');
    assert.equal(calls[1].url, '/api/v1/agent/contacts?limit=50');
    assert.equal(calls[0].headers.Authorization, 'Bearer t');
  });

  test('one contact, and a correction: the id escaped in the path, only the members given in the body', async () => {
    const api = agentApi(() => 't');
    await api.contact('a/b');
    await api.updateContact('k1', { email: 'ann@example.com' });
    assert.deepEqual([calls[0].method, calls[0].url], ['GET', '/api/v1/agent/contacts/a%2Fb']);
    assert.deepEqual([calls[1].method, calls[1].url], ['PATCH', '/api/v1/agent/contacts/k1']);
    assert.deepEqual(calls[1].body, { email: 'ann@example.com' });
  });
});

describe('admin', () => {
  test('identity secrets: list, create (no body), delete (204 is null)', async () => {
    const api = agentApi(() => 't');
    answers.push(json(200, { items: [] }), json(201, { id: 's1', secret: 'x', created_at: 'now' }), json(204));
    assert.deepEqual(await api.admin.identitySecrets(), { items: [] });
    assert.deepEqual((await api.admin.createIdentitySecret()).id, 's1');
    assert.equal(await api.admin.deleteIdentitySecret('s1'), null);
    assert.deepEqual(calls.map((c) => [c.method, c.url, c.body]), [
      ['GET', '/api/v1/admin/identity/secrets', undefined],
      ['POST', '/api/v1/admin/identity/secrets', undefined],
      ['DELETE', '/api/v1/admin/identity/secrets/s1', undefined],
    ]);
  });

  test('a contact\'s export and erasure, and the sites that tried', async () => {
    const api = agentApi(() => 't');
    answers.push(json(200, {}), json(204), json(200, { items: [] }));
    await api.admin.exportContact('k 1');
    await api.admin.eraseContact('k1');
    await api.admin.blockedSites();
    assert.deepEqual(calls.map((c) => [c.method, c.url]), [
      ['GET', '/api/v1/admin/contacts/k%201/export'],
      ['DELETE', '/api/v1/admin/contacts/k1'],
      ['GET', '/api/v1/admin/widget/blocked-sites'],
    ]);
  });
});

describe('invitations and forgotten passwords', () => {
  test('the public routes carry no token, each body only what the contract names', async () => {
    answers.push(json(200, { password_reset: true, demo_accounts: false }), json(202, { status: 'sent', expires_in_seconds: 3600 }),
      json(200, { purpose: 'reset', username: 'ann' }), json(200, { access_token: 'a' }));
    assert.deepEqual(await passwordLinks.options(), { password_reset: true, demo_accounts: false });
    assert.equal((await passwordLinks.requestReset('ann@example.com')).status, 'sent');
    assert.equal((await passwordLinks.check('tok')).purpose, 'reset');
    assert.equal((await passwordLinks.setPassword('tok', 'a long password')).access_token, 'a');
    assert.deepEqual(calls.map((c) => [c.method, c.url, c.body]), [
      ['GET', '/api/v1/agent/auth/options', undefined],
      ['POST', '/api/v1/agent/auth/password-reset', { email: 'ann@example.com' }],
      ['POST', '/api/v1/agent/auth/password-link', { token: 'tok' }],
      ['POST', '/api/v1/agent/auth/set-password', { token: 'tok', password: 'a long password' }],
    ]);
    assert.ok(calls.every((c) => !('Authorization' in c.headers)));
  });

  test('a refused link is an ApiError with its code and reason', async () => {
    answers.push(json(400, { code: 'invalid_token', reason: 'used', detail: 'This link was already used.' }));
    await assert.rejects(passwordLinks.check('tok'), (err) => err instanceof ApiError && err.status === 400 && err.code === 'invalid_token' && err.reason === 'used');
  });

  test('an invitation: a POST with no body, the id escaped', async () => {
    answers.push(json(202, { email: 'sam@example.com', expires_at: '2026-12-10T10:00:00.000Z' }));
    assert.equal((await agentApi(() => 't').admin.invite('a/1')).email, 'sam@example.com');
    assert.deepEqual([calls[0].method, calls[0].url, calls[0].body, calls[0].headers.Authorization],
      ['POST', '/api/v1/admin/agents/a%2F1/invite', undefined, 'Bearer t']);
  });
});
