// Unread and awaiting reply: which chats have customer messages this agent
// has not read (the lists' `unread_count`, then counted here from
// message.created), which ones wait for an answer (`awaiting_reply` since
// `waiting_since`, kept current from the messages that arrive), the lists'
// filters on both, and telling the server what the agent has read
// (POST .../read, which also clears the badge in their other tabs).

import { ApiError } from '../js/api.js';
import { waited } from '../js/time.js';

/** An open chat whose customer wrote last: an agent's answer is owed. */
export const isAwaiting = (c) => c?.status === 'agent' && Boolean(c.waiting_since);

/** "waiting 12 min" since `since`. */
export const waitingText = (since, now = Date.now()) => `waiting ${waited(since, now)}`;

/**
 * What a new message changes in a chat's awaiting state (the server's rule): a customer's
 * starts the wait unless one runs already, an agent's ends it, others change nothing.
 */
export function afterMessage(conv, message) {
  if (message.sender_type === 'customer') {
    const since = conv.waiting_since || message.created_at;
    return { waiting_since: since, awaiting_reply: conv.status === 'agent' };
  }
  if (message.sender_type === 'agent') return { waiting_since: null, awaiting_reply: false };
  return {};
}

/** The lists' filters: every chat, those with unread messages, those waiting for a reply. */
export const FILTERS = {
  all: { label: 'All', keep: () => true, empty: null },
  unread: { label: 'Unread', keep: (c, inbox) => inbox.unreadOf(c.id) > 0, empty: ['Nothing unread here', 'Chats with customer messages you have not read show here.'] },
  waiting: { label: 'Waiting for reply', keep: (c) => isAwaiting(c), empty: ['Nobody is waiting for a reply here', 'Chats whose customer wrote last show here.'] },
};

/** `list` as filter `name` keeps it. */
export function filterList(list, name, inbox) {
  const filter = FILTERS[name] || FILTERS.all;
  return list.filter((c) => filter.keep(c, inbox));
}

// At most one read a chat every this many ms (a customer typing fast in the open chat).
const READ_EVERY_MS = 1500;

/**
 * Tells the server this agent read a chat up to its newest message. One request at a time
 * per chat, the latest wish sent after it. A server without the route (404 route_not_found)
 * is asked no more: the badges then only clear in this tab.
 */
export class ReadMarker {
  constructor(api, { every = READ_EVERY_MS } = {}) {
    this.api = api;
    this.every = every;
    this.supported = true;
    this.busy = new Map(); // conversation id -> {again: boolean}
  }

  mark(conversationId) {
    if (!this.supported || !conversationId) return;
    const running = this.busy.get(conversationId);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: false };
    this.busy.set(conversationId, state);
    this.#send(conversationId, state);
  }

  async #send(conversationId, state) {
    try {
      await this.api.markRead(conversationId);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'route_not_found') this.supported = false;
    }
    await new Promise((resolve) => setTimeout(resolve, this.every));
    this.busy.delete(conversationId);
    if (state.again) this.mark(conversationId);
  }
}
