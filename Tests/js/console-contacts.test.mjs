// The console's known customers: the Contacts page's list (search, "Load
// more" by last_seen_at, a slow answer never overwriting a newer search), the
// file name of an export, what "Edit contact" sends and how it reads a 409
// verified_field, the addresses of the views, the words shared by the lists
// and the card, the card itself (text only through text nodes), and the
// inbox following a contact's change or erasure.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { Element, Text, installDom } from './fakedom.mjs';
import { load } from './load.mjs';

const { ContactPages, exportName } = await load('agent/contactpages.js');
const { contactPatch, looksLikeEmail, verifiedField } = await load('agent/contactedit.js');
const { contactHref, contactOf, sectionOf, viewOf } = await load('agent/routes.js');
const { contactName, customerName, previewOf, statusOf } = await load('agent/convinfo.js');
const { contactCard, conversationsOf } = await load('agent/contactcard.js');
const { Inbox } = await load('agent/inbox.js');

const contact = (n, extra = {}) => ({
  id: `k${n}`, external_id: null, verified: false, name: `Name ${n}`, email: null,
  created_at: '2026-11-01T10:00:00.000Z', last_seen_at: `2026-12-${String(30 - n).padStart(2, '0')}T10:00:00.000Z`, conversations_count: 1, ...extra,
});

/** A fetchPage whose answers the test releases one by one, in any order. */
function deferredFetch() {
  const calls = [];
  const fetchPage = (params) => new Promise((resolve, reject) => calls.push({ params, resolve, reject }));
  return { calls, fetchPage };
}

describe('ContactPages', () => {
  test('a search lists the first page; a full page means there may be more', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 2);
    const done = pages.search('  ann ');
    assert.deepEqual(calls[0].params, { q: 'ann', limit: 2 });
    assert.equal(pages.loading, 'search');
    calls[0].resolve({ items: [contact(1), contact(2)] });
    assert.equal(await done, true);
    assert.deepEqual(pages.items.map((c) => c.id), ['k1', 'k2']);
    assert.equal(pages.hasMore, true);
    assert.equal(pages.loading, null);
    assert.equal(pages.loaded, true);
  });

  test('an empty query asks for everyone (no q at all)', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 2);
    const done = pages.search('   ');
    assert.deepEqual(calls[0].params, { q: undefined, limit: 2 });
    calls[0].resolve({ items: [contact(1)] });
    await done;
    assert.equal(pages.hasMore, false);
  });

  test('"Load more" asks before the last_seen_at of the last contact listed, and keeps the query', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 2);
    const first = pages.search('a');
    calls[0].resolve({ items: [contact(1), contact(2)] });
    await first;
    const more = pages.more();
    assert.deepEqual(calls[1].params, { q: 'a', limit: 2, before: contact(2).last_seen_at });
    assert.equal(pages.loading, 'more');
    assert.equal(await pages.more(), false, 'a second press while one is out asks nothing');
    assert.equal(calls.length, 2);
    // A contact seen at the very same moment can come again: listed once.
    calls[1].resolve({ items: [contact(2), contact(3)] });
    assert.equal(await more, true);
    assert.deepEqual(pages.items.map((c) => c.id), ['k1', 'k2', 'k3']);
    assert.equal(pages.hasMore, true);
    const last = pages.more();
    calls[2].resolve({ items: [contact(4)] });
    await last;
    assert.equal(pages.hasMore, false);
    assert.equal(await pages.more(), false, 'nothing more to ask for');
    assert.equal(calls.length, 3);
  });

  test('a slow answer to an older search never overwrites the newer one', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 2);
    const older = pages.search('a');
    const newer = pages.search('an');
    calls[1].resolve({ items: [contact(5)] });
    assert.equal(await newer, true);
    calls[0].resolve({ items: [contact(1), contact(2)] });
    assert.equal(await older, false);
    assert.deepEqual(pages.items.map((c) => c.id), ['k5']);
    assert.equal(pages.query, 'an');
    assert.equal(pages.hasMore, false);
    assert.equal(pages.loading, null);
  });

  test('a page of "Load more" that comes back after a new search started is dropped', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 1);
    const first = pages.search('');
    calls[0].resolve({ items: [contact(1)] });
    await first;
    const more = pages.more();
    const search = pages.search('zed');
    calls[2].resolve({ items: [contact(9)] });
    await search;
    calls[1].resolve({ items: [contact(2)] });
    assert.equal(await more, false);
    assert.deepEqual(pages.items.map((c) => c.id), ['k9']);
  });

  test('a failed search rejects and leaves the list as it was, not loading', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 2);
    const first = pages.search('a');
    calls[0].resolve({ items: [contact(1)] });
    await first;
    const failing = pages.search('b');
    calls[1].reject(new Error('offline'));
    await assert.rejects(failing, /offline/);
    assert.deepEqual(pages.items.map((c) => c.id), ['k1']);
    assert.equal(pages.loading, null);
  });

  test('update and remove follow an edit and an erasure; reset forgets everything', async () => {
    const { calls, fetchPage } = deferredFetch();
    const pages = new ContactPages(fetchPage, 5);
    const first = pages.search('');
    calls[0].resolve({ items: [contact(1), contact(2)] });
    await first;
    pages.update({ id: 'k2', name: 'Renamed', email: 'r@example.com' });
    assert.equal(pages.items[1].name, 'Renamed');
    assert.equal(pages.items[1].last_seen_at, contact(2).last_seen_at, 'what the change did not carry stays');
    pages.update({ id: 'nobody', name: 'X' });
    pages.remove('k1');
    assert.deepEqual(pages.items.map((c) => c.id), ['k2']);
    const pending = pages.search('late');
    pages.reset();
    calls[1].resolve({ items: [contact(7)] });
    assert.equal(await pending, false, "a search from before sign-out doesn't fill the next agent's list");
    assert.deepEqual(pages.items, []);
    assert.equal(pages.loaded, false);
  });
});

describe('exportName', () => {
  const now = new Date('2026-12-07T12:00:00Z');
  test('the name in plain letters, then the day', () => {
    assert.equal(exportName({ id: 'k1', name: 'Jürgen O’Brien' }, now), 'contact-jurgen-o-brien-2026-12-07.json');
  });
  test('no name: the customer id, else the contact id', () => {
    assert.equal(exportName({ id: 'k1', name: null, external_id: 'CUST-42' }, now), 'contact-cust-42-2026-12-07.json');
    assert.equal(exportName({ id: '7d1c…', name: null, external_id: null }, now), 'contact-7d1c-2026-12-07.json');
    assert.equal(exportName({ id: '…', name: '日本' }, now), 'contact-contact-2026-12-07.json');
  });
});

describe('Edit contact', () => {
  const ann = { id: 'k1', name: 'Ann', email: 'ann@example.com', verified: false };

  test('only what changed is sent, trimmed; nothing changed sends nothing', () => {
    assert.deepEqual(contactPatch(ann, { name: ' Ann Lee ', email: 'ann@example.com' }), { body: { name: 'Ann Lee' } });
    assert.deepEqual(contactPatch(ann, { name: 'Ann', email: ' ann@example.com ' }), { body: {} });
    assert.deepEqual(contactPatch({ ...ann, name: null, email: null }, { name: '', email: 'new@example.org' }), { body: { email: 'new@example.org' } });
  });

  test('a name or e-mail can be corrected, not removed; an e-mail must look like one', () => {
    assert.deepEqual(contactPatch(ann, { name: '  ', email: 'ann@example.com' }), { error: 'The name can be corrected here, not removed.', field: 'name' });
    assert.equal(contactPatch(ann, { name: 'Ann', email: '' }).field, 'email');
    assert.deepEqual(contactPatch(ann, { name: 'Ann', email: 'ann@example' }), { error: "That doesn't look like an e-mail address.", field: 'email' });
    assert.equal(looksLikeEmail('a.b+c@shop.example.co'), true);
    assert.equal(looksLikeEmail('a b@shop.example'), false);
    assert.equal(looksLikeEmail('a@shop..example'), false);
  });

  test('a 409 verified_field is about the member its detail names, else the one member sent', () => {
    assert.equal(verifiedField({ detail: 'email: set by the identity token' }, { name: 'A', email: 'b@c.de' }), 'email');
    assert.equal(verifiedField({ detail: 'This member was set by an identity token.' }, { name: 'A' }), 'name');
    assert.equal(verifiedField({ detail: 'Set by an identity token.' }, { name: 'A', email: 'b@c.de' }), null);
  });
});

describe('routes', () => {
  test('#contacts and #contacts/<id> are the Contacts page, for everyone', () => {
    assert.deepEqual(viewOf('#contacts'), { view: 'contacts', id: null });
    assert.deepEqual(viewOf('#contacts/abc-123'), { view: 'contacts', id: 'abc-123' });
    assert.deepEqual(viewOf('#contacts/a%2Fb'), { view: 'contacts', id: 'a/b' });
    assert.deepEqual(viewOf('#contacts/%E0%A4%A'), { view: 'contacts', id: null });
    assert.equal(contactOf('#contactsx'), undefined);
    assert.equal(contactOf('#contacts/a/b'), undefined);
    assert.equal(contactHref('a/b c'), './#contacts/a%2Fb%20c');
    assert.equal(contactOf(new URL(contactHref('a/b c'), 'http://x/agent/').hash), 'a/b c');
  });

  test('Settings only for admins, with the new sections; anything else is the chats', () => {
    assert.deepEqual(viewOf('#settings/widget', { admin: true }), { view: 'settings', section: 'widget' });
    assert.deepEqual(viewOf('#settings/signin', { admin: true }), { view: 'settings', section: 'signin' });
    assert.deepEqual(viewOf('#settings/signin', { admin: false }), { view: 'chats' });
    assert.equal(sectionOf('#settings/nonsense'), 'faqs');
    assert.deepEqual(viewOf('#chats'), { view: 'chats' });
    assert.deepEqual(viewOf(''), { view: 'chats' });
  });
});

describe('convinfo', () => {
  test('who a chat is with: the contact\'s name first, then the chat\'s, then "Visitor"', () => {
    assert.equal(customerName({ contact: { name: 'Ann Lee' }, customer: { display_name: 'Visitor 9BFC' } }), 'Ann Lee');
    assert.equal(customerName({ contact: { name: null }, customer: { display_name: 'Visitor 9BFC' } }), 'Visitor 9BFC');
    assert.equal(customerName({}), 'Visitor');
    assert.equal(contactName({ name: null, external_id: null }), 'Anonymous visitor');
    assert.equal(contactName({ name: null, external_id: 'legacy-0077' }), 'Customer legacy-0077', 'not anonymous: the shop knows them');
  });

  test('statusOf names where a chat stands', () => {
    assert.deepEqual(statusOf({ status: 'closed' }, 'me'), ['Closed', 'closed']);
    assert.deepEqual(statusOf({ status: 'automated' }, 'me'), ['With the assistant', 'bot']);
    assert.deepEqual(statusOf({ status: 'agent', assigned_agent_id: null }, 'me'), ['Waiting', 'queue']);
    assert.deepEqual(statusOf({ status: 'agent', assigned_agent_id: 'me' }, 'me'), ['With you', 'mine']);
    assert.deepEqual(statusOf({ status: 'agent', assigned_agent_id: 'a2', assigned_agent_name: 'Sam' }, 'me'), ['With Sam', 'other']);
    assert.deepEqual(statusOf({ status: 'agent', assigned_agent_id: 'a2' }, 'me'), ['With another agent', 'other']);
  });

  test('previewOf: who spoke last, and events in words', () => {
    const names = { me: 'me', agentName: (id) => (id === 'a2' ? 'Sam' : 'Agent') };
    assert.deepEqual(previewOf({ sender_type: 'customer', kind: 'text', content: 'Hi\n there' }, names), { text: 'Hi there', note: false });
    assert.deepEqual(previewOf({ sender_type: 'agent', sender_agent_id: 'me', kind: 'text', content: 'Sure' }, names), { text: 'You: Sure', note: false });
    assert.deepEqual(previewOf({ sender_type: 'agent', sender_agent_id: 'a2', kind: 'text', content: 'Ok' }, names), { text: 'Sam: Ok', note: false });
    assert.deepEqual(previewOf({ sender_type: 'system', kind: 'event', content: 'x', metadata: { event: 'merged' } }, names),
      { text: 'Continued in another conversation', note: true });
    assert.deepEqual(previewOf(null, names), { text: '', note: false });
  });
});

describe('the contact card', () => {
  beforeEach(() => installDom());

  const texts = (node) => [...node.descendants()].filter((el) => el.childNodes.some((c) => c instanceof Text)).map((el) => el.textContent);
  const find = (node, cls) => [...node.descendants()].filter((el) => el.className.split(' ').includes(cls));
  const convs = [
    { id: 'c-old', status: 'closed', created_at: '2026-10-01T09:00:00.000Z', assigned_agent_id: 'a2', assigned_agent_name: 'Sam',
      last_message: { sender_type: 'customer', kind: 'text', content: 'Thanks!' } },
    { id: 'c-now', status: 'agent', created_at: '2026-12-06T09:00:00.000Z', assigned_agent_id: null, last_message: null },
  ];

  test('a verified customer: the badge, the customer id, the conversations newest first, the open one marked', () => {
    const opened = [];
    const known = contact(1, { verified: true, external_id: 'CUST-42', name: '<b>Ann</b>', email: 'ann@example.com', conversations_count: 2 });
    const card = contactCard({ contact: known, conversations: convs }, {
      level: 3, headingId: 'h', me: 'me', agentName: () => 'Agent', current: 'c-now', onOpen: (c) => opened.push(c.id),
    });
    const all = texts(card);
    assert.ok(all.includes('<b>Ann</b>'), 'the name is text, never markup');
    assert.equal(find(card, 'contact-name')[0].tagName, 'H3');
    assert.ok(all.includes('Verified'));
    assert.ok(!all.includes('unverified'));
    assert.equal(find(card, 'contact-external')[0].textContent, 'CUST-42');
    assert.ok(all.includes('Conversations (2)'));
    const entries = find(card, 'contact-conv');
    assert.deepEqual(entries.map((e) => e.dataset.id), ['c-now', 'c-old']);
    assert.equal(entries[0].tagName, 'DIV', 'the open chat is where the agent is: not a button');
    assert.equal(entries[0].getAttribute('aria-current'), 'true');
    assert.equal(entries[1].tagName, 'BUTTON');
    assert.match(entries[1].getAttribute('aria-label'), /^Closed, started .*: Thanks!$/);
    entries[1].dispatchEvent({ type: 'click' });
    assert.deepEqual(opened, ['c-old']);
  });

  test('an anonymous visitor: "Anonymous visitor", the word unverified, no customer id, no e-mail given', () => {
    const card = contactCard({ contact: contact(2, { name: null }), conversations: [] }, { me: 'me', agentName: () => null, onOpen: () => {} });
    const all = texts(card);
    assert.ok(all.includes('Anonymous visitor'));
    assert.ok(all.includes('unverified'));
    assert.ok(all.includes('Not given'));
    assert.equal(find(card, 'contact-external').length, 0);
    assert.ok(!all.includes('Customer id'));
    assert.ok(all.includes('No conversations kept.'));
    assert.equal(find(card, 'contact-name')[0].tagName, 'H2');
  });

  test('an agent\'s words are theirs by name: the one a conversation is with names them, never "null"', () => {
    const withSam = { id: 'c1', status: 'agent', created_at: '2026-12-06T09:00:00.000Z', assigned_agent_id: 'a2', assigned_agent_name: 'Sam',
      last_message: { sender_type: 'agent', sender_agent_id: 'a2', kind: 'text', content: 'On its way' } };
    const byOther = { ...withSam, id: 'c2', created_at: '2026-12-05T09:00:00.000Z', last_message: { ...withSam.last_message, sender_agent_id: 'a3' } };
    const card = contactCard({ contact: contact(3), conversations: [withSam, byOther] }, { me: 'me', agentName: () => null, onOpen: () => {} });
    const previews = find(card, 'contact-conv-preview').map((e) => e.textContent);
    assert.deepEqual(previews, ['Sam: On its way', 'Agent: On its way']);
    assert.deepEqual(find(card, 'badge').filter((b) => b.dataset.tone === 'other').map((b) => b.textContent), ['With Sam', 'With Sam']);
  });

  test('conversationsOf puts the console\'s fresher copy in place of the listed one', () => {
    const live = { ...convs[1], status: 'closed' };
    const list = conversationsOf(convs, (id) => (id === 'c-now' ? live : null));
    assert.equal(list[0], live);
    assert.equal(list[1].id, 'c-old');
    assert.ok(installDom() && new Element('p'), 'fakedom');
  });
});

describe('Inbox and contacts', () => {
  const me = { id: 'me', display_name: 'Me' };
  const conv = (id, contactId, extra = {}) => ({
    id, status: 'agent', assigned_agent_id: 'me', updated_at: '2026-12-01T10:00:00.000Z', created_at: '2026-12-01T09:00:00.000Z',
    customer: { display_name: 'Visitor 1' }, contact: { id: contactId, external_id: null, verified: false, name: null, email: null }, ...extra,
  });

  test('a summary without the contact keeps the one known', () => {
    const inbox = new Inbox(me);
    inbox.upsert(conv('c1', 'k1'));
    inbox.upsert({ id: 'c1', status: 'closed' });
    assert.equal(inbox.get('c1').contact.id, 'k1');
  });

  test('contactChanged renames every chat of that contact, and only theirs', () => {
    const inbox = new Inbox(me);
    inbox.upsert(conv('c1', 'k1'));
    inbox.upsert(conv('c2', 'k1'));
    inbox.upsert(conv('c3', 'k2'));
    inbox.contactChanged({ id: 'k1', external_id: null, verified: false, name: 'Ann', email: 'ann@example.com', conversations_count: 2 });
    assert.equal(customerName(inbox.get('c1')), 'Ann');
    assert.equal(inbox.get('c2').contact.email, 'ann@example.com');
    assert.equal(customerName(inbox.get('c3')), 'Visitor 1');
    assert.equal('conversations_count' in inbox.get('c1').contact, false);
  });

  test('forgetContact drops the erased contact\'s chats and their unread counts', () => {
    const inbox = new Inbox(me);
    inbox.upsert(conv('c1', 'k1'));
    inbox.upsert(conv('c2', 'k2'));
    inbox.bump('c1', 'm1');
    assert.deepEqual(inbox.forgetContact('k1'), ['c1']);
    assert.equal(inbox.get('c1'), null);
    assert.equal(inbox.unreadOf('c1'), 0);
    assert.ok(inbox.get('c2'));
  });
});
