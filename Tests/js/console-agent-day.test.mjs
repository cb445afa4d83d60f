// The console's part of issue 21: canned replies (the server's filter rule,
// which "/query" the composer is typing, the store read once, the combobox's
// keys and its list), private notes (merged into the timeline, mentions kept
// per tab), transfer (who may be chosen, what is sent), unread and awaiting
// reply (counts from the lists and from events, the waiting text, the
// filters, the read cursor) and the canned replies' Settings form.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { load } from './load.mjs';

// events.js reaches sound.js, which listens on the window for the first key or click.
globalThis.addEventListener ??= () => {};

const { CannedStore, filterReplies, matchesQuery, replaceToken, slashToken } = await load('agent/canned.js');
const { CannedPicker, pickerKey } = await load('agent/cannedpicker.js');
const { Mentions, NoteBook, mergeTimeline, noteEntry } = await load('agent/notes.js');
const { QUEUE, transferBody, transferTargets } = await load('agent/transfer.js');
const { FILTERS, ReadMarker, afterMessage, filterList, isAwaiting, waitingText } = await load('agent/unread.js');
const { normalShortcut, replyPatch, replyProblem } = await load('agent/cannedsettings.js');
const { composeLook } = await load('agent/composemode.js');
const { Inbox } = await load('agent/inbox.js');
const { applyEvent } = await load('agent/events.js');
const { viewOf } = await load('agent/routes.js');
const { ApiError } = await load('js/api.js');

const reply = (shortcut, title, content, extra = {}) => ({ id: `r-${shortcut}`, shortcut, title, content, scope: 'team', owner_agent_id: null, ...extra });
const REPLIES = [
  reply('refund', 'Refund on its way', 'Hi {{contact.first_name | there}}, your refund is on its way.'),
  reply('ship-time', 'Shipping times', 'Orders ship within one business day.'),
  reply('thanks', 'Thank you', 'Thanks for waiting, {{contact.name}}!', { scope: 'personal', owner_agent_id: 'me' }),
];

describe('canned replies: the server\'s filter rule', () => {
  test('the start of the shortcut, with or without its "/", in any case', () => {
    assert.equal(matchesQuery(REPLIES[0], 'ref'), true);
    assert.equal(matchesQuery(REPLIES[0], '/REF'), true);
    assert.equal(matchesQuery(REPLIES[1], 'ship-t'), true);
    assert.equal(matchesQuery(REPLIES[0], 'fund'), false, 'the middle of a shortcut is no match');
  });

  test('else every word of the query starts a word of the title or the content', () => {
    assert.equal(matchesQuery(REPLIES[1], 'business da'), true);
    assert.equal(matchesQuery(REPLIES[1], 'ship business'), true, 'title and content words together');
    assert.equal(matchesQuery(REPLIES[1], 'business night'), false, 'one word that starts nothing: no match');
    assert.equal(matchesQuery(REPLIES[0], 'way'), true);
    assert.equal(matchesQuery(REPLIES[0], 'ay'), false, 'word starts only');
    assert.equal(matchesQuery(REPLIES[0], 'contact first'), true, 'variables are words of the content too, as on the server');
  });

  test('an empty query keeps everything; the order is the list\'s', () => {
    assert.deepEqual(filterReplies(REPLIES, '  ').map((r) => r.shortcut), ['refund', 'ship-time', 'thanks']);
    assert.deepEqual(filterReplies(REPLIES, 'th').map((r) => r.shortcut), ['refund', 'thanks'], '"there" in the fallback, and the shortcut');
    assert.deepEqual(filterReplies(REPLIES, 'wait').map((r) => r.shortcut), ['thanks']);
  });
});

describe('the "/query" being typed', () => {
  test('a "/" at the start, or after a space or a line break, up to the caret', () => {
    assert.deepEqual(slashToken('/ref', 4), { start: 0, end: 4, query: 'ref' });
    assert.deepEqual(slashToken('Hi /ref', 7), { start: 3, end: 7, query: 'ref' });
    assert.deepEqual(slashToken('Hello\n/sh', 9), { start: 6, end: 9, query: 'sh' });
    assert.deepEqual(slashToken('/', 1), { start: 0, end: 1, query: '' });
    assert.deepEqual(slashToken('/ship time', 10), { start: 0, end: 10, query: 'ship time' }, 'words for the title rule');
  });

  test('no token: "and/or", a URL, a space right after the "/", a slash on an earlier line, nothing before the caret', () => {
    assert.equal(slashToken('and/or', 6), null);
    assert.equal(slashToken('see https://shop.example/x', 26), null);
    assert.equal(slashToken('/ ref', 5), null);
    assert.equal(slashToken('/ref\nmore', 9), null);
    assert.equal(slashToken('/ref later', 0), null);
  });

  test('the caret decides: a token before it, not the text after', () => {
    assert.deepEqual(slashToken('Hi /ref and more', 7), { start: 3, end: 7, query: 'ref' });
  });

  test('replacing the token puts the reply there and the caret after it', () => {
    const text = 'Hi /ref thanks';
    const token = slashToken(text, 7);
    assert.deepEqual(replaceToken(text, token, 'Your refund is on its way.'), { text: 'Hi Your refund is on its way. thanks', caret: 29 });
  });
});

describe('CannedStore', () => {
  test('read once, shared; read again on reload; an answer after forget() is dropped', async () => {
    let calls = 0;
    let release;
    const api = { cannedReplies: () => { calls += 1; return new Promise((resolve) => { release = () => resolve({ items: [REPLIES[1], REPLIES[0]] }); }); } };
    const store = new CannedStore(api);
    const seen = [];
    store.onChange((items) => seen.push(items.map((r) => r.shortcut)));
    const a = store.load();
    const b = store.load();
    assert.equal(calls, 1, 'one request for both');
    release();
    assert.deepEqual((await a).map((r) => r.shortcut), ['refund', 'ship-time'], 'by shortcut');
    assert.equal(await b, store.items);
    await store.load();
    assert.equal(calls, 1, 'kept');
    const again = store.reload();
    assert.equal(calls, 2);
    release();
    await again;
    assert.equal(seen.length, 2);
    const late = store.load(); // nothing kept after reload()'s answer? it is: no request
    assert.equal(calls, 2);
    await late;
    store.forget();
    const next = store.load();
    assert.equal(calls, 3);
    store.forget(); // signed out while it was out
    release();
    await next;
    assert.equal(store.items, null, 'the old answer is not kept for the next agent');
  });
});

describe('the combobox\'s keys', () => {
  const key = (k, extra = {}) => ({ key: k, shiftKey: false, isComposing: false, ...extra });

  test('↑/↓ move and wrap, Enter chooses, Esc closes', () => {
    assert.deepEqual(pickerKey(key('ArrowDown'), { count: 3, active: 0 }), { move: 1 });
    assert.deepEqual(pickerKey(key('ArrowDown'), { count: 3, active: 2 }), { move: 0 });
    assert.deepEqual(pickerKey(key('ArrowUp'), { count: 3, active: 0 }), { move: 2 });
    assert.deepEqual(pickerKey(key('Enter'), { count: 3, active: 1 }), { choose: 1 });
    assert.deepEqual(pickerKey(key('Escape'), { count: 3, active: 1 }), { close: true });
  });

  test('the textarea keeps the rest: Shift+Enter, an IME\'s Enter, letters, and Enter with nothing to choose', () => {
    assert.equal(pickerKey(key('Enter', { shiftKey: true }), { count: 3, active: 0 }), null);
    assert.equal(pickerKey(key('Enter', { isComposing: true }), { count: 3, active: 0 }), null);
    assert.equal(pickerKey(key('a'), { count: 3, active: 0 }), null);
    assert.equal(pickerKey(key('Enter'), { count: 0, active: 0 }), null, 'nothing matches: Enter sends as usual');
    assert.deepEqual(pickerKey(key('Escape'), { count: 0, active: 0 }), { close: true });
  });
});

describe('CannedPicker', () => {
  let doc;
  let el;
  let chosen;
  let picker;
  let store;

  const type = (text) => {
    el.input.value = text;
    el.input.selectionStart = el.input.selectionEnd = text.length;
    el.input.dispatchEvent({ type: 'input' });
  };
  const press = (k, extra = {}) => {
    const event = { type: 'keydown', key: k, shiftKey: false, isComposing: false, ...extra };
    el.input.dispatchEvent(event);
    return event;
  };
  const options = () => el.list.childNodes;

  beforeEach(() => {
    doc = installDom();
    el = {};
    for (const [name, tag] of [['combo', 'div'], ['input', 'textarea'], ['popup', 'div'], ['list', 'ul'], ['empty', 'p'], ['status', 'p']]) {
      el[name] = doc.createElement(tag);
      el[name].setAttribute('id', `t-${name}`);
      doc.body.append(el[name]);
    }
    chosen = [];
    store = new CannedStore({ cannedReplies: async () => ({ items: REPLIES }) });
    picker = new CannedPicker({ ...el, store, onChoose: (r, token) => chosen.push([r.shortcut, token]) });
  });

  test('"/" opens the list; typing filters it; the combobox says which option is active', async () => {
    await store.load();
    assert.equal(el.combo.getAttribute('role'), 'combobox');
    assert.equal(el.input.getAttribute('aria-controls'), 't-list');
    type('/');
    assert.equal(el.popup.hidden, false);
    assert.equal(el.combo.getAttribute('aria-expanded'), 'true');
    assert.equal(options().length, 3);
    assert.equal(options()[0].getAttribute('role'), 'option');
    assert.equal(options()[0].textContent, '/refundRefund on its way');
    assert.equal(el.input.getAttribute('aria-activedescendant'), options()[0].id);
    type('/sh');
    assert.deepEqual(options().map((o) => o.textContent), ['/ship-timeShipping times']);
    assert.match(el.status.textContent, /^1 canned reply/);
  });

  test('↓ moves the active option, Enter hands it over with the token and closes the list (nothing is sent)', async () => {
    await store.load();
    type('Hi /');
    const down = press('ArrowDown');
    assert.equal(down.defaultPrevented, true);
    assert.equal(options()[1].getAttribute('aria-selected'), 'true');
    assert.equal(el.input.getAttribute('aria-activedescendant'), options()[1].id);
    const enter = press('Enter');
    assert.equal(enter.defaultPrevented, true, 'Enter did not reach Enter-to-send');
    assert.deepEqual(chosen, [['ship-time', { start: 3, end: 4, query: '' }]]);
    assert.equal(el.popup.hidden, true);
    assert.equal(el.combo.getAttribute('aria-expanded'), 'false');
    assert.equal(el.input.hasAttribute('aria-activedescendant'), false);
  });

  test('a click on an option chooses it', async () => {
    await store.load();
    type('/tha');
    options()[0].dispatchEvent({ type: 'click' });
    assert.deepEqual(chosen.map((c) => c[0]), ['thanks']);
  });

  test('Esc closes it for that "/" until another one is typed; the Enter then is the textarea\'s', async () => {
    await store.load();
    type('/re');
    press('Escape');
    assert.equal(el.popup.hidden, true);
    type('/ref');
    assert.equal(el.popup.hidden, true, 'the same token stays shut');
    const enter = press('Enter');
    assert.equal(enter.defaultPrevented, false);
    type('/ref thanks /');
    assert.equal(el.popup.hidden, false, 'a new "/" opens it again');
  });

  test('nothing matches: the list says so, is not expanded, and Enter sends', async () => {
    await store.load();
    type('/zzz');
    assert.equal(el.combo.getAttribute('aria-expanded'), 'false');
    assert.equal(el.empty.hidden, false);
    assert.equal(el.empty.textContent, 'No canned reply matches “/zzz”.');
    assert.equal(press('Enter').defaultPrevented, false);
  });

  test('the first "/" reads the replies, then the list fills in', async () => {
    type('/');
    assert.equal(el.empty.textContent, 'Loading canned replies…');
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(options().length, 3);
  });
});

describe('private notes in the timeline', () => {
  const message = (id, at, status = 'sent') => ({ key: `m:${id}`, status, message: { id: status === 'sent' ? id : null, created_at: at, sender_type: 'customer' } });
  const note = (id, at) => ({ id, conversation_id: 'c1', author: { id: 'a1', display_name: 'Ada' }, content: `note ${id}`, created_at: at, mentions: [] });

  test('merged by time among the messages; a note of the same instant first; sends under way last', () => {
    const entries = [message('m1', '2026-12-07T10:00:00.000Z'), message('m2', '2026-12-07T10:05:00.000Z'), message('p1', '2026-12-07T10:09:00.000Z', 'sending')];
    const notes = [note('n1', '2026-12-07T10:01:00.000Z'), note('n2', '2026-12-07T10:05:00.000Z'), note('n3', '2026-12-07T10:08:00.000Z')];
    assert.deepEqual(mergeTimeline(entries, notes).map((e) => e.key), ['m:m1', 'n:n1', 'n:n2', 'm:m2', 'n:n3', 'm:p1']);
    assert.deepEqual(mergeTimeline([], notes).map((e) => e.key), ['n:n1', 'n:n2', 'n:n3']);
    assert.deepEqual(mergeTimeline(entries, []).map((e) => e.key), ['m:m1', 'm:m2', 'm:p1']);
  });

  test('a note\'s entry is drawn as a note by its author, never as a customer\'s or agent\'s message', () => {
    const entry = noteEntry(note('n1', '2026-12-07T10:01:00.000Z'));
    assert.equal(entry.message.sender_type, 'note');
    assert.equal(entry.message.author.display_name, 'Ada');
    assert.equal(entry.message.content, 'note n1');
  });

  test('NoteBook: a chat\'s notes once each, in order; others kept only to name who mentioned', () => {
    const book = new NoteBook();
    assert.equal(book.add(note('x', '2026-12-07T09:00:00.000Z')), false, 'a chat not read yet keeps nothing');
    assert.equal(book.find('x').author.display_name, 'Ada');
    book.set('c1', [note('n2', '2026-12-07T10:05:00.000Z')]);
    assert.equal(book.add(note('n1', '2026-12-07T10:01:00.000Z')), true);
    assert.equal(book.add(note('n1', '2026-12-07T10:01:00.000Z')), false, 'the POST answer and note.created: once');
    assert.deepEqual(book.of('c1').map((n) => n.id), ['n1', 'n2']);
    assert.deepEqual(book.of('c2'), []);
    assert.equal(book.latest('c1').id, 'n1', 'the last one seen');
    assert.equal(book.latest('c9'), null);
  });

  test('mentions are kept for the tab, per agent, until the chat is opened', () => {
    const kept = new Map();
    const storage = { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, v) };
    const mentions = new Mentions('me', storage);
    assert.equal(mentions.add({ conversation_id: 'c1', note_id: 'n1', author: 'Ada' }), true);
    assert.equal(mentions.add({ conversation_id: 'c1', note_id: 'n2', author: 'Sam' }), false, 'one mark a chat');
    const again = new Mentions('me', storage);
    assert.deepEqual(again.list(), [{ conversation_id: 'c1', note_id: 'n2', author: 'Sam' }], 'a reload keeps it');
    assert.equal(new Mentions('someone-else', storage).has('c1'), false);
    assert.equal(again.clear('c1'), true);
    assert.equal(again.clear('c1'), false);
    assert.equal(new Mentions('me', storage).has('c1'), false);
  });

  test('the composer in Note mode is open where a reply is not, and says so', () => {
    assert.deepEqual(composeLook('note', false), { placeholder: 'A note for your team…', send: 'Add note', label: 'Note for your team', enabled: true });
    assert.equal(composeLook('reply', false).enabled, false);
    assert.equal(composeLook('reply', true).send, 'Send');
  });
});

describe('transfer', () => {
  const agent = (id, extra = {}) => ({ id, display_name: id.toUpperCase(), presence: 'online', disabled: false, active_chats: 1, max_active_chats: 3, away_since: null, ...extra });
  const team = [agent('me'), agent('sam'), agent('full', { active_chats: 3 }), agent('gone', { disabled: true }), agent('off', { presence: 'offline' })];

  test('the team but the holder and disabled agents, with presence and load; full ones for admins only', () => {
    const targets = transferTargets(team, { holderId: 'me', admin: false });
    assert.deepEqual(targets.map((t) => t.id), ['sam', 'full', 'off']);
    assert.deepEqual(targets.map((t) => t.selectable), [true, false, true]);
    assert.equal(targets[0].load, '1 of 3 chats');
    assert.equal(targets[1].load, '3 of 3 chats · full');
    assert.deepEqual(targets[0].presence.slice(0, 2), ['Online', 'online']);
    assert.deepEqual(targets[2].presence.slice(0, 2), ['Offline', '']);
    assert.equal(transferTargets(team, { holderId: 'sam', admin: true }).find((t) => t.id === 'full').selectable, true);
  });

  test('what is sent: an agent (force only when asked), or the queue; an empty note is none', () => {
    assert.deepEqual(transferBody('sam', { note: 'Knows the order' }), { to_agent_id: 'sam', note: 'Knows the order', force: undefined });
    assert.deepEqual(JSON.parse(JSON.stringify(transferBody('full', { note: '  ', force: true }))), { to_agent_id: 'full', force: true });
    assert.deepEqual(JSON.parse(JSON.stringify(transferBody(QUEUE, { note: 'Back later' }))), { to: 'queue', note: 'Back later' });
  });
});

describe('unread and awaiting reply', () => {
  const ME = { id: 'me', display_name: 'Me' };
  const conv = (id, extra = {}) => ({
    id, status: 'agent', assigned_agent_id: 'me', has_agent_replied: false, requested_agent_at: '2026-12-07T10:00:00.000Z',
    created_at: '2026-12-07T09:59:00.000Z', updated_at: '2026-12-07T10:00:00.000Z', last_message: null, customer: { display_name: id },
    unread_count: 0, awaiting_reply: false, waiting_since: null, ...extra,
  });
  const msg = (id, sender_type, created_at) => ({ id, conversation_id: 'c1', sender_type, kind: 'text', content: 'x', created_at });

  test('"waiting 12 min" from waiting_since', () => {
    const now = Date.parse('2026-12-07T10:12:30.000Z');
    assert.equal(waitingText('2026-12-07T10:00:00.000Z', now), 'waiting 12 min');
    assert.equal(waitingText('2026-12-07T10:12:00.000Z', now), 'waiting just now');
    assert.equal(waitingText('2026-12-07T08:00:00.000Z', now), 'waiting 2 h 12 min');
  });

  test('a customer\'s message starts the wait (the first one counts), an agent\'s ends it', () => {
    const waiting = afterMessage(conv('c1'), msg('m1', 'customer', '2026-12-07T10:01:00.000Z'));
    assert.deepEqual(waiting, { waiting_since: '2026-12-07T10:01:00.000Z', awaiting_reply: true });
    assert.deepEqual(afterMessage(conv('c1', waiting), msg('m2', 'customer', '2026-12-07T10:03:00.000Z')).waiting_since, '2026-12-07T10:01:00.000Z');
    assert.deepEqual(afterMessage(conv('c1', waiting), msg('m3', 'agent', '2026-12-07T10:04:00.000Z')), { waiting_since: null, awaiting_reply: false });
    assert.deepEqual(afterMessage(conv('c1', waiting), msg('m4', 'system', '2026-12-07T10:04:00.000Z')), {});
    assert.equal(isAwaiting(conv('c1', { ...waiting, status: 'closed' })), false, 'a closed chat waits on nobody');
  });

  test('the inbox follows the stream: awaiting from messages, unread from the lists', () => {
    const inbox = new Inbox(ME);
    inbox.replace('mine', [conv('c1', { unread_count: 2 }), conv('c2')]);
    assert.equal(inbox.unreadOf('c1'), 2, 'the list\'s count');
    assert.equal(inbox.totalUnread(), 2);
    inbox.noteMessage('c2', msg('m1', 'customer', '2026-12-07T10:02:00.000Z'));
    assert.equal(isAwaiting(inbox.get('c2')), true);
    assert.equal(inbox.get('c2').waiting_since, '2026-12-07T10:02:00.000Z');
    inbox.noteMessage('c2', msg('m2', 'agent', '2026-12-07T10:03:00.000Z'));
    assert.equal(isAwaiting(inbox.get('c2')), false);
    inbox.replace('mine', [conv('c1', { unread_count: 0 }), conv('c2')]);
    assert.equal(inbox.unreadOf('c1'), 0, 'read elsewhere: the list says so');
  });

  test('filters: unread keeps counted chats, waiting keeps awaiting ones', () => {
    const inbox = new Inbox(ME);
    inbox.replace('mine', [conv('a', { unread_count: 1 }), conv('b', { waiting_since: '2026-12-07T10:00:00.000Z', awaiting_reply: true }), conv('c')]);
    const mine = inbox.mine();
    assert.deepEqual(filterList(mine, 'unread', inbox).map((c) => c.id), ['a']);
    assert.deepEqual(filterList(mine, 'waiting', inbox).map((c) => c.id), ['b']);
    assert.equal(filterList(mine, 'all', inbox).length, 3);
    assert.equal(FILTERS.waiting.label, 'Waiting for reply');
  });

  test('events: a customer message counts where the chat is not open; conversation.read from another tab clears it', () => {
    const inbox = new Inbox(ME);
    inbox.replace('mine', [conv('c1')]);
    const seen = [];
    const session = {
      inbox, me: ME,
      pane: { ingest: () => false, addNote: (n) => seen.push(n.id) },
      typing: { set: () => {} },
      attention: (id, m) => inbox.bump(id, m.id),
    };
    applyEvent(session, 'message.created', { conversation_id: 'c1', message: msg('m1', 'customer', '2026-12-07T10:01:00.000Z') });
    applyEvent(session, 'message.created', { conversation_id: 'c1', message: msg('m1', 'customer', '2026-12-07T10:01:00.000Z') });
    assert.equal(inbox.unreadOf('c1'), 1, 'the same message once');
    assert.equal(isAwaiting(inbox.get('c1')), true);
    assert.equal(applyEvent(session, 'conversation.read', { conversation_id: 'c1', agent_id: 'someone', up_to_message_id: 'm1' }), false);
    assert.equal(inbox.unreadOf('c1'), 1, 'another agent\'s read is theirs');
    session.mentions = new Mentions('me', null);
    session.mentions.add({ conversation_id: 'c1', note_id: 'n0', author: 'Ada' });
    applyEvent(session, 'conversation.read', { conversation_id: 'c1', agent_id: 'me', up_to_message_id: 'm1' });
    assert.equal(inbox.unreadOf('c1'), 0);
    assert.equal(session.mentions.has('c1'), false, 'opened in another tab: the mention is seen');
    applyEvent(session, 'message.created', { conversation_id: 'c1', message: msg('m2', 'customer', '2026-12-07T10:02:00.000Z') });
    assert.equal(inbox.unreadOf('c1'), 1);
    applyEvent(session, 'message.created', { conversation_id: 'c1', message: { ...msg('m3', 'agent', '2026-12-07T10:03:00.000Z'), sender_agent_id: 'someone' } });
    assert.equal(inbox.unreadOf('c1'), 1, 'a colleague\'s reply reads nothing for me');
    applyEvent(session, 'message.created', { conversation_id: 'c1', message: { ...msg('m4', 'agent', '2026-12-07T10:04:00.000Z'), sender_agent_id: 'me' } });
    assert.equal(inbox.unreadOf('c1'), 0, 'my own reply, from anywhere: read up to it');
    applyEvent(session, 'note.created', { conversation_id: 'c1', note: { id: 'n1', conversation_id: 'c1' } });
    assert.deepEqual(seen, ['n1']);
  });

  test('ReadMarker: one request at a time per chat, the latest wish after it; a server without the route is asked no more', async () => {
    const calls = [];
    let fail = null;
    const api = { markRead: async (id) => { calls.push(id); if (fail) throw fail; } };
    const marker = new ReadMarker(api, { every: 5 });
    marker.mark('c1');
    marker.mark('c1');
    marker.mark('c1');
    marker.mark('c2');
    await new Promise((resolve) => setTimeout(resolve, 30));
    assert.deepEqual(calls, ['c1', 'c2', 'c1'], 'three wishes for c1 while one was out: two requests');
    fail = new ApiError(404, 'route_not_found', 'No route');
    marker.mark('c3');
    await new Promise((resolve) => setTimeout(resolve, 20));
    marker.mark('c4');
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(calls, ['c1', 'c2', 'c1', 'c3']);
  });
});

describe('canned replies in Settings', () => {
  test('what the form checks before asking the server', () => {
    const ok = { shortcut: '/Refund ', title: 'Refund', content: 'Hi' };
    assert.equal(replyProblem(ok), null);
    assert.equal(normalShortcut(ok.shortcut), 'refund');
    assert.equal(replyProblem({ ...ok, shortcut: 'two words' }).field, 'shortcut');
    assert.equal(replyProblem({ ...ok, shortcut: '-dash' }).field, 'shortcut');
    assert.equal(replyProblem({ ...ok, title: ' ' }).field, 'title');
    assert.equal(replyProblem({ ...ok, title: 'x'.repeat(81) }).field, 'title');
    assert.equal(replyProblem({ ...ok, content: '\n' }).field, 'content');
  });

  test('an edit sends only what changed', () => {
    const saved = reply('refund', 'Refund', 'Hi');
    assert.deepEqual(replyPatch(saved, { shortcut: '/refund', title: 'Refund ', content: 'Hi' }), {});
    assert.deepEqual(replyPatch(saved, { shortcut: 'money-back', title: 'Refund', content: 'Hello' }), { shortcut: 'money-back', content: 'Hello' });
  });

  test('every agent reaches the canned replies in Settings, admins everything', () => {
    assert.deepEqual(viewOf('#settings/myreplies', { admin: false }), { view: 'settings', section: 'myreplies' });
    assert.deepEqual(viewOf('#settings/replies', { admin: false }), { view: 'settings', section: 'replies' });
    assert.deepEqual(viewOf('#settings', { admin: false }), { view: 'settings', section: 'myreplies' });
    assert.deepEqual(viewOf('#settings/team', { admin: false }), { view: 'chats' });
    assert.deepEqual(viewOf('#settings', { admin: true }), { view: 'settings', section: 'faqs' });
    assert.deepEqual(viewOf('#settings/replies', { admin: true }), { view: 'settings', section: 'replies' });
  });
});
