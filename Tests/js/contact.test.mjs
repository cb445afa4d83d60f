// widget/contact.js with a fake chat: "Talk to a person" / "Leave a message"
// under the escalation contract (it always succeeds; `offline` and
// `needs_contact` say what the shopper is asked next) and the offline form
// (its message first — with the escalation while the bot has the chat, else
// as an ordinary one — then the contact; each at most once across retries).

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const { Contact } = await load('widget/contact.js');
const { parseAvailability } = await load('widget/config.js');
const { ApiError } = await load('js/api.js');

// Each chat its own conversation: session.js keeps what the shopper told us per conversation,
// in memory here (no localStorage in Node), for the life of the module.
let conversations = 0;

/** A chat as contact.js sees it; `escalation` and `failures` script the server, `calls` record what was asked. */
function fakeChat({ status = 'automated', escalation = { status: 'agent', offline: false, needs_contact: false } } = {}) {
  const calls = [];
  const failures = { contact: [], post: [], escalate: [] }; // errors to throw, in turn
  const chat = {
    calls,
    failures,
    identity: null,
    limits: { message_max_chars: 40 },
    notice: null,
    state: { phase: 'ready' },
    conversation: { id: `c${++conversations}`, status, assigned_agent_id: null },
    api: {
      contact: async (id, body) => {
        calls.push(['contact', id, body]);
        if (failures.contact.length) throw failures.contact.shift();
        return { ...chat.conversation };
      },
    },
    async escalate(message) {
      calls.push(['escalate', message]);
      if (failures.escalate.length) throw failures.escalate.shift();
      chat.conversation = { ...chat.conversation, status: escalation.status, assigned_agent_id: null };
      return { conversation_id: chat.conversation.id, assigned_agent_id: null, message: null, ...escalation };
    },
    async post(text, clientId) {
      calls.push(['post', text, clientId]);
      if (failures.post.length) throw failures.post.shift();
    },
    notify(text) { chat.notice = text; },
    dismissNotice() { chat.notice = null; },
    hasCustomerMessage: () => false,
  };
  return chat;
}

const AWAY = parseAvailability({ status: 'away', email_enabled: true });
const ONLINE = parseAvailability({ status: 'online', typical_reply_seconds: 30 });

function contactFor(chat, availability, { refreshed = availability } = {}) {
  let refreshes = 0;
  const contact = new Contact(chat, { onChange: () => {}, refresh: async () => { refreshes++; return refreshed; } });
  contact.setAvailability(availability);
  contact.refreshes = () => refreshes;
  return contact;
}

const names = (chat) => chat.calls.map((c) => c[0]);

describe('talk()', () => {
  let chat;
  beforeEach(() => {
    chat = fakeChat();
  });

  test('while nobody is there, "Leave a message" opens the form and sends nothing', async () => {
    const contact = contactFor(chat, AWAY);
    assert.equal(contact.offering, 'leave');
    await contact.talk();
    assert.equal(contact.form, 'leave');
    assert.equal(contact.leaveChanged, false);
    assert.deepEqual(chat.calls, []);
  });

  test('someone there: an escalation, no form', async () => {
    const contact = contactFor(chat, ONLINE);
    await contact.talk();
    assert.deepEqual(names(chat), ['escalate']);
    assert.equal(contact.form, null);
    assert.equal(contact.filed(), null);
    assert.equal(contact.refreshes(), 0);
  });

  test('nobody there after all, no e-mail: queued anyway, then the form asks for the address', async () => {
    chat = fakeChat({ escalation: { status: 'agent', offline: true, needs_contact: true } });
    const contact = contactFor(chat, ONLINE); // the page still thought someone was there, and so does the refresh
    await contact.talk();
    assert.deepEqual(names(chat), ['escalate']);
    assert.equal(contact.refreshes(), 1);
    assert.equal(contact.availability.status, 'away', 'the page stops offering "Talk to a person"');
    assert.equal(contact.form, 'leave');
    assert.equal(contact.leaveChanged, true);
    assert.equal(contact.awaitingContact(), true);
    assert.equal(contact.filed(), null);
  });

  test('nobody there, the e-mail known: filed at once with it, no form', async () => {
    chat = fakeChat({ escalation: { status: 'agent', offline: true, needs_contact: false } });
    const contact = contactFor(chat, ONLINE, { refreshed: AWAY });
    contact.started(chat.conversation, { email: 'sam@example.com', displayName: 'Sam' });
    await contact.talk();
    assert.equal(contact.form, null);
    assert.deepEqual(contact.filed(), { email: 'sam@example.com', name: 'Sam', status: 'away', nextOpenAt: null, emailEnabled: true });
    assert.equal(contact.awaitingContact(), false);
  });

  test('a refusal is said in plain words', async () => {
    chat.failures.escalate.push(new ApiError(429, 'too_many_open_chats', 'There are already 5 open conversations.', 60_000));
    const contact = contactFor(chat, ONLINE);
    await contact.talk();
    assert.equal(chat.notice, "We couldn't reach a person. There are already 5 open conversations.");
    assert.equal(contact.form, null);
  });
});

describe('leaveMessage()', () => {
  const form = { email: ' jamie@example.com ', name: ' Jamie Rivera ', message: 'My strap tore.' };
  const OFFLINE = { status: 'agent', offline: true, needs_contact: true };

  // A chat queued by "Talk to a person" while nobody was there: the form asks for the address.
  async function afterNeedsContact(chat) {
    const contact = contactFor(chat, ONLINE, { refreshed: AWAY });
    await contact.talk();
    assert.equal(contact.form, 'leave');
    return contact;
  }

  test('refused before anything is sent: no address, a bad one, no message, a message over the limit', async () => {
    const chat = fakeChat();
    const contact = contactFor(chat, AWAY);
    assert.equal(await contact.leaveMessage({ email: '', name: '', message: '  ' }), false);
    assert.deepEqual(contact.errors.leave, { email: 'Enter your e-mail address so we can answer you.', message: 'Write your message.' });
    assert.equal(await contact.leaveMessage({ ...form, email: 'jamie@' }), false);
    assert.equal(contact.errors.leave.email, "That e-mail address doesn't look right — please check it.");
    assert.equal(await contact.leaveMessage({ ...form, message: '😀'.repeat(41) }), false);
    assert.equal(contact.errors.leave.message, 'Your message is too long (at most 40 characters).');
    assert.deepEqual(chat.calls, []);
    assert.equal(await contact.leaveMessage({ ...form, message: '😀'.repeat(40) }), true, '40 emoji are 40 characters');
    assert.deepEqual(names(chat), ['escalate', 'contact']);
  });

  test('from the bot: the message goes with the escalation, then the contact; filed', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    const contact = contactFor(chat, AWAY);
    contact.openLeave();
    assert.equal(await contact.leaveMessage(form), true);
    assert.deepEqual(chat.calls, [
      ['escalate', 'My strap tore.'],
      ['contact', chat.conversation.id, { email: 'jamie@example.com', name: 'Jamie Rivera', source: 'offline' }],
    ]);
    assert.equal(contact.form, null);
    assert.equal(contact.filed().email, 'jamie@example.com');
    assert.equal(contact.knownEmail(), 'jamie@example.com');
  });

  test('after an escalation that needed the address: the message as an ordinary one, then the contact', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    const contact = await afterNeedsContact(chat);
    assert.equal(await contact.leaveMessage(form), true);
    assert.deepEqual(chat.calls.map((c) => c.slice(0, 2)), [['escalate', undefined], ['post', 'My strap tore.'], ['contact', chat.conversation.id]]);
    assert.equal(contact.filed().name, 'Jamie Rivera');
    assert.equal(contact.awaitingContact(), false);
  });

  test('someone came online meanwhile: the message goes to a live chat, nothing is filed', async () => {
    const chat = fakeChat({ escalation: { status: 'agent', offline: false, needs_contact: false } });
    const contact = contactFor(chat, AWAY);
    assert.equal(await contact.leaveMessage(form), true);
    assert.equal(contact.filed(), null);
  });

  test('the escalation fails: nothing else is sent; the retry escalates with the message again', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    chat.failures.escalate.push(new ApiError(429, 'rate_limited', 'Slow down.', 10_000));
    const contact = contactFor(chat, AWAY);
    contact.openLeave();
    assert.equal(await contact.leaveMessage(form), false);
    assert.equal(contact.errors.leave.form, "Your message wasn't sent. Too many tries in a short time — wait a moment and try again.");
    assert.equal(await contact.leaveMessage(form), true);
    assert.deepEqual(chat.calls.map((c) => c.slice(0, 2)), [['escalate', 'My strap tore.'], ['escalate', 'My strap tore.'], ['contact', chat.conversation.id]]);
  });

  test('the message fails on the queued chat: the form stays; the retry sends it with the same id', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    chat.failures.post.push(new ApiError(0));
    const contact = await afterNeedsContact(chat);
    assert.equal(await contact.leaveMessage(form), false);
    assert.equal(contact.form, 'leave');
    assert.match(contact.errors.leave.form, /^Your message wasn't sent\. No connection/);
    assert.equal(contact.filed(), null);
    assert.equal(contact.awaitingContact(), true, 'queued, without the message and the address');
    assert.equal(await contact.leaveMessage(form), true);
    assert.deepEqual(names(chat), ['escalate', 'post', 'post', 'contact']);
    const posts = chat.calls.filter((c) => c[0] === 'post');
    assert.equal(posts[0][2], posts[1][2], 'the retry reuses the client_message_id');
    assert.ok(contact.filed());
  });

  test('an edited message after a failure is a new message (a new id)', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    chat.failures.post.push(new ApiError(503, 'busy', 'Busy.'));
    const contact = await afterNeedsContact(chat);
    await contact.leaveMessage(form);
    await contact.leaveMessage({ ...form, message: 'My strap tore. Photo attached.' });
    const posts = chat.calls.filter((c) => c[0] === 'post');
    assert.equal(posts.length, 2);
    assert.notEqual(posts[0][2], posts[1][2]);
  });

  test('the address fails after the message: said so; the retry does not send the message again', async () => {
    const chat = fakeChat({ escalation: OFFLINE });
    chat.failures.contact.push(new ApiError(503, 'service_unavailable', 'The service is not available right now.'));
    const contact = contactFor(chat, AWAY);
    contact.openLeave();
    assert.equal(await contact.leaveMessage(form), false);
    assert.equal(contact.errors.leave.form,
      "Your message is here, but we couldn't save your e-mail address. Our chat is having trouble right now — please try again in a moment.");
    assert.equal(contact.form, 'leave');
    assert.equal(contact.filed(), null);
    assert.equal(await contact.leaveMessage(form), true);
    assert.deepEqual(names(chat), ['escalate', 'contact', 'contact']);
    assert.ok(contact.filed());
  });

  test('the server refusing the address marks the field; the corrected address alone is sent', async () => {
    const chat = fakeChat();
    chat.failures.contact.push(new ApiError(400, 'invalid_email', 'email: not an address.'));
    const contact = contactFor(chat, AWAY);
    assert.equal(await contact.leaveMessage(form), false);
    assert.deepEqual(contact.errors.leave, { email: "That e-mail address doesn't look right — please check it." });
    assert.deepEqual(names(chat), ['escalate', 'contact']);
    assert.equal(await contact.leaveMessage({ ...form, email: 'jamie@example.org' }), true);
    assert.deepEqual(names(chat), ['escalate', 'contact', 'contact']);
  });
});
