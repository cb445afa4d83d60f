// The widget's chat and contact wired as widget.js wires them, over the fake
// Switchboard (fakeserver.mjs), with the fixtures their tests share. Call
// `trackChats()` once at the top of a test file: it clears what the widget stored
// before each test and stops the chats' streams and pollers after it.

import { afterEach, beforeEach } from 'node:test';

import { load } from './load.mjs';

globalThis.addEventListener ??= () => {};
globalThis.removeEventListener ??= () => {};
globalThis.document ??= { hidden: false, addEventListener: () => {}, documentElement: { dataset: {} } };

const { Chat } = await load('widget/chat.js');
const { Contact } = await load('widget/contact.js');
const { parseAvailability } = await load('widget/config.js');
const { clearSession, saveContact } = await load('widget/session.js');

export const CONV = 'c-1';
export const at = '2026-12-07T12:00:00.000Z';
export const conversation = (status = 'automated', extra = {}) => ({
  id: CONV, customer_session_id: 's-1', status, assigned_agent_id: null, assigned_agent_name: null, assigned_agent_presence: null,
  created_at: at, updated_at: at, ...extra,
});
export const message = (id, sender_type, content, metadata = null, extra = {}) =>
  ({ id, conversation_id: CONV, sender_type, kind: sender_type === 'system' ? 'event' : 'text', content, metadata, created_at: at, ...extra });
export const welcome = message('m-welcome', 'bot', 'Hi! Ask me anything.');
export const startAnswer = (conv = conversation()) => ({
  conversation: conv, messages: [welcome], quick_questions: [{ slug: 'returns', question: 'Returns?' }],
  show_talk_to_agent: true, resumed: false, last_event_id: 1, contact: null,
});

let chats = [];

export function trackChats() {
  beforeEach(() => {
    clearSession();
    saveContact(null);
    chats = [];
  });
  afterEach(() => {
    for (const chat of chats) {
      chat.stream?.stop();
      chat.poller.stop();
    }
  });
}

/** A chat and its contact wired as widget.js wires them; `availability`: what widget-config says. */
export function widget({ availability = 'online' } = {}) {
  let contact;
  const chat = new Chat({
    onChange: () => {},
    onIncoming: () => {},
    onStarted: (conv, identity) => contact.started(conv, identity),
    onLeaveMessage: () => contact.offerLeave(),
  });
  const reads = [];
  contact = new Contact(chat, {
    onChange: () => {},
    refresh: async () => {
      reads.push(availability);
      return parseAvailability({ status: availability });
    },
  });
  contact.setAvailability(parseAvailability({ status: 'online' })); // what the page read when it loaded
  chats.push(chat);
  return { chat, contact, reads };
}
