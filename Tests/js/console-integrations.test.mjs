// Settings → Integrations (issue 24): webhooks and API keys for the shop's
// systems (docs/API.md "Webhooks", "API keys"). An endpoint's health in words
// and an icon, the form's rules and the body it sends (only what changed, events
// the form does not list kept), the server's refusals said next to the form in
// its own words, the signing secret and the API key shown once and forgotten on
// leaving, the delivery log's filter, "Show older" paging and Redeliver; a
// message an integration wrote signed with its name; and api.js's routes.

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import { Element, Text, installDom } from './fakedom.mjs';
import { fakeServer, until } from './fakeserver.mjs';
import { load } from './load.mjs';

const {
  EVENTS, healthOf, webhookProblem, webhookBody, webhookRefusal, deliveryState, deliveryFacts, eventText, nextLog, replaceDelivery,
} = await load('agent/webhookdata.js');
const { apiKeyBody, apiKeyProblem, keyFacts } = await load('agent/apikeys.js');
const { Integrations } = await load('agent/integrations.js');
const { endpointName } = await load('agent/webhooks.js');
const { integrationLabel, integrationOf, previewOf } = await load('agent/convinfo.js');
const { agentApi } = await load('js/api.js');
const { viewOf } = await load('agent/routes.js');

// --- fixtures -------------------------------------------------------------------------------

const T0 = '2026-12-07T10:00:00.000Z';

function webhook(id, { state = 'healthy', enabled = true, reason = null, ...more } = {}) {
  return {
    id, url: `https://${id}.example/hooks`, description: '', events: ['conversation.created', 'message.created'], enabled,
    secret_last4: 'ab12', created_at: T0, updated_at: T0, disabled_reason: reason,
    health: { state, failing_since: null, last_attempt_at: null, last_status_code: null, pending: 0 },
    ...more,
  };
}

const FAILING = webhook('fail', {
  description: 'Order system',
  health: { state: 'failing', failing_since: T0, last_attempt_at: '2026-12-07T10:05:00.000Z', last_status_code: 500, pending: 3 },
});
const HEALTHY = webhook('ok', { health: { state: 'healthy', failing_since: null, last_attempt_at: T0, last_status_code: 204, pending: 0 } });

function delivery(n, { state = 'pending', attempts = 1, code = 500, ...more } = {}) {
  return {
    id: `d${n}`, event_type: 'message.created', webhook_id_header: `msg_${n}`, state, attempts, last_status_code: code,
    last_error: code ? `HTTP ${code}` : null, next_attempt_at: state === 'pending' ? '2026-12-07T10:06:00.000Z' : null,
    created_at: `2026-12-07T09:${String(59 - (n % 60)).padStart(2, '0')}:00.000Z`, delivered_at: null, ...more,
  };
}

// --- the rules, without the page ---------------------------------------------------------------

describe('webhooks: an endpoint\'s health, in words and an icon', () => {
  test('each state has its own word and icon, never only a colour', () => {
    const states = ['new', 'healthy', 'failing', 'disabled'].map((state) => healthOf(webhook('w', { state, enabled: state !== 'disabled' })));
    assert.deepEqual(states.map((s) => [s.state, s.label, s.icon]), [
      ['new', 'New', 'clock'], ['healthy', 'Healthy', 'check'], ['failing', 'Failing', 'alert'], ['disabled', 'Disabled', 'close'],
    ]);
    assert.equal(new Set(states.map((s) => s.icon)).size, 4, 'one icon per state');
  });

  test('failing: since when, the last answer and what waits', () => {
    const { lines } = healthOf(FAILING);
    assert.match(lines[0], /^Failing since /);
    assert.match(lines[1], /^Last attempt .*, answered HTTP 500$/);
    assert.equal(lines[2], '3 deliveries waiting');
    assert.equal(healthOf({ ...FAILING, health: { ...FAILING.health, pending: 1 } }).lines[2], '1 delivery waiting');
  });

  test('failing without an answer (refused, timed out) says so', () => {
    const { lines } = healthOf({ ...FAILING, health: { ...FAILING.health, last_status_code: null } });
    assert.match(lines[1], /, no answer$/);
  });

  test('disabled: the server\'s reason; turned off by hand: that, whatever the state says', () => {
    const auto = healthOf(webhook('w', { state: 'disabled', enabled: false, reason: 'failing for 24 hours (last: HTTP 500)' }));
    assert.equal(auto.lines[0], 'Turned off: failing for 24 hours (last: HTTP 500)');
    const byHand = healthOf(webhook('w', { state: 'healthy', enabled: false }));
    assert.equal(byHand.label, 'Disabled');
    assert.equal(byHand.lines[0], 'Turned off: nothing is sent to it.');
  });

  test('new: nothing sent yet; an unknown state is taken for new', () => {
    assert.deepEqual(healthOf(webhook('w', { state: 'new' })).lines, ['Nothing sent yet.']);
    assert.equal(healthOf(webhook('w', { state: 'sideways' })).label, 'New');
  });
});

describe('webhooks: what an endpoint is called in a toast', () => {
  test('its description, else its host', () => {
    assert.equal(endpointName(webhook('w', { description: 'CRM' })), 'CRM');
    assert.equal(endpointName(webhook('w', { url: 'https://erp.example:8443/a/very/long/path?x=1' })), 'erp.example:8443');
  });
});

describe('webhooks: the form\'s rules', () => {
  const ok = { url: 'https://shop.example/hooks/chat', description: '', events: ['message.created'] };

  test('a good endpoint passes; http:// is left to the server (it may allow it)', () => {
    assert.equal(webhookProblem(ok), null);
    assert.equal(webhookProblem({ ...ok, url: 'http://127.0.0.1:9000/hook' }), null);
  });

  test('the address: missing, not one, another scheme, credentials, a fragment, too long', () => {
    const field = (url) => webhookProblem({ ...ok, url });
    assert.match(field('  ').text, /^Address: enter where/);
    assert.match(field('shop.example/hook').text, /^Address: a web address/);
    assert.match(field('ftp://shop.example/').text, /starts with https:\/\//);
    assert.match(field('https://me:pw@shop.example/').text, /user name and password/);
    assert.match(field('https://shop.example/hook#x').text, /leave out the #/);
    assert.match(field(`https://shop.example/${'a'.repeat(2000)}`).text, /at most 2000 characters/);
    assert.equal(field('  ').field, 'url');
  });

  test('the description: at most 200 characters (scalars: an emoji is one)', () => {
    assert.equal(webhookProblem({ ...ok, description: '🙂'.repeat(200) }), null);
    assert.deepEqual(webhookProblem({ ...ok, description: 'a'.repeat(201) }), { field: 'description', text: 'Description: at most 200 characters.' });
  });

  test('events: at least one', () => {
    assert.deepEqual(webhookProblem({ ...ok, events: [] }), { field: 'events', text: 'Events: choose at least one.' });
  });

  test('a new endpoint sends all of it, trimmed, the events in the form\'s order', () => {
    const body = webhookBody(null, { url: ' https://shop.example/h ', description: ' Orders ', events: ['message.created', 'conversation.created'], enabled: true });
    assert.deepEqual(body, { url: 'https://shop.example/h', description: 'Orders', events: ['conversation.created', 'message.created'], enabled: true });
  });

  test('an edit sends only what changed, and {} when nothing did', () => {
    const w = webhook('w');
    const same = { url: w.url, description: '', events: [...w.events].reverse(), enabled: true };
    assert.deepEqual(webhookBody(w, same), {});
    assert.deepEqual(webhookBody(w, { ...same, enabled: false }), { enabled: false });
    assert.deepEqual(webhookBody(w, { ...same, description: 'CRM' }), { description: 'CRM' });
    assert.deepEqual(webhookBody(w, { ...same, events: ['contact.created'] }), { events: ['contact.created'] });
  });

  test('events the form does not list (webhook.test, a newer server\'s) stay subscribed', () => {
    const w = webhook('w', { events: ['message.created', 'webhook.test', 'order.paid'] });
    assert.deepEqual(webhookBody(w, { url: w.url, description: '', events: ['message.created'], enabled: true }), {});
    assert.deepEqual(webhookBody(w, { url: w.url, description: '', events: ['contact.updated'], enabled: true }).events,
      ['contact.updated', 'webhook.test', 'order.paid']);
  });

  test('the server\'s refusals in its own words, next to the field they are about', () => {
    const err = (code, detail) => ({ status: 400, code, detail });
    assert.deepEqual(webhookRefusal(err('private_address', 'url: 127.0.0.1 is a loopback address, not a public one.')),
      { field: 'url', text: 'Address: 127.0.0.1 is a loopback address, not a public one.' });
    assert.deepEqual(webhookRefusal(err('unresolvable_host', 'url: nowhere.invalid does not resolve.')),
      { field: 'url', text: 'Address: Nowhere.invalid does not resolve.' });
    assert.equal(webhookRefusal(err('invalid_url', 'url: must be https.')).text, 'Address: Must be https.');
    assert.deepEqual(webhookRefusal(err('invalid_events', 'events: unknown event type "order.paid".')),
      { field: 'events', text: 'Events: Unknown event type "order.paid".' });
    assert.deepEqual(webhookRefusal({ status: 409, code: 'webhook_limit', detail: 'At most 20 endpoints.' }),
      { field: null, text: 'At most 20 endpoints. Delete one you no longer use first.' });
    assert.deepEqual(webhookRefusal(err('invalid_webhook', 'description: at most 200 characters.')),
      { field: 'description', text: 'Description: At most 200 characters.' });
  });

  test('every event has words; the test event too', () => {
    assert.equal(EVENTS.length, 8);
    assert.ok(EVENTS.every((e) => e.text && !e.text.includes('.')));
    assert.equal(eventText('webhook.test'), 'Test event');
    assert.equal(eventText('order.paid'), 'order.paid');
  });
});

describe('webhooks: the delivery log', () => {
  test('a delivery\'s state in words: waiting, retrying after a failure, delivered, failed', () => {
    assert.equal(deliveryState(delivery(1, { attempts: 0, code: null })).label, 'Waiting');
    assert.equal(deliveryState(delivery(1)).label, 'Retrying');
    assert.deepEqual(deliveryState(delivery(1, { state: 'delivered', code: 204 })), { label: 'Delivered', icon: 'check', tone: 'healthy' });
    assert.equal(deliveryState(delivery(1, { state: 'failed' })).icon, 'alert');
  });

  test('a row\'s facts: attempts, last answer, last error, next attempt, created', () => {
    const facts = Object.fromEntries(deliveryFacts(delivery(1, { attempts: 3 })));
    assert.equal(facts.Attempts, '3');
    assert.equal(facts['Last answer'], 'HTTP 500');
    assert.equal(facts['Last error'], 'HTTP 500');
    assert.notEqual(facts['Next attempt'], '—');
    assert.ok(facts.Created);
    const fresh = Object.fromEntries(deliveryFacts(delivery(2, { attempts: 0, code: null, next_attempt_at: null })));
    assert.deepEqual([fresh['Last answer'], fresh['Last error'], fresh['Next attempt']], ['Not sent yet', '—', 'Now']);
    const refused = Object.fromEntries(deliveryFacts(delivery(3, { code: null, last_error: 'connection refused' })));
    assert.deepEqual([refused['Last answer'], refused['Last error']], ['None', 'connection refused']);
  });

  test('paging: a full page means there may be more, from the last id; older pages are appended once', () => {
    const first = Array.from({ length: 20 }, (_, i) => delivery(i));
    const one = nextLog([], first, { limit: 20 });
    assert.deepEqual([one.items.length, one.more, one.before], [20, true, 'd19']);
    const older = [delivery(19), ...Array.from({ length: 5 }, (_, i) => delivery(20 + i))];
    const two = nextLog(one.items, older, { older: true, limit: 20 });
    assert.deepEqual([two.items.length, two.more, two.before], [25, false, 'd24']);
    assert.equal(two.items.filter((d) => d.id === 'd19').length, 1);
    const again = nextLog(two.items, [delivery(0)], { limit: 20 });
    assert.deepEqual(again.items.map((d) => d.id), ['d0'], 'a fresh read replaces what was shown');
    assert.deepEqual(nextLog([], [], {}), { items: [], more: false, before: null });
  });

  test('a redelivered delivery takes its row\'s place', () => {
    const items = [delivery(1, { state: 'failed' }), delivery(2)];
    const again = replaceDelivery(items, { ...items[0], state: 'pending' });
    assert.deepEqual(again.map((d) => [d.id, d.state]), [['d1', 'pending'], ['d2', 'pending']]);
    assert.deepEqual(replaceDelivery(items, delivery(9)).map((d) => d.id), ['d9', 'd1', 'd2']);
  });
});

describe('API keys: the rules', () => {
  test('a name 1–60 characters; the role agent or admin', () => {
    assert.equal(apiKeyProblem({ name: 'Order system' }), null);
    assert.match(apiKeyProblem({ name: '  ' }).text, /^Name: say which system/);
    assert.equal(apiKeyProblem({ name: 'x'.repeat(61) }).text, 'Name: at most 60 characters (this has 61).');
    assert.deepEqual(apiKeyBody({ name: ' Order system ', role: 'admin' }), { name: 'Order system', role: 'admin' });
    assert.deepEqual(apiKeyBody({ name: 'CRM', role: 'root' }), { name: 'CRM', role: 'agent' });
  });

  test('a key\'s facts: its prefix, when made, last used (never), or when revoked', () => {
    const key = { id: 'k1', name: 'CRM', role: 'agent', prefix: 'sbk_AbCdEfGh', created_at: T0, last_used_at: null, revoked_at: null };
    const facts = keyFacts(key);
    assert.deepEqual(facts.map(([term]) => term), ['Key', 'Created', 'Last used']);
    assert.equal(facts[0][1], 'sbk_AbCdEfGh…');
    assert.equal(facts[2][1], 'Never');
    assert.equal(keyFacts({ ...key, revoked_at: T0 })[2][0], 'Revoked');
  });
});

describe('a message an integration wrote', () => {
  const m = { sender_type: 'agent', sender_agent_id: 'key-agent', content: 'Your order shipped.', sender: { type: 'agent', agent_id: 'key-agent', integration: 'Order system' } };

  test('is signed with its name and "integration", never a person\'s name', () => {
    assert.equal(integrationOf(m), 'Order system');
    assert.equal(integrationLabel('Order system'), 'Order system · integration');
    assert.equal(integrationOf({ ...m, sender: { type: 'agent', agent_id: 'a', integration: null } }), null);
    assert.equal(integrationOf({ sender_type: 'agent', metadata: { integration: 'CRM' } }), 'CRM', 'metadata.integration too');
    assert.equal(integrationOf({ sender_type: 'customer', content: 'hi' }), null);
  });

  test('the list\'s preview names the integration', () => {
    const agentName = () => 'Agent';
    assert.equal(previewOf(m, { me: 'me', agentName }).text, 'Order system: Your order shipped.');
    assert.equal(previewOf({ ...m, sender: null }, { me: 'me', agentName }).text, 'Agent: Your order shipped.');
  });
});

describe('the Integrations section is an admin\'s', () => {
  test('#settings/integrations: admins only', () => {
    assert.deepEqual(viewOf('#settings/integrations', { admin: true }), { view: 'settings', section: 'integrations' });
    assert.deepEqual(viewOf('#settings/integrations', { admin: false }), { view: 'chats' });
  });
});

// --- api.js ------------------------------------------------------------------------------------

describe('api.js: the webhook and API key routes', () => {
  test('path, method, query and body of each', async () => {
    const server = fakeServer({});
    const api = agentApi(() => 't');
    await api.admin.webhooks().catch(() => {});
    await api.admin.createWebhook({ url: 'https://a.example', events: ['message.created'] }).catch(() => {});
    await api.admin.updateWebhook('w/1', { enabled: false }).catch(() => {});
    await api.admin.deleteWebhook('w1').catch(() => {});
    await api.admin.rotateWebhookSecret('w1').catch(() => {});
    await api.admin.testWebhook('w1').catch(() => {});
    await api.admin.webhookDeliveries('w1', { status: 'failed', before: 'd9', limit: 20 }).catch(() => {});
    await api.admin.webhookDeliveries('w1').catch(() => {});
    await api.admin.redeliver('w1', 'd9').catch(() => {});
    await api.admin.apiKeys().catch(() => {});
    await api.admin.createApiKey({ name: 'CRM', role: 'agent' }).catch(() => {});
    await api.admin.revokeApiKey('k1').catch(() => {});
    const seen = server.calls.map((c) => [c.method, c.url.replace(/^\/api\/v1/, ''), c.body]);
    assert.deepEqual(seen, [
      ['GET', '/admin/webhooks', undefined],
      ['POST', '/admin/webhooks', { url: 'https://a.example', events: ['message.created'] }],
      ['PATCH', '/admin/webhooks/w%2F1', { enabled: false }],
      ['DELETE', '/admin/webhooks/w1', undefined],
      ['POST', '/admin/webhooks/w1/rotate-secret', undefined],
      ['POST', '/admin/webhooks/w1/test', undefined],
      ['GET', '/admin/webhooks/w1/deliveries?status=failed&before=d9&limit=20', undefined],
      ['GET', '/admin/webhooks/w1/deliveries', undefined],
      ['POST', '/admin/webhooks/w1/deliveries/d9/redeliver', undefined],
      ['GET', '/admin/api-keys', undefined],
      ['POST', '/admin/api-keys', { name: 'CRM', role: 'agent' }],
      ['DELETE', '/admin/api-keys/k1', undefined],
    ]);
    assert.ok(server.calls.every((c) => c.headers.Authorization === 'Bearer t'));
  });
});

// --- the page ------------------------------------------------------------------------------------

/** Every text node under `node`, joined: what a person reads there. */
const textOf = (node) => node.textContent;
/** The elements under `root` (by class) — fakedom only selects by attribute. */
const byClass = (root, name) => [...root.descendants()].filter((e) => e.className.split(' ').includes(name));
const byAction = (root, action) => root.querySelectorAll(`[data-action="${action}"]`);
const click = (el) => el.dispatchEvent({ type: 'click' });
const submit = (form) => form.dispatchEvent({ type: 'submit' });

/** The page: the section Integrations builds into, and the confirm dialog (answering `answer`). */
function page({ answer = 'ok' } = {}) {
  const document = installDom();
  const mk = (tag, id) => {
    const el = new Element(tag);
    el.setAttribute('id', id);
    document.body.append(el);
    return el;
  };
  mk('section', 'section-integrations');
  const dialog = mk('dialog', 'confirm-dialog');
  for (const id of ['confirm-title', 'confirm-text', 'confirm-ok']) mk('p', id);
  const asked = [];
  dialog.showModal = () => {
    asked.push(document.getElementById('confirm-title').textContent);
    dialog.returnValue = answer;
    queueMicrotask(() => dialog.dispatchEvent({ type: 'close' }));
  };
  const toasts = [];
  return { document, asked, toasts, toast: (text) => toasts.push(text) };
}

let shown = null; // the section on show, left after each test (its list is read again on a timer)
globalThis.addEventListener ??= () => {};

afterEach(() => {
  shown?.leave();
  shown = null;
});

async function openSection(answers, options) {
  const p = page(options);
  const server = fakeServer({
    'GET /admin/webhooks': () => ({ body: { items: [FAILING, HEALTHY] } }),
    'GET /admin/api-keys': () => ({ body: { items: [] } }),
    ...answers,
  });
  const section = new Integrations({ api: agentApi(() => 't'), toast: p.toast });
  shown = section;
  await section.show();
  return { ...p, server, section, $: (id) => p.document.getElementById(id) };
}

describe('Webhooks on the page', () => {
  test('each endpoint: its address, description, events, secret\'s end, and its health as a word beside an icon', async () => {
    const { $ } = await openSection();
    const items = byClass($('webhook-list'), 'webhook');
    assert.deepEqual(items.map((li) => li.dataset.health), ['failing', 'healthy']);
    const [failing, healthy] = items;
    const badge = byClass(failing, 'health')[0];
    assert.equal(badge.textContent, 'Failing', 'the state in words');
    assert.equal(badge.childNodes[0].tagName, 'SVG', 'and an icon');
    assert.equal(badge.childNodes[0].getAttribute('aria-hidden'), 'true', 'the icon is decoration: the word says it');
    assert.match(textOf(failing), /Order system/);
    assert.match(textOf(failing), /https:\/\/fail\.example\/hooks/);
    assert.match(textOf(failing), /Failing since .*answered HTTP 500.*3 deliveries waiting/s);
    assert.match(textOf(failing), /Events: conversation\.created, message\.created/);
    assert.match(textOf(failing), /Signing secret ending in ab12/);
    assert.equal(byClass(healthy, 'health')[0].textContent, 'Healthy');
    assert.equal($('webhooks-count').textContent, '2 of 20 endpoints.');
  });

  test('markup in an address or description stays text', async () => {
    const evil = webhook('x', { description: '<img src=x onerror=alert(1)>', url: 'https://x.example/?q=<b>' });
    const { $ } = await openSection({ 'GET /admin/webhooks': () => ({ body: { items: [evil] } }) });
    const name = byClass($('webhook-list'), 'webhook-name')[0];
    assert.ok(name.childNodes.every((n) => n instanceof Text));
    assert.equal(name.textContent, '<img src=x onerror=alert(1)>');
  });

  test('adding one: the form\'s values are sent, the secret is shown once, with a copy button and a warning', async () => {
    const created = { ...webhook('new', { state: 'new' }), secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVzISE=' };
    const { $, server, toasts } = await openSection({ 'POST /admin/webhooks': () => ({ status: 201, body: created }) });
    click($('webhook-new'));
    assert.equal($('webhook-form').hidden, false);
    $('webhook-url').value = 'https://new.example/hooks';
    $('webhook-description').value = 'CRM';
    for (const box of $('webhook-form').querySelectorAll('[name="webhook_events"]')) box.checked = box.getAttribute('value') === 'message.created';
    submit($('webhook-form'));
    await until(() => server.posts('/admin/webhooks').length === 1, 'the POST');
    assert.deepEqual(server.posts('/admin/webhooks')[0].body,
      { url: 'https://new.example/hooks', description: 'CRM', events: ['message.created'], enabled: true });
    await until(() => !$('webhook-secret').hidden, 'the secret shown');
    assert.equal($('webhook-secret-value').value, created.secret);
    assert.match($('webhook-secret-warning').textContent, /You will not see this again/);
    assert.ok($('webhook-secret-copy'), 'a Copy button');
    assert.equal($('webhook-form').hidden, true);
    assert.deepEqual(toasts, ['Added new.example.']);
    assert.equal($('webhook-secret-value').getAttribute('readonly'), '');
  });

  test('the secret goes when the admin has it, or leaves the section', async () => {
    const created = { ...webhook('new'), secret: 'whsec_abc' };
    const { $, section } = await openSection({ 'POST /admin/webhooks/ok/rotate-secret': () => ({ body: created }) });
    click(byAction($('webhook-list'), 'rotate')[1]);
    await until(() => !$('webhook-secret').hidden, 'the rotated secret shown');
    assert.equal($('webhook-secret-value').value, 'whsec_abc');
    click($('webhook-secret-done'));
    assert.equal($('webhook-secret-value').value, '');
    assert.equal($('webhook-secret').hidden, true);
    click(byAction($('webhook-list'), 'rotate')[1]);
    await until(() => !$('webhook-secret').hidden, 'shown again after another rotation');
    section.leave();
    assert.equal($('webhook-secret-value').value, '', 'gone with the section');
  });

  test('rotating and deleting ask first; "Cancel" sends nothing', async () => {
    const { $, server, asked } = await openSection({}, { answer: 'cancel' });
    click(byAction($('webhook-list'), 'rotate')[0]);
    click(byAction($('webhook-list'), 'delete')[0]);
    await until(() => asked.length === 2, 'two confirmations');
    assert.match(asked[0], /^Rotate the signing secret of https:\/\/fail\.example/);
    assert.match(asked[1], /^Delete the endpoint https:\/\/fail\.example/);
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(server.calls.filter((c) => c.method !== 'GET').length, 0);
  });

  test('deleting after "yes": DELETE, and the list read again', async () => {
    let items = [FAILING, HEALTHY];
    const { $, server } = await openSection({
      'GET /admin/webhooks': () => ({ body: { items } }),
      'DELETE /admin/webhooks/fail': () => { items = [HEALTHY]; return { status: 204 }; },
    });
    click(byAction($('webhook-list'), 'delete')[0]);
    await until(() => byClass($('webhook-list'), 'webhook').length === 1, 'one endpoint left');
    assert.ok(server.calls.some((c) => c.method === 'DELETE' && c.path === '/admin/webhooks/fail'));
  });

  test('the form says what is wrong before sending anything', async () => {
    const { $, server } = await openSection();
    click($('webhook-new'));
    $('webhook-url').value = 'https://me:pw@shop.example/';
    submit($('webhook-form'));
    assert.match($('webhook-url-error').textContent, /user name and password/);
    assert.equal($('webhook-url').getAttribute('aria-invalid'), 'true');
    $('webhook-url').value = 'https://shop.example/';
    for (const box of $('webhook-form').querySelectorAll('[name="webhook_events"]')) box.checked = false;
    submit($('webhook-form'));
    assert.equal($('webhook-url-error').hidden, true, 'the address is fine now');
    assert.equal($('webhook-events-error').textContent, 'Events: choose at least one.');
    assert.equal(server.posts().length, 0);
  });

  for (const [code, detail] of [
    ['private_address', 'url: 10.0.0.5 is a private address; webhooks go to public addresses only.'],
    ['unresolvable_host', 'url: hooks.nowhere.invalid does not resolve.'],
    ['invalid_url', 'url: must start with https://.'],
  ]) {
    test(`the server's ${code}: its words under the address`, async () => {
      const { $ } = await openSection({ 'POST /admin/webhooks': () => ({ status: 400, body: { code, detail } }) });
      click($('webhook-new'));
      $('webhook-url').value = 'https://hooks.example/';
      submit($('webhook-form'));
      await until(() => !$('webhook-url-error').hidden, 'the error shown');
      const words = detail.replace(/^url: /, '');
      assert.equal($('webhook-url-error').textContent, `Address: ${words.charAt(0).toUpperCase()}${words.slice(1)}`);
      assert.equal($('webhook-form').hidden, false, 'the form stays, with what was typed');
      assert.equal($('webhook-url').value, 'https://hooks.example/');
    });
  }

  test('the server\'s invalid_events under the events, webhook_limit under the form', async () => {
    let answer = { status: 400, body: { code: 'invalid_events', detail: 'events: unknown event type "x".' } };
    const { $ } = await openSection({ 'POST /admin/webhooks': () => answer });
    click($('webhook-new'));
    $('webhook-url').value = 'https://hooks.example/';
    submit($('webhook-form'));
    await until(() => !$('webhook-events-error').hidden, 'the events error');
    assert.equal($('webhook-events-error').textContent, 'Events: Unknown event type "x".');
    answer = { status: 409, body: { code: 'webhook_limit', detail: 'At most 20 endpoints.' } };
    submit($('webhook-form'));
    await until(() => !$('webhook-form-error').hidden, 'the limit');
    assert.equal($('webhook-form-error').textContent, 'At most 20 endpoints. Delete one you no longer use first.');
  });

  test('editing sends only what changed', async () => {
    const { $, server } = await openSection({ 'PATCH /admin/webhooks/ok': (req) => ({ body: { ...HEALTHY, ...req.body } }) });
    click(byAction($('webhook-list'), 'edit')[1]);
    assert.equal($('webhook-url').value, HEALTHY.url);
    assert.match($('webhook-form-title').textContent, /^Edit the endpoint/);
    $('webhook-enabled').checked = false;
    submit($('webhook-form'));
    await until(() => server.calls.some((c) => c.method === 'PATCH'), 'the PATCH');
    assert.deepEqual(server.calls.find((c) => c.method === 'PATCH').body, { enabled: false });
  });

  test('"Send test event": POST …/test, and a word on where to see how it went', async () => {
    const { $, server, toasts } = await openSection({ 'POST /admin/webhooks/ok/test': () => ({ status: 202, body: delivery(1, { event_type: 'webhook.test' }) }) });
    click(byAction($('webhook-list'), 'test')[1]);
    await until(() => toasts.length, 'the toast');
    assert.equal(server.posts('/test').length, 1);
    assert.equal(toasts[0], 'Test event sent to ok.example.', 'the host: a whole address is cut off in a toast');
  });

  test('the test refused for a disabled endpoint: said in the card', async () => {
    const { $ } = await openSection({ 'POST /admin/webhooks/ok/test': () => ({ status: 409, body: { code: 'webhook_disabled', detail: 'The endpoint is disabled.' } }) });
    click(byAction($('webhook-list'), 'test')[1]);
    await until(() => !$('webhooks-error').hidden, 'the error');
    assert.match($('webhooks-error').textContent, /is turned off: turn it on \(Edit\)/);
  });
});

describe('the delivery log on the page', () => {
  const full = Array.from({ length: 20 }, (_, i) => delivery(i));

  test('opens under its endpoint: each row says event, state, attempts, last answer and error, next attempt, created', async () => {
    const { $, server } = await openSection({ 'GET /admin/webhooks/fail/deliveries': () => ({ body: { items: [delivery(1, { attempts: 4 })] } }) });
    const button = byAction($('webhook-list'), 'log')[0];
    click(button);
    await until(() => byClass($('log-fail'), 'delivery').length === 1, 'a row');
    assert.equal(byAction($('webhook-list'), 'log')[0].getAttribute('aria-expanded'), 'true');
    const row = byClass($('log-fail'), 'delivery')[0];
    const text = textOf(row);
    for (const part of ['A customer, agent or bot writes a message', 'message.created', 'Retrying', 'Attempts 4', 'Last answer HTTP 500', 'Last error HTTP 500', 'Next attempt', 'Created']) {
      assert.ok(text.includes(part), `${part} in ${text}`);
    }
    assert.equal(byAction(row, 'redeliver').length, 1);
    assert.match(server.calls.at(-1).url, /\/deliveries\?limit=20$/);
  });

  test('"Show older" goes on from the last row; the filter reads from the newest again', async () => {
    const { $, server } = await openSection({
      'GET /admin/webhooks/fail/deliveries': (req) => {
        const before = new URL(req.url, 'http://x').searchParams.get('before');
        return { body: { items: before ? [delivery(20), delivery(21)] : full } };
      },
    });
    click(byAction($('webhook-list'), 'log')[0]);
    await until(() => byClass($('log-fail'), 'delivery').length === 20, 'the first page');
    const older = byAction($('log-fail'), 'older')[0];
    assert.equal(older.hidden, false, 'a full page: there may be more');
    click(older);
    await until(() => byClass($('log-fail'), 'delivery').length === 22, 'the older ones appended');
    assert.match(server.calls.at(-1).url, /before=d19/);
    assert.equal(older.hidden, true, 'a short page: no more');
    const filter = $('log-fail-status');
    filter.value = 'failed';
    filter.dispatchEvent({ type: 'change' });
    await until(() => /status=failed/.test(server.calls.at(-1).url), 'read with the filter');
    assert.doesNotMatch(server.calls.at(-1).url, /before=/);
  });

  test('"Redeliver": POST …/redeliver, the row pending again', async () => {
    const failed = delivery(5, { state: 'failed', attempts: 9 });
    const { $, server, toasts } = await openSection({
      'GET /admin/webhooks/fail/deliveries': () => ({ body: { items: [failed] } }),
      'POST /admin/webhooks/fail/deliveries/d5/redeliver': () => ({ status: 202, body: { ...failed, state: 'pending', attempts: 0, last_status_code: null, last_error: null } }),
    });
    click(byAction($('webhook-list'), 'log')[0]);
    await until(() => byAction($('log-fail'), 'redeliver').length === 1, 'the row');
    click(byAction($('log-fail'), 'redeliver')[0]);
    await until(() => byClass($('log-fail'), 'delivery')[0].dataset.state === 'pending', 'pending again');
    assert.equal(server.posts('/redeliver').length, 1);
    assert.equal(byClass($('log-fail'), 'health')[0].textContent, 'Waiting');
    assert.match(toasts.at(-1), /same webhook-id/);
  });

  test('"Redeliver" refused (webhook_disabled): said in the log', async () => {
    const { $ } = await openSection({
      'GET /admin/webhooks/fail/deliveries': () => ({ body: { items: [delivery(5, { state: 'failed' })] } }),
      'POST /admin/webhooks/fail/deliveries/d5/redeliver': () => ({ status: 409, body: { code: 'webhook_disabled', detail: 'The endpoint is disabled.' } }),
    });
    click(byAction($('webhook-list'), 'log')[0]);
    await until(() => byAction($('log-fail'), 'redeliver').length === 1, 'the row');
    click(byAction($('log-fail'), 'redeliver')[0]);
    const alert = () => $('log-fail').querySelectorAll('[role="alert"]')[0];
    await until(() => !alert().hidden, 'the error');
    assert.match(alert().textContent, /turned off: turn it on \(Edit\) to redeliver/);
  });

  test('a filter chosen while the first page is on its way: the filtered page is what shows', async () => {
    let release;
    const slow = new Promise((resolve) => { release = resolve; });
    const { $ } = await openSection({
      'GET /admin/webhooks/fail/deliveries': async (req) => {
        if (/status=failed/.test(req.url)) return { body: { items: [delivery(7, { state: 'failed' })] } };
        await slow;
        return { body: { items: full } };
      },
    });
    click(byAction($('webhook-list'), 'log')[0]);
    const filter = $('log-fail-status');
    filter.value = 'failed';
    filter.dispatchEvent({ type: 'change' });
    await until(() => byClass($('log-fail'), 'delivery').length === 1, 'the failed one');
    release();
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(byClass($('log-fail'), 'delivery').map((li) => li.dataset.id), ['d7'], 'the late unfiltered page is dropped');
  });

  test('an empty filtered log says what it looked for', async () => {
    const { $ } = await openSection({ 'GET /admin/webhooks/fail/deliveries': () => ({ body: { items: [] } }) });
    click(byAction($('webhook-list'), 'log')[0]);
    const state = () => $('log-fail').querySelectorAll('[role="status"]')[0].textContent;
    await until(() => state().startsWith('No deliveries yet'), 'the empty log');
    const filter = $('log-fail-status');
    filter.value = 'pending';
    filter.dispatchEvent({ type: 'change' });
    await until(() => state() === 'Nothing waits to be sent.', 'the empty pending log');
  });

  test('no deliveries: says so and how to get one', async () => {
    const { $ } = await openSection({ 'GET /admin/webhooks/fail/deliveries': () => ({ body: { items: [] } }) });
    click(byAction($('webhook-list'), 'log')[0]);
    const state = () => $('log-fail').querySelectorAll('[role="status"]')[0].textContent;
    await until(() => state().startsWith('No deliveries yet'), 'the empty log');
  });
});

describe('API keys on the page', () => {
  const KEY = { id: 'k1', name: 'Order system', role: 'agent', prefix: 'sbk_AbCdEfGh', created_at: T0, last_used_at: null, revoked_at: null };

  test('the list: name, role, prefix, created, last used; a revoked key says so and has no Revoke', async () => {
    const revoked = { ...KEY, id: 'k2', name: 'Old CRM', role: 'admin', revoked_at: T0 };
    const { $ } = await openSection({ 'GET /admin/api-keys': () => ({ body: { items: [KEY, revoked] } }) });
    const [live, gone] = byClass($('apikey-list'), 'apikey');
    assert.match(textOf(live), /Order system.*Agent.*sbk_AbCdEfGh….*Created.*Last used Never/s);
    assert.equal(byAction(live, 'revoke').length, 1);
    assert.match(textOf(gone), /Old CRM.*Admin.*Revoked/s);
    assert.equal(byAction(gone, 'revoke').length, 0);
    assert.equal($('apikeys-count').textContent, '1 of 50 keys in use.');
  });

  test('creating one: name and role sent, the key shown once with Copy, gone on leaving; never kept in the list', async () => {
    const made = { ...KEY, key: `sbk_${'A'.repeat(43)}` };
    let items = [];
    const { $, server, section } = await openSection({
      'GET /admin/api-keys': () => ({ body: { items } }),
      'POST /admin/api-keys': (req) => { items = [KEY]; return { status: 201, body: { ...made, ...req.body } }; },
    });
    $('apikey-name').value = '  Order system ';
    $('apikey-role').value = 'admin';
    submit($('apikey-form'));
    await until(() => !$('apikey-created').hidden, 'the key shown');
    assert.deepEqual(server.posts('/admin/api-keys')[0].body, { name: 'Order system', role: 'admin' });
    assert.equal($('apikey-created-value').value, made.key);
    assert.match($('apikey-created-warning').textContent, /You will not see this again/);
    assert.ok($('apikey-created-copy'));
    assert.equal($('apikey-name').value, '', 'the form is ready for the next');
    assert.ok(!textOf($('apikey-list')).includes(made.key), 'the list never shows the key');
    section.leave();
    assert.equal($('apikey-created-value').value, '');
    assert.equal($('apikey-created').hidden, true);
  });

  test('the name is checked first; name_taken is said under it', async () => {
    const { $, server } = await openSection({
      'POST /admin/api-keys': () => ({ status: 409, body: { code: 'name_taken', detail: 'A live key is called Order system.' } }),
    });
    submit($('apikey-form'));
    assert.match($('apikey-name-error').textContent, /^Name: say which system/);
    assert.equal(server.posts().length, 0);
    $('apikey-name').value = 'Order system';
    submit($('apikey-form'));
    await until(() => /called that already/.test($('apikey-name-error').textContent), 'name_taken');
    assert.equal($('apikey-name').getAttribute('aria-invalid'), 'true');
  });

  test('revoking asks first, then DELETE', async () => {
    const { $, server, asked } = await openSection({
      'GET /admin/api-keys': () => ({ body: { items: [KEY] } }),
      'DELETE /admin/api-keys/k1': () => ({ status: 204 }),
    });
    click(byAction($('apikey-list'), 'revoke')[0]);
    await until(() => server.calls.some((c) => c.method === 'DELETE'), 'the DELETE');
    assert.deepEqual(asked, ['Revoke the key Order system?']);
  });
});
