// The console's search and labels (issue 21): the snippet's matches marked
// from offsets in Unicode scalars (emoji and accents before a match), what a
// hit is, "More results" (where it goes on from, pages joined), when "/"
// takes the focus to the search box, the search address; label chips (the
// text colour chosen for contrast, the current name and colour), the label
// filter's reads and the rows it keeps, a labels event, the Labels settings'
// form rules; and api.js's routes for both.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { installDom, Text } from './fakedom.mjs';
import { load } from './load.mjs';

globalThis.addEventListener ??= () => {}; // events.js reaches sound.js

const { highlightRuns, highlighted, hitKind, isTextField, mergeResults, nextBefore, slashFocusesSearch } = await load('agent/search.js');
const { LabelStore, chipColors, labelChip, labelChips, labelsOf, labelsText, withLabel } = await load('agent/labels.js');
const { chosenIds } = await load('agent/labelmenu.js');
const { filteredQueries } = await load('agent/lists.js');
const { labelBody, labelProblem } = await load('agent/labelsettings.js');
const { resultsText } = await load('agent/searchview.js');
const { searchHash, searchOf, viewOf } = await load('agent/routes.js');
const { Inbox } = await load('agent/inbox.js');
const { applyEvent } = await load('agent/events.js');
const { contrast, parseHex } = await load('js/color.js');
const { agentApi } = await load('js/api.js');

/** The text each <mark> of a highlighted snippet holds. */
function marked(snippet, highlights) {
  return highlightRuns(snippet, highlights).filter((run) => run.mark).map((run) => run.text);
}

describe('search: the matches marked from scalar offsets', () => {
  beforeEach(() => installDom());

  test('an emoji with a skin tone before the match (4 UTF-16 units, 2 scalars): the marked text is the word', () => {
    // As the server sends it for "cafe": H a l l o ␠ 👋 🏽 ␠ m y ␠ c a f é → [12, 16).
    const snippet = 'Hallo 👋🏽 my café order #1234 never arrived';
    assert.deepEqual(marked(snippet, [[12, 16]]), ['café']);
    // Offsets taken as UTF-16 indices would mark the wrong letters: what this guards against.
    assert.notEqual(snippet.slice(12, 16), 'café');
  });

  test('a flag (two regional indicators) and accents before the match', () => {
    const snippet = '¿Dónde está mi pedido? 🇪🇸 quiero un reembolso (refund)';
    assert.deepEqual(marked(snippet, [[47, 53]]), ['refund']);
  });

  test('a letter with a combining accent counts as two scalars, as on the server', () => {
    const snippet = 'Cafe\u0301 au lait, refund please'; // "é" as e + U+0301
    assert.equal([...snippet].indexOf('r'), 15);
    assert.deepEqual(marked(snippet, [[15, 21]]), ['refund']);
    assert.deepEqual(marked(snippet, [[0, 5]]), ['Cafe\u0301'], 'the accent stays with its letter');
  });

  test('several matches; the text between them and around them is kept, in order', () => {
    const runs = highlightRuns('🙂 refund or refunds, 😢 refund', [[2, 8], [12, 19], [23, 29]]);
    assert.deepEqual(runs, [
      { text: '🙂 ', mark: false }, { text: 'refund', mark: true }, { text: ' or ', mark: false },
      { text: 'refunds', mark: true }, { text: ', 😢 ', mark: false }, { text: 'refund', mark: true },
    ]);
  });

  test('ranges out of bounds are clipped, empty or malformed ones ignored, overlapping ones joined', () => {
    assert.deepEqual(marked('abc def', [[4, 99]]), ['def']);
    assert.deepEqual(marked('abc def', [[-3, 3]]), ['abc']);
    assert.deepEqual(marked('abc def', [[2, 2], [5, 4], ['1', 3], null, [1.5, 3]]), []);
    assert.deepEqual(marked('abcdef', [[3, 6], [0, 4]]), ['abcdef'], 'unsorted and overlapping: one mark');
    assert.deepEqual(highlightRuns('abc', undefined), [{ text: 'abc', mark: false }]);
    assert.deepEqual(highlightRuns('', [[0, 1]]), []);
  });

  test('built as text nodes and <mark> elements only: markup in a snippet stays text', () => {
    const fragment = highlighted('<img src=x onerror=alert(1)> 🇪🇸 <b>refund</b>', [[35, 41]]);
    const nodes = fragment.childNodes;
    assert.deepEqual(nodes.map((n) => (n instanceof Text ? '#text' : n.tagName)), ['#text', 'MARK', '#text']);
    assert.equal(nodes[0].textContent, '<img src=x onerror=alert(1)> 🇪🇸 <b>');
    assert.equal(nodes[1].textContent, 'refund');
    assert.ok(nodes[1].childNodes.every((n) => n instanceof Text));
    assert.equal(nodes[2].textContent, '</b>');
  });

  test('what a hit is', () => {
    assert.equal(hitKind({ type: 'message', sender_type: 'customer' }), 'Message from customer');
    assert.equal(hitKind({ type: 'message', sender_type: 'agent' }), 'Message from agent');
    assert.equal(hitKind({ type: 'message', sender_type: 'bot' }), 'Message from bot');
    assert.equal(hitKind({ type: 'note', sender_type: null }), 'Note');
    assert.equal(hitKind({ type: 'contact', sender_type: null }), 'Contact');
  });

  test('what the live region says', () => {
    assert.equal(resultsText({ q: 'refund', count: 0, more: false }), 'No conversations match “refund”.');
    assert.equal(resultsText({ q: 'refund', count: 1, more: false }), '1 conversation matches “refund”.');
    assert.equal(resultsText({ q: 'refund', count: 20, more: true }), '20+ conversations match “refund”.');
  });
});

describe('search: "More results"', () => {
  const hit = (id, at, type = 'message') => ({ type, id, sender_type: type === 'message' ? 'customer' : null, created_at: at, snippet: id, highlights: [] });
  const result = (id, hits) => ({ conversation: { id, status: 'agent' }, hits });

  test('goes on from the newest hit of the last conversation, not the page\'s oldest hit', () => {
    // A's hits reach far back; B's newest lies between: "before" at A's oldest would skip B.
    const page = [
      result('A', [hit('a1', '2026-12-07T10:00:00.000Z'), hit('a2', '2026-11-01T10:00:00.000Z')]),
      result('C', [hit('c1', '2026-12-06T10:00:00.000Z')]),
    ];
    assert.equal(nextBefore(page), '2026-12-06T10:00:00.000Z');
    assert.equal(nextBefore([]), null);
  });

  test('a conversation on both pages takes the hits it did not have, newest first; new ones come after', () => {
    const first = [result('A', [hit('a1', '2026-12-07T10:00:00.000Z'), hit('a2', '2026-12-01T10:00:00.000Z')])];
    const next = [
      result('B', [hit('b1', '2026-12-05T10:00:00.000Z')]),
      result('A', [hit('a2', '2026-12-01T10:00:00.000Z'), hit('a3', '2026-11-20T10:00:00.000Z'), hit('a1', '2026-12-07T10:00:00.000Z', 'note')]),
    ];
    const { items, added } = mergeResults(first, next);
    assert.equal(added, 1);
    assert.deepEqual(items.map((i) => i.conversation.id), ['A', 'B']);
    assert.deepEqual(items[0].hits.map((h) => `${h.type}:${h.id}`), ['message:a1', 'note:a1', 'message:a2', 'message:a3']);
    assert.equal(first[0].hits.length, 2, 'the results shown are not changed in place');
  });
});

describe('"/" takes the focus to the search box', () => {
  const el = (tagName, props = {}) => ({ tagName, getAttribute: (name) => props[name] ?? null, ...props });
  const key = (target, extra = {}) => ({ key: '/', target, ...extra });

  test('outside text fields: the page, a button, a checkbox, a list row', () => {
    assert.equal(slashFocusesSearch(key(el('BODY'))), true);
    assert.equal(slashFocusesSearch(key(el('BUTTON'))), true);
    assert.equal(slashFocusesSearch(key(el('INPUT', { type: 'checkbox' }))), true);
    assert.equal(slashFocusesSearch(key(el('INPUT', { type: 'radio' }))), true);
    assert.equal(slashFocusesSearch(key(null)), true);
  });

  test('never in the composer (its "/" opens the canned replies) nor any other text field', () => {
    assert.equal(slashFocusesSearch(key(el('TEXTAREA', { id: 'reply' }))), false);
    for (const type of ['text', 'search', 'email', 'url', 'password', 'number']) {
      assert.equal(slashFocusesSearch(key(el('INPUT', { type }))), false, type);
    }
    assert.equal(slashFocusesSearch(key(el('INPUT'))), false, 'an input without a type is a text field');
    assert.equal(slashFocusesSearch(key(el('SELECT'))), false);
    assert.equal(slashFocusesSearch(key(el('DIV', { isContentEditable: true }))), false);
    assert.equal(isTextField(el('input', { type: 'EMAIL' })), true, 'any case');
  });

  test('only a plain "/": not with Ctrl, Alt or ⌘, not while composing, not another key, not under a dialog', () => {
    const body = el('BODY');
    assert.equal(slashFocusesSearch(key(body, { ctrlKey: true })), false);
    assert.equal(slashFocusesSearch(key(body, { metaKey: true })), false);
    assert.equal(slashFocusesSearch(key(body, { altKey: true })), false);
    assert.equal(slashFocusesSearch(key(body, { isComposing: true })), false);
    assert.equal(slashFocusesSearch(key(body, { defaultPrevented: true })), false);
    assert.equal(slashFocusesSearch({ key: '?', target: body }), false);
    assert.equal(slashFocusesSearch(key(body), { dialogOpen: true }), false);
  });
});

describe('the search address', () => {
  test('q, status and label, read back as written; anything else ignored', () => {
    const hash = searchHash({ q: 'order #12 & "café" 50%', status: 'closed', label: 'l/1' });
    assert.deepEqual(searchOf(hash), { q: 'order #12 & "café" 50%', status: 'closed', label: 'l/1' });
    assert.equal(searchHash({ q: 'refund' }), '#search?q=refund');
    assert.deepEqual(searchOf('#search?q=a+b&evil=1'), { q: 'a b', status: '', label: '' });
    assert.deepEqual(searchOf('#search'), { q: '', status: '', label: '' });
    assert.equal(searchOf('#searching'), undefined);
    assert.equal(searchOf('#chats'), undefined);
  });

  test('a view of its own, for every agent', () => {
    assert.deepEqual(viewOf('#search?q=refund&label=x'), { view: 'search', q: 'refund', status: '', label: 'x' });
    assert.deepEqual(viewOf('#settings/labels', { admin: true }), { view: 'settings', section: 'labels' });
    assert.deepEqual(viewOf('#settings/labels', { admin: false }), { view: 'chats' }, 'Labels settings are for admins');
  });
});

describe('label chips', () => {
  beforeEach(() => installDom());

  test('dark colours get white text, light ones near-black', () => {
    for (const color of ['#d93025', '#1a73e8', '#202124', '#3056d3', '#000000']) assert.equal(chipColors(color).color, '#ffffff', color);
    for (const color of ['#f4c20d', '#e6e6fa', '#ffffff', '#34a853', '#ffe27a']) assert.notEqual(chipColors(color).color, '#ffffff', color);
    assert.equal(chipColors('#F4C20D').background, '#f4c20d', 'the background is the label\'s colour');
  });

  test('whatever the colour, the text reads at 4.5:1 at least (axe\'s colour-contrast)', () => {
    for (let r = 0; r < 256; r += 17) {
      for (let g = 0; g < 256; g += 17) {
        for (let b = 0; b < 256; b += 17) {
          const hex = `#${[r, g, b].map((v) => v.toString(16).padStart(2, '0')).join('')}`;
          const { background, color } = chipColors(hex);
          assert.ok(contrast(parseHex(background), parseHex(color)) >= 4.5, `${color} on ${hex}`);
        }
      }
    }
  });

  test('a colour that is not #rrggbb is drawn grey, still readable', () => {
    const { background, color } = chipColors('red; background: url(x)');
    assert.equal(background, '#5d6675');
    assert.ok(contrast(parseHex(background), parseHex(color)) >= 4.5);
  });

  test('a chip: the name as text, the colours inline', () => {
    const chip = labelChip({ id: 'l1', name: '<b>VIP</b>', color: '#f4c20d' });
    assert.equal(chip.tagName, 'SPAN');
    assert.ok(chip.childNodes.length === 1 && chip.childNodes[0] instanceof Text);
    assert.equal(chip.textContent, '<b>VIP</b>');
    assert.equal(chip.style.getPropertyValue('background-color'), '#f4c20d');
    assert.equal(chip.style.getPropertyValue('color'), chipColors('#f4c20d').color);
    assert.equal(chip.getAttribute('data-label-id'), 'l1');
    assert.equal(labelChips([]), null);
    assert.equal(labelChips([{ id: 'a', name: 'x', color: '#000000' }, { id: 'b', name: 'y', color: '#ffffff' }]).childNodes.length, 2);
  });

  test('a conversation\'s labels as the store has them now: renamed, recoloured, deleted ones gone', async () => {
    const conv = { id: 'c1', labels: [{ id: 'a', name: 'refund', color: '#d93025' }, { id: 'b', name: 'old', color: '#000000' }] };
    assert.deepEqual(labelsOf(conv, null), conv.labels, 'before the store is read: the chat\'s own copies');
    const store = new LabelStore({ labels: async () => ({ items: [{ id: 'a', name: 'Refund', color: '#ffffff' }, { id: 'z', name: 'another', color: '#123456' }] }) });
    assert.deepEqual(labelsOf(conv, store), conv.labels, 'not read yet');
    await store.load();
    assert.deepEqual(labelsOf(conv, store), [{ id: 'a', name: 'Refund', color: '#ffffff' }]);
    assert.deepEqual(labelsOf({ id: 'c2' }, store), [], 'no labels member');
    assert.equal(labelsText(labelsOf(conv, store)), ', labelled Refund');
    assert.equal(labelsText([]), '');
  });

  test('the store keeps the labels by name, any case', async () => {
    const store = new LabelStore({ labels: async () => ({ items: [{ id: '1', name: 'vip' }, { id: '2', name: 'Bug' }, { id: '3', name: 'refund' }] }) });
    assert.deepEqual((await store.load()).map((l) => l.name), ['Bug', 'refund', 'vip']);
    assert.equal(store.byId('3').name, 'refund');
    assert.equal(store.byId('nope'), null);
  });

  test('the menu sends the ticked ids in the store\'s order', () => {
    const labels = [{ id: 'a' }, { id: 'b' }, { id: 'c' }];
    assert.deepEqual(chosenIds(labels, new Set(['c', 'a', 'gone'])), ['a', 'c']);
    assert.deepEqual(chosenIds(labels, new Set()), []);
  });
});

describe('the lists\' label filter', () => {
  test('the rows it keeps', () => {
    const list = [{ id: '1', labels: [{ id: 'a' }] }, { id: '2', labels: [] }, { id: '3' }, { id: '4', labels: [{ id: 'b' }, { id: 'a' }] }];
    assert.deepEqual(withLabel(list, 'a').map((c) => c.id), ['1', '4']);
    assert.equal(withLabel(list, ''), list);
  });

  test('what it reads: with Unread or Waiting too, mine (admins: everyone\'s); on Closed the closed ones', () => {
    assert.deepEqual(filteredQueries({ filter: 'all', label: 'a', tab: 'mine' }, { limit: 100 }),
      [{ status: 'agent', assigned: 'me', limit: 100, label: 'a' }]);
    assert.deepEqual(filteredQueries({ filter: 'unread', label: 'a', tab: 'queue' }, { admin: true, limit: 100 }), [
      { status: 'agent', assigned: 'me', limit: 100, unread: true, label: 'a' },
      { status: 'agent', assigned: 'any', limit: 100, unread: true, label: 'a' },
    ]);
    assert.deepEqual(filteredQueries({ filter: 'waiting', label: '', tab: 'mine' }, { limit: 100 }),
      [{ status: 'agent', assigned: 'me', limit: 100, awaitingReply: true }], 'without a label, as before');
    assert.deepEqual(filteredQueries({ filter: 'unread', label: 'a', tab: 'closed' }, { limit: 100 }),
      [{ status: 'closed', limit: 100, label: 'a' }], 'Closed: only the label filters');
    assert.deepEqual(filteredQueries({ filter: 'all', label: '', tab: 'mine' }, {}), []);
    assert.deepEqual(filteredQueries({ filter: 'unread', label: '', tab: 'closed' }, {}), []);
  });
});

describe('a labels event', () => {
  const ME = { id: 'me', display_name: 'Me' };
  const conv = (id, extra = {}) => ({ id, status: 'agent', assigned_agent_id: 'me', created_at: '2026-12-07T10:00:00.000Z', updated_at: '2026-12-07T10:00:00.000Z', ...extra });

  test('conversation.updated with labels (agents only) puts them on the chat; one without keeps them', () => {
    const inbox = new Inbox(ME);
    inbox.replace('mine', [conv('c1', { labels: [{ id: 'a', name: 'refund', color: '#d93025' }] })]);
    const session = { inbox, me: ME, admin: false, hydrate: () => null };
    assert.equal(applyEvent(session, 'conversation.updated', { conversation: conv('c1'), labels: [{ id: 'b', name: 'VIP', color: '#f4c20d' }] }), true);
    assert.deepEqual(inbox.get('c1').labels.map((l) => l.name), ['VIP']);
    applyEvent(session, 'conversation.updated', { conversation: conv('c1', { updated_at: '2026-12-07T11:00:00.000Z' }) });
    assert.deepEqual(inbox.get('c1').labels.map((l) => l.name), ['VIP'], 'the customer-side update says nothing of labels');
    applyEvent(session, 'conversation.updated', { conversation: conv('c1'), labels: [] });
    assert.deepEqual(inbox.get('c1').labels, []);
  });

  test('labels.changed replaces the team\'s labels everywhere at once (a rename, a delete)', () => {
    const store = new LabelStore({ labels: async () => ({ items: [] }) });
    store.set([{ id: 'a', name: 'refund', color: '#d93025' }, { id: 'b', name: 'VIP', color: '#f4c20d' }]);
    let told = 0;
    store.onChange(() => { told += 1; });
    const session = { inbox: new Inbox(ME), me: ME, admin: false, labels: store, hydrate: () => null };
    assert.equal(applyEvent(session, 'labels.changed', { labels: [{ id: 'a', name: 'Refunded', color: '#d93025' }] }), true);
    assert.equal(store.byId('a').name, 'Refunded');
    assert.equal(store.byId('b'), null, 'a deleted label is gone');
    assert.equal(told, 1);
  });
});

describe('Settings → Labels: the form', () => {
  test('what is refused before asking the server', () => {
    assert.deepEqual(labelProblem({ name: '  ', color: '#aabbcc' }), { field: 'name', text: 'Name: give the label a name.' });
    assert.equal(labelProblem({ name: 'x'.repeat(41), color: '#aabbcc' })?.field, 'name');
    assert.equal(labelProblem({ name: '👋'.repeat(40), color: '#aabbcc' }), null, '40 emoji are 40 characters, not 80');
    assert.equal(labelProblem({ name: 'VIP', color: '#abc' })?.field, 'color');
    assert.equal(labelProblem({ name: 'VIP', color: 'red' })?.field, 'color');
    assert.equal(labelProblem({ name: 'VIP', color: 'AABBCC' }), null);
  });

  test('the body: all of a new label, what changed of an existing one', () => {
    assert.deepEqual(labelBody(null, { name: ' VIP ', color: 'F4C20D' }), { name: 'VIP', color: '#f4c20d' });
    const label = { id: 'l1', name: 'VIP', color: '#f4c20d' };
    assert.deepEqual(labelBody(label, { name: 'VIP', color: '#F4C20D' }), {});
    assert.deepEqual(labelBody(label, { name: 'Very important', color: '#f4c20d' }), { name: 'Very important' });
    assert.deepEqual(labelBody(label, { name: 'VIP', color: '#000000' }), { color: '#000000' });
  });
});

describe('api.js: search and labels', () => {
  let calls;
  const realFetch = globalThis.fetch;
  beforeEach(() => {
    calls = [];
    globalThis.fetch = async (url, init) => {
      calls.push({ url, method: init.method, body: init.body === undefined ? undefined : JSON.parse(init.body) });
      return new Response(init.method === 'DELETE' ? null : '{}', { status: init.method === 'DELETE' ? 204 : 200, headers: { 'Content-Type': 'application/json' } });
    };
  });
  afterEach(() => { globalThis.fetch = realFetch; });

  test('search: q, the filters, limit and before in the query; empty ones left out', async () => {
    const api = agentApi(() => 't');
    await api.search({ q: 'café "order" #12', status: 'closed', label: 'l1', limit: 20, before: '2026-12-07T10:00:00.000Z' });
    await api.search({ q: 'refund', status: '', label: '', limit: 20 });
    assert.equal(calls[0].url, '/api/v1/agent/search?q=caf%C3%A9+%22order%22+%2312&status=closed&label=l1&limit=20&before=2026-12-07T10%3A00%3A00.000Z');
    assert.equal(calls[1].url, '/api/v1/agent/search?q=refund&limit=20');
  });

  test('the lists take a label, with the other filters', async () => {
    const api = agentApi(() => 't');
    await api.conversations({ status: 'agent', assigned: 'me', unread: true, label: 'l1' });
    assert.equal(calls[0].url, '/api/v1/agent/conversations?status=agent&assigned=me&unread=true&label=l1');
  });

  test('labels: every agent reads them and sets a chat\'s; admins keep the set', async () => {
    const api = agentApi(() => 't');
    await api.labels();
    await api.setLabels('c/1', ['a', 'b']);
    await api.admin.labels();
    await api.admin.createLabel({ name: 'VIP', color: '#f4c20d' });
    await api.admin.updateLabel('l/1', { color: '#000000' });
    assert.equal(await api.admin.deleteLabel('l1'), null);
    assert.deepEqual(calls.map((c) => [c.method, c.url, c.body]), [
      ['GET', '/api/v1/agent/labels', undefined],
      ['PUT', '/api/v1/agent/conversations/c%2F1/labels', { label_ids: ['a', 'b'] }],
      ['GET', '/api/v1/admin/labels', undefined],
      ['POST', '/api/v1/admin/labels', { name: 'VIP', color: '#f4c20d' }],
      ['PATCH', '/api/v1/admin/labels/l%2F1', { color: '#000000' }],
      ['DELETE', '/api/v1/admin/labels/l1', undefined],
    ]);
  });
});
