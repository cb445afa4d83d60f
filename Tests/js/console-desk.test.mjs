// The console's part of issue 25: who holds an open chat and whether they are
// there, how long its customer has waited, which chats wait on the agent, what
// an empty list says for each routing mode (and how the console infers the
// mode), the words of an offline message in its preview, signing out with
// open chats, the one-time offer of alerts; and the settings forms' own logic:
// the phrases that ask for a person, the routing minutes, the link name made
// from an FAQ's question, the username suggested from a name, and "Open all
// day" while no day has hours.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { load } from './load.mjs';

const { Inbox, awaitsAnswer, waitingSince } = await load('agent/inbox.js');
const { endsWithOfflineNote, holderOf, previewOf, shopperWords } = await load('agent/convinfo.js');
const { RoutingGuess, emptyStates, routingMode } = await load('agent/routing.js');
const { logoutQuestion } = await load('agent/logout.js');
const { alertsToOffer } = await load('agent/notify.js');
const { parsePhrases, phrasesProblem } = await load('agent/bottexts.js');
const { minutesValue } = await load('agent/routingform.js');
const { checkQuestion, QUESTION_MAX_CHARS } = await load('agent/csatform.js');
const { revealBy, slugFrom } = await load('agent/faqform.js');
const { usernameFrom } = await load('agent/admin.js');
const { WeekHours } = await load('agent/weekhours.js');
const { agentApi } = await load('js/api.js');

const ME = { id: 'me', display_name: 'Ada Admin', presence: 'online', max_active_chats: 2 };

const msg = (sender_type, created_at, extra = {}) => ({ id: `m-${sender_type}-${created_at}`, sender_type, kind: 'text', content: 'hi', created_at, ...extra });
const event = (name, created_at) => ({ id: `e-${name}-${created_at}`, sender_type: 'system', kind: 'event', content: `(${name})`, metadata: { event: name }, created_at });

const conv = (id, extra = {}) => ({
  id, status: 'agent', assigned_agent_id: null, has_agent_replied: false, requested_agent_at: '2026-12-07T10:00:00.000Z',
  created_at: '2026-12-07T09:59:00.000Z', updated_at: '2026-12-07T10:00:00.000Z', offline: false, last_message: null,
  customer: { display_name: `Visitor ${id}` }, ...extra,
});

describe('waiting', () => {
  test('a chat awaits an answer unless an agent spoke last', () => {
    assert.equal(awaitsAnswer(conv('a', { last_message: msg('customer', 't1') })), true);
    assert.equal(awaitsAnswer(conv('a', { last_message: event('assigned', 't1') })), true);
    assert.equal(awaitsAnswer(conv('a', { last_message: null })), true);
    assert.equal(awaitsAnswer(conv('a', { last_message: msg('agent', 't1') })), false);
    assert.equal(awaitsAnswer(conv('a', { status: 'closed', last_message: msg('customer', 't1') })), false);
  });

  test('since when: the customer\'s last message, else the request when nobody answered yet, null once answered', () => {
    assert.equal(waitingSince(conv('a', { last_message: msg('customer', '2026-12-07T10:05:00.000Z') })), '2026-12-07T10:05:00.000Z');
    assert.equal(waitingSince(conv('a', { last_message: event('queued', '2026-12-07T10:00:01.000Z') })), '2026-12-07T10:00:00.000Z');
    assert.equal(waitingSince(conv('a', { has_agent_replied: true, last_message: event('returned', '2026-12-07T11:00:00.000Z') })), '2026-12-07T11:00:00.000Z');
    assert.equal(waitingSince(conv('a', { last_message: msg('agent', '2026-12-07T10:06:00.000Z') })), null);
    assert.equal(waitingSince(conv('a', { status: 'closed' })), null);
  });

  test('my chats waiting on me, and every open chat longest-waiting first, answered ones last', () => {
    const inbox = new Inbox(ME);
    inbox.upsert(conv('answered', { assigned_agent_id: 'me', last_message: msg('agent', '2026-12-07T10:09:00.000Z') }));
    inbox.upsert(conv('late', { assigned_agent_id: 'me', last_message: msg('customer', '2026-12-07T10:08:00.000Z') }));
    inbox.upsert(conv('early', { assigned_agent_id: 'other', last_message: msg('customer', '2026-12-07T10:02:00.000Z') }));
    inbox.upsert(conv('queued', { last_message: event('queued', '2026-12-07T10:00:00.000Z') }));
    inbox.upsert(conv('gone', { status: 'closed' }));
    assert.deepEqual(inbox.waitingOnMe().map((c) => c.id), ['late']);
    assert.deepEqual(inbox.open().map((c) => c.id), ['queued', 'early', 'late', 'answered']);
  });

  test('a fresh "All open" list forgets only the chats held by others that it no longer has', () => {
    const inbox = new Inbox(ME);
    inbox.upsert(conv('others-gone', { assigned_agent_id: 'other' }));
    inbox.upsert(conv('others-kept', { assigned_agent_id: 'other' }));
    inbox.upsert(conv('mine', { assigned_agent_id: 'me' }));
    inbox.upsert(conv('queued'));
    inbox.replace('open', [conv('others-kept', { assigned_agent_id: 'other' })]);
    assert.deepEqual([...inbox.convs.keys()].sort(), ['mine', 'others-kept', 'queued']);
  });
});

describe('holders', () => {
  test('the team\'s word on presence first (with since when away), else the conversation\'s own', () => {
    const held = conv('a', { assigned_agent_id: 'alex', assigned_agent_name: 'Alex Agent', assigned_agent_presence: 'online' });
    assert.deepEqual(holderOf(held), { id: 'alex', name: 'Alex Agent', presence: 'online', awaySince: null });
    const away = { id: 'alex', display_name: 'Alex Agent', presence: 'offline', away_since: '2026-12-07T10:00:00.000Z', disabled: false };
    assert.deepEqual(holderOf(held, away), { id: 'alex', name: 'Alex Agent', presence: 'away', awaySince: '2026-12-07T10:00:00.000Z' });
    assert.equal(holderOf(held, { ...away, away_since: null }).presence, 'offline');
    assert.equal(holderOf(held, { ...away, presence: 'online', disabled: true }).presence, 'offline');
    assert.equal(holderOf(conv('b', { assigned_agent_id: 'x' })).presence, null, 'not known: no badge');
    assert.equal(holderOf(conv('c')), null, 'nobody holds a queued chat');
  });

  test('an agent\'s new presence reaches the chats they hold', () => {
    const inbox = new Inbox(ME);
    inbox.upsert(conv('a', { assigned_agent_id: 'alex', assigned_agent_presence: 'online' }));
    inbox.upsert(conv('b', { assigned_agent_id: 'sam', assigned_agent_presence: 'online' }));
    inbox.noteAgent({ id: 'alex', display_name: 'Alex Agent', presence: 'offline', away_since: '2026-12-07T10:00:00.000Z' });
    assert.equal(inbox.get('a').assigned_agent_presence, 'offline');
    assert.equal(inbox.get('b').assigned_agent_presence, 'online');
    assert.equal(inbox.agents.get('alex').away_since, '2026-12-07T10:00:00.000Z');
    assert.equal(inbox.agentName('alex'), 'Alex Agent');
  });
});

describe('an offline message\'s preview', () => {
  const note = event('offline', '2026-12-07T10:00:02.000Z');

  test('the shopper\'s words instead of the system line, once known', () => {
    const c = conv('a', { offline: true, last_message: note });
    assert.equal(endsWithOfflineNote(c), true);
    assert.deepEqual(previewOf(note, { me: 'me', agentName: () => 'x' }), { text: 'Left a message while nobody was here', note: true });
    assert.deepEqual(previewOf(note, { me: 'me', agentName: () => 'x', words: 'My parcel\nnever came' }), { text: 'My parcel never came', note: false });
    // Other system lines keep their words.
    assert.deepEqual(previewOf(event('queued', 't'), { me: 'me', agentName: () => 'x', words: 'ignored' }), { text: 'Asked for a person', note: true });
  });

  test('what the shopper last wrote, from the conversation', () => {
    const messages = [msg('bot', 't0'), msg('customer', 't1', { content: 'First' }), msg('customer', 't2', { content: 'My parcel never came' }), note];
    assert.equal(shopperWords(messages), 'My parcel never came');
    assert.equal(shopperWords([msg('bot', 't0'), note]), null);
    assert.equal(endsWithOfflineNote(conv('b', { last_message: msg('customer', 't3') })), false);
  });
});

describe('routing', () => {
  const storage = () => {
    const kept = new Map();
    return { getItem: (k) => kept.get(k) ?? null, setItem: (k, v) => kept.set(k, v), kept };
  };
  const queued = conv('q', { last_message: event('queued', 't') });

  test('unknown until seen; a chat assigned to me that I did not take means auto, and is remembered', () => {
    const s = storage();
    const guess = new RoutingGuess(s);
    assert.equal(guess.mode, null);
    guess.assignedToMe();
    assert.equal(guess.mode, 'auto');
    assert.equal(new RoutingGuess(s).mode, 'auto');
  });

  test('a chat queued while I was online with room means manual; offline, full, or an offline message says nothing', () => {
    const guess = new RoutingGuess(storage());
    guess.queued(queued, { ...ME, presence: 'offline' }, 0);
    guess.queued(queued, ME, 2);
    guess.queued(conv('o', { last_message: event('offline', 't') }), ME, 0);
    guess.queued(conv('r', { last_message: event('released', 't') }), ME, 0);
    assert.equal(guess.mode, null);
    guess.queued(queued, ME, 1);
    assert.equal(guess.mode, 'manual');
  });

  test('without storage (blocked) it still guesses for the page', () => {
    const guess = new RoutingGuess({ getItem: () => { throw new Error('blocked'); }, setItem: () => { throw new Error('blocked'); } });
    assert.equal(guess.mode, null);
    guess.assignedToMe();
    assert.equal(guess.mode, 'auto');
  });

  test('the server\'s word (GET agent/me `routing`) first, the guess for a server that does not say', () => {
    const guess = new RoutingGuess(storage());
    guess.assignedToMe();
    assert.equal(routingMode({ routing: 'manual' }, guess), 'manual');
    assert.equal(routingMode({ routing: 'auto' }, new RoutingGuess(storage())), 'auto');
    assert.equal(routingMode({}, guess), 'auto');
    assert.equal(routingMode({ routing: 'random' }, new RoutingGuess(storage())), null);
  });

  test('an empty My chats never says "Claim a chat from the queue" unless chats are claimed', () => {
    assert.match(emptyStates('auto', 'online').mine[1], /assigned to you automatically/);
    assert.match(emptyStates('auto', 'offline').mine[1], /Go online/);
    assert.match(emptyStates('manual', 'online').mine[1], /^Claim a chat from the queue/);
    for (const [mode, presence] of [['auto', 'online'], [null, 'online'], [null, 'offline']]) {
      const texts = Object.values(emptyStates(mode, presence)).flat().join(' ');
      assert.doesNotMatch(texts, /Claim a chat|to claim it/, `${mode}/${presence}`);
    }
    assert.match(emptyStates('manual', 'online').pane[1], /claim/);
  });
});

describe('signing out with open chats', () => {
  test('the question names how many, one or several', () => {
    assert.equal(logoutQuestion(2).title, 'Return your 2 open chats to the queue?');
    assert.equal(logoutQuestion(1).title, 'Return your open chat to the queue?');
    assert.match(logoutQuestion(1).text, /it stays yours/);
    assert.match(logoutQuestion(3).text, /they stay yours/);
  });

  test('logout sends {return_chats} when asked, and no body otherwise', async () => {
    const realFetch = globalThis.fetch;
    const calls = [];
    globalThis.fetch = async (url, init) => {
      calls.push({ url, body: init.body === undefined ? undefined : JSON.parse(init.body) });
      return new Response(null, { status: 204 });
    };
    try {
      const api = agentApi(() => 't');
      await api.logout({ return_chats: false });
      await api.logout();
    } finally {
      globalThis.fetch = realFetch;
    }
    assert.deepEqual(calls, [
      { url: '/api/v1/agent/auth/logout', body: { return_chats: false } },
      { url: '/api/v1/agent/auth/logout', body: undefined },
    ]);
  });
});

describe('the one-time offer of alerts', () => {
  test('offered until answered, while the sound is off or notifications could still be turned on', () => {
    const base = { answered: false, sound: false, supported: true, on: false, blocked: false };
    assert.equal(alertsToOffer(base), true);
    assert.equal(alertsToOffer({ ...base, answered: true }), false);
    assert.equal(alertsToOffer({ ...base, sound: true }), true, 'notifications still to ask');
    assert.equal(alertsToOffer({ ...base, sound: true, on: true }), false);
    assert.equal(alertsToOffer({ ...base, sound: true, blocked: true }), false, 'the browser said no: nothing to offer');
    assert.equal(alertsToOffer({ ...base, sound: true, supported: false }), false);
  });
});

describe('settings forms', () => {
  test('phrases: comma-separated, trimmed, lower-cased, each once', () => {
    assert.deepEqual(parsePhrases(' Human, talk  to ,, human,REAL person '), ['human', 'talk to', 'real person']);
    assert.deepEqual(parsePhrases(''), []);
  });

  test('phrases: the server\'s limits when known, nothing checked when not', () => {
    const limits = { human_phrases_max: 2, human_phrase_max_chars: 5 };
    assert.equal(phrasesProblem(['a', 'b'], limits), null);
    assert.match(phrasesProblem(['a', 'b', 'c'], limits), /at most 2/);
    assert.match(phrasesProblem(['abcdef'], limits), /“abcdef” is too long \(at most 5/);
    assert.equal(phrasesProblem(Array(99).fill('abcdefgh'), {}), null);
  });

  test('routing minutes: a whole number ≥ 0', () => {
    assert.equal(minutesValue(' 5 '), 5);
    assert.equal(minutesValue('0'), 0);
    for (const bad of ['', '-1', '2.5', 'five', '1e3']) assert.equal(minutesValue(bad), null, bad);
  });

  test('the rating question: trimmed, 1–200 characters as the server counts them', () => {
    assert.deepEqual(checkQuestion('  How did we do?  '), { question: 'How did we do?' });
    assert.match(checkQuestion('   ').error, /write the question/);
    assert.deepEqual(checkQuestion('😀'.repeat(QUESTION_MAX_CHARS)), { question: '😀'.repeat(QUESTION_MAX_CHARS) });
    assert.match(checkQuestion('x'.repeat(QUESTION_MAX_CHARS + 1)).error, /at most 200/);
  });

  test('the link name made from a question, as the server makes it', () => {
    assert.equal(slugFrom('When will my order arrive?'), 'when-will-my-order-arrive');
    assert.equal(slugFrom("  What's your   return-policy?? "), 'whats-your-return-policy');
    assert.equal(slugFrom('¿Qué?'), 'qu');
    assert.equal(slugFrom('???'), 'faq');
    const long = slugFrom('ab '.repeat(40), 60);
    assert.ok(long.length <= 60 && !long.endsWith('-'), long);
  });

  test('the username suggested from a display name', () => {
    assert.equal(usernameFrom('Sam Rivera'), 'sam.rivera');
    assert.equal(usernameFrom('  José  Núñez '), 'jose.nunez');
    assert.equal(usernameFrom('Ann_Lee'), 'ann-lee');
    assert.equal(usernameFrom('Samantha Rivera', 8), 'samantha');
  });
});

describe('opening hours without any', () => {
  beforeEach(() => installDom());
  afterEach(() => { delete globalThis.document; });

  test('every day reads "Open all day" until hours are added; then a day without any is "Closed"', () => {
    const root = document.createElement('div');
    const week = new WeekHours(root, () => {});
    week.set({});
    const days = () => root.querySelectorAll('[data-open]').map((p) => [p.dataset.open, p.textContent]);
    assert.equal(days().length, 7);
    assert.ok(days().every(([open, text]) => open === 'true' && text === 'Open all day'), JSON.stringify(days()));
    week.set({ mon: [['09:00', '17:00']] });
    assert.equal(days().length, 6);
    assert.ok(days().every(([open, text]) => open === 'false' && text === 'Closed'), JSON.stringify(days()));
  });
});

describe('"Add FAQ" brings its form into view', () => {
  const box = { top: 58, bottom: 800, height: 742 };
  test('below the fold: just enough to show all of it, 16 px inside the edge', () => {
    assert.equal(revealBy({ top: 400, bottom: 1000, height: 600 }, box), 216);
  });
  test('showing already: not moved; above: its top comes down', () => {
    assert.equal(revealBy({ top: 100, bottom: 700, height: 600 }, box), 0);
    assert.equal(revealBy({ top: 20, bottom: 620, height: 600 }, box), -54);
  });
  test('taller than the box, or "start": its top to the top', () => {
    assert.equal(revealBy({ top: 900, bottom: 1800, height: 900 }, box), 826);
    assert.equal(revealBy({ top: 900, bottom: 1000, height: 100 }, box, 'start'), 826);
  });
});
