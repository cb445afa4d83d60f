// The widget's header follows the person who holds the chat (issue 25, item 1):
// availability.js holderStatus (the words, the name, the dot) and chat.js
// keeping the conversation's holder and presence from answers and events
// (conversation.updated, agent.assigned, a returned chat), and what the holder
// was seen doing live.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { fakeServer, tick, until } from './fakeserver.mjs';
import { load } from './load.mjs';

globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { hidden: false, addEventListener: () => {}, documentElement: { dataset: {} } };

const { holderStatus, HOLDER_ACTIVE_MS } = await load('widget/availability.js');
const { Chat } = await load('widget/chat.js');
const { clearSession } = await load('widget/session.js');

const ALEX = 'agent-alex';
const SAM = 'agent-sam';

describe('holderStatus', () => {
  const conv = (presence, id = ALEX, name = 'Alex Agent') =>
    ({ assigned_agent_id: id, assigned_agent_name: name, assigned_agent_presence: presence });

  test('nobody holds the chat: the queue, no name, no dot', () => {
    assert.deepEqual(holderStatus({ assigned_agent_id: null, assigned_agent_presence: null }),
      { text: 'Waiting for the next available person…', name: null, present: false });
  });

  test('the holder online: their name and the dot', () => {
    assert.deepEqual(holderStatus(conv('online')), { text: "You're chatting with Alex Agent", name: 'Alex Agent', present: true });
  });

  test('the holder offline: never shown as there', () => {
    const s = holderStatus(conv('offline'));
    assert.equal(s.present, false);
    assert.equal(s.name, 'Alex Agent');
    assert.equal(s.text, "Alex Agent is away — we'll find someone else");
    assert.doesNotMatch(s.text, /chatting with/);
  });

  test('a presence the server did not send counts as there (routing gives chats only to people online)', () => {
    assert.equal(holderStatus({ assigned_agent_id: ALEX, assigned_agent_name: 'Alex Agent' }).present, true);
  });

  test('a holder with presence null (not a known presence) is not shown as there', () => {
    assert.equal(holderStatus(conv(null)).present, false);
  });

  test('no name known yet', () => {
    assert.equal(holderStatus(conv('online', ALEX, null)).text, "You're chatting with a support agent");
    assert.equal(holderStatus(conv('offline', ALEX, null)).text, "Your support agent is away — we'll find someone else");
  });

  test('an offline holder seen acting in the chat is there, for a while', () => {
    const now = 1_000_000;
    const seen = { agentId: ALEX, at: now - 1000 };
    assert.equal(holderStatus(conv('offline'), { seen, now }).present, true);
    assert.equal(holderStatus(conv('offline'), { seen, now: now - 1000 + HOLDER_ACTIVE_MS }).present, false);
    // Someone else acting says nothing about the holder.
    assert.equal(holderStatus(conv('offline'), { seen: { agentId: SAM, at: now }, now }).present, false);
  });
});

// --- through chat.js ------------------------------------------------------------------------

const CONV = 'c-1';
const held = (presence, id = ALEX, name = 'Alex Agent') => ({
  id: CONV, customer_session_id: 's-1', status: 'agent', assigned_agent_id: id, assigned_agent_name: name,
  assigned_agent_presence: presence, created_at: '2026-12-07T12:00:00.000Z', updated_at: '2026-12-07T12:00:00.000Z',
});
const queued = () => ({ ...held(null, null, null) });

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

/** A chat showing conversation `first` (resumed from a stored session), its stream open. */
async function chatShowing(first) {
  const server = fakeServer({
    'POST /customer/conversations/start': () => ({
      body: { conversation: first, messages: [], quick_questions: [], show_talk_to_agent: false, resumed: true, last_event_id: 1, contact: null },
    }),
  });
  const chat = new Chat({ onChange: () => {}, onIncoming: () => {} });
  chats.push(chat);
  await chat.ensureStarted();
  await until(() => server.streams.length === 1, 'the stream opened');
  return { chat, server, stream: server.streams[0], status: () => holderStatus(chat.conversation, { seen: chat.state.holderSeen }) };
}

describe("the shop's own system (an API key)", () => {
  test('its message is named after the integration and is no sign of the holder', async () => {
    const { chat, stream, status } = await chatShowing(held('offline'));
    stream.send('message.created', {
      conversation_id: CONV,
      message: { id: 'm-i', conversation_id: CONV, sender_type: 'agent', sender_agent_id: 'key-1', kind: 'text',
        content: 'Your order has shipped.', metadata: { integration: 'Order system' },
        sender: { type: 'agent', agent_id: 'key-1', integration: 'Order system' }, created_at: '2026-12-07T12:01:00.000Z' },
    }, 2);
    await until(() => chat.log.entries().length === 1, 'the message shown');
    assert.equal(chat.agentName('key-1'), 'Order system');
    // Alex is still away: the shop's message did not make the holder look present.
    assert.equal(status().present, false);
    assert.equal(chat.conversation.assigned_agent_id, ALEX);
  });
});

describe('the holder, live', () => {
  test("the holder's presence follows conversation.updated: online, then offline (away), back online", async () => {
    const { stream, status } = await chatShowing(held('online'));
    assert.equal(status().present, true);
    stream.send('conversation.updated', { conversation: held('offline') }, 2);
    await until(() => status().present === false, 'the holder shown away');
    assert.equal(status().text, "Alex Agent is away — we'll find someone else");
    stream.send('conversation.updated', { conversation: held('online') }, 3);
    await until(() => status().present === true, 'the holder shown back');
  });

  test('a returned chat: the returned message shows, the header says the queue; then someone else takes it', async () => {
    const { chat, stream, status } = await chatShowing(held('online'));
    stream.send('message.created', {
      conversation_id: CONV,
      message: { id: 'm-r', conversation_id: CONV, sender_type: 'system', kind: 'event', content: "Alex Agent had to leave — we're finding someone else.",
        metadata: { event: 'returned', agent_id: ALEX }, created_at: '2026-12-07T12:01:00.000Z' },
    }, 2);
    stream.send('conversation.updated', { conversation: queued() }, 3);
    await until(() => chat.conversation.assigned_agent_id === null, 'the chat back in the queue');
    assert.deepEqual(status(), { text: 'Waiting for the next available person…', name: null, present: false });
    assert.equal(chat.conversation.assigned_agent_presence, null);
    assert.deepEqual(chat.log.entries().map((e) => e.message.content), ["Alex Agent had to leave — we're finding someone else."]);

    // Routing gives it to Sam (agent.assigned first, as the server sends it): Sam, with the dot.
    stream.send('agent.assigned', { conversation_id: CONV, agent: { id: SAM, display_name: 'Sam Rivera' } }, 4);
    await until(() => chat.conversation.assigned_agent_id === SAM, 'Sam holds it');
    assert.deepEqual(status(), { text: "You're chatting with Sam Rivera", name: 'Sam Rivera', present: true });
    stream.send('conversation.updated', { conversation: held('online', SAM, 'Sam Rivera') }, 5);
    await tick(20);
    assert.equal(status().present, true);
  });

  test("another holder brings nothing of the previous one's presence along", async () => {
    const { chat, stream, status } = await chatShowing(held('offline'));
    assert.equal(status().present, false);
    // An event with the new holder but no presence: unknown, not Alex's "offline".
    stream.send('agent.assigned', { conversation_id: CONV, agent: { id: SAM, display_name: 'Sam Rivera' } }, 2);
    await until(() => chat.conversation.assigned_agent_id === SAM, 'Sam holds it');
    assert.equal(chat.conversation.assigned_agent_presence, undefined);
    assert.equal(status().text, "You're chatting with Sam Rivera");
  });

  test('a holder who set themselves offline but claims, writes or types is there; seen going offline, away', async () => {
    // Claimed by someone whose presence is offline (they keep working their chats): there.
    const { chat, stream, status } = await chatShowing(queued());
    stream.send('agent.assigned', { conversation_id: CONV, agent: { id: ALEX, display_name: 'Alex Agent' } }, 2);
    stream.send('conversation.updated', { conversation: held('offline') }, 3);
    await until(() => chat.conversation.assigned_agent_presence === 'offline', 'the presence arrived');
    assert.equal(status().present, true);
    assert.equal(status().text, "You're chatting with Alex Agent");

    // Seen going from online to offline: away, until they act again.
    stream.send('conversation.updated', { conversation: held('online') }, 4);
    stream.send('conversation.updated', { conversation: held('offline') }, 5);
    await until(() => status().present === false, 'away after going offline');
    stream.send('agent.typing', { conversation_id: CONV, typing: true, agent_id: ALEX, agent_name: 'Alex Agent' });
    await until(() => status().present === true, 'typing: there');
    stream.send('conversation.updated', { conversation: held('online') }, 6);
    stream.send('conversation.updated', { conversation: held('offline') }, 7);
    await until(() => status().present === false, 'away again');
    stream.send('message.created', {
      conversation_id: CONV,
      message: { id: 'm-a', conversation_id: CONV, sender_type: 'agent', sender_agent_id: ALEX, kind: 'text', content: 'Still here!',
        created_at: new Date().toISOString() },
    }, 8);
    await until(() => status().present === true, 'a message: there');
  });

  test('a page view that finds the holder offline shows them away (nothing seen here)', async () => {
    const { status } = await chatShowing(held('offline'));
    assert.equal(status().present, false);
  });
});

test("a holder's message that reached us late (a poll after a reconnect) counts from when it was written", async () => {
  const { chat, stream, status } = await chatShowing(held('offline'));
  const old = new Date(Date.now() - HOLDER_ACTIVE_MS - 60_000).toISOString();
  stream.send('message.created', {
    conversation_id: CONV,
    message: { id: 'm-old', conversation_id: CONV, sender_type: 'agent', sender_agent_id: ALEX, kind: 'text', content: 'Written a while ago',
      created_at: old },
  }, 2);
  await until(() => chat.log.size === 1, 'the message shown');
  assert.equal(status().present, false);
  stream.send('message.created', {
    conversation_id: CONV,
    message: { id: 'm-new', conversation_id: CONV, sender_type: 'agent', sender_agent_id: ALEX, kind: 'text', content: 'Just now',
      created_at: new Date().toISOString() },
  }, 3);
  await until(() => status().present === true, 'a fresh message: there');
});
