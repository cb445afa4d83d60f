// What the console knows about conversations: one map of AgentConversation
// objects kept current by REST answers and stream events. Which list a chat
// is in (queue, mine, closed) is derived from its fields, so an event that
// changes a field moves it; unread counts live next to it (the lists' own
// `unread_count`, then what arrives: unread.js). Admins also see
// every open chat, whoever holds it (open()), and every agent sees which of
// their chats wait on them (the customer spoke last, or nobody answered yet).

import { afterMessage } from './unread.js';

/** Where a chat stands in the queue (the server's order: oldest request first). */
export const queueKey = (c) => `${c.requested_agent_at || c.created_at}|${c.id}`;

/**
 * An open chat whose customer waits for an agent's words: the newest message is not an
 * agent's (the customer wrote, or it was just assigned or returned: a system line), or
 * there is none yet.
 */
export const awaitsAnswer = (c) => c.status === 'agent' && c.last_message?.sender_type !== 'agent';

/**
 * Since when the customer of an open chat has waited: their last message when an agent's
 * answer is owed, else the request for a person (or the chat's start) when no agent ever
 * replied; null when an agent answered last.
 */
export function waitingSince(c) {
  if (c.status !== 'agent') return null;
  if (c.waiting_since) return c.waiting_since; // the server's (and the stream's) word: awaiting_reply
  const last = c.last_message;
  if (last?.sender_type === 'customer') return last.created_at;
  if (last?.sender_type === 'agent') return null;
  return c.has_agent_replied ? last?.created_at || c.updated_at : c.requested_agent_at || c.created_at;
}

// Answered chats (no wait) after every waiting one.
const waitKey = (c) => waitingSince(c) || '\uffff';

export class Inbox {
  constructor(me) {
    this.me = me;
    this.convs = new Map();
    this.unread = new Map();
    this.counted = new Set(); // message ids already counted as unread
    this.agentNames = new Map([[me.id, me.display_name]]);
    this.agents = new Map(); // id -> Agent, for admins (the holders' presence in "All open")
    this.words = new Map(); // conversation id -> what the shopper wrote (an offline message's preview)
  }

  /** Keeps an Agent (the team list, or agent.presence.changed): its name and presence. */
  noteAgent(agent) {
    if (!agent?.id) return;
    this.agents.set(agent.id, { ...(this.agents.get(agent.id) || {}), ...agent });
    if (agent.display_name) this.agentNames.set(agent.id, agent.display_name);
    for (const c of this.convs.values()) {
      if (c.assigned_agent_id === agent.id && c.status === 'agent' && agent.presence) c.assigned_agent_presence = agent.presence;
    }
  }

  get(id) {
    return this.convs.get(id) || null;
  }

  /** Adds or merges a conversation (full AgentConversation or an event's summary). */
  upsert(item) {
    if (!item || !item.id) return null;
    const old = this.convs.get(item.id);
    const next = { ...(old || {}), ...item };
    if (!next.assigned_agent_id) next.assigned_agent_name = null;
    if (next.assigned_agent_id && next.assigned_agent_name) this.agentNames.set(next.assigned_agent_id, next.assigned_agent_name);
    // A summary never carries last_message/customer/contact: keep what we had.
    if (!('last_message' in item) && old) next.last_message = old.last_message;
    if (!item.customer && old) next.customer = old.customer;
    if (!item.contact && old) next.contact = old.contact;
    this.convs.set(item.id, next);
    return next;
  }

  /** Merges fields into a known conversation; unknown ids are ignored (returns null). */
  patch(id, fields) {
    const old = this.convs.get(id);
    if (!old) return null;
    return this.upsert({ ...fields, id });
  }

  forget(id) {
    this.convs.delete(id);
    this.unread.delete(id);
    this.words.delete(id);
  }

  /** A contact's name or e-mail changed: every chat of theirs we hold shows the new ones. */
  contactChanged(contact) {
    for (const c of this.convs.values()) {
      if (c.contact?.id !== contact.id) continue;
      const { id, external_id, verified, name, email } = contact;
      c.contact = { ...c.contact, id, external_id, verified, name, email };
    }
  }

  /** A contact was erased: their chats go too. Returns the ids forgotten. */
  forgetContact(contactId) {
    const gone = [...this.convs.values()].filter((c) => c.contact?.id === contactId).map((c) => c.id);
    for (const id of gone) this.forget(id);
    return gone;
  }

  /** Records a message as the conversation's newest (if it is newer). */
  noteMessage(conversationId, message) {
    const conv = this.convs.get(conversationId);
    if (!conv || !message) return;
    const last = conv.last_message;
    if (!last || last.created_at <= message.created_at) {
      this.upsert({
        id: conversationId, last_message: message, updated_at: message.created_at > conv.updated_at ? message.created_at : conv.updated_at,
        ...(last?.id === message.id ? {} : afterMessage(conv, message)),
      });
    }
  }

  listOf(conv) {
    if (conv.status === 'closed') return 'closed';
    if (conv.status === 'agent' && !conv.assigned_agent_id) return 'queue';
    if (conv.assigned_agent_id === this.me.id) return 'mine';
    return null; // the bot's, or another agent's
  }

  /** Queue: oldest request first. */
  queue() {
    return [...this.convs.values()]
      .filter((c) => this.listOf(c) === 'queue')
      .sort((a, b) => queueKey(a).localeCompare(queueKey(b)));
  }

  /** My chats: latest activity first. */
  mine() {
    return [...this.convs.values()]
      .filter((c) => this.listOf(c) === 'mine')
      .sort((a, b) => b.updated_at.localeCompare(a.updated_at));
  }

  /**
   * Every open chat, held or waiting (admins: "All open"): the longest-waiting
   * customer first (see waitingSince), then the oldest request.
   */
  open() {
    return [...this.convs.values()]
      .filter((c) => c.status === 'agent')
      .sort((a, b) => waitKey(a).localeCompare(waitKey(b)) || queueKey(a).localeCompare(queueKey(b)));
  }

  /** My chats whose customer waits on me: nobody answered since they (or the desk) last spoke. */
  waitingOnMe() {
    return this.mine().filter(awaitsAnswer);
  }

  /** Closed: most recently closed first. */
  closed() {
    return [...this.convs.values()]
      .filter((c) => this.listOf(c) === 'closed')
      .sort((a, b) => (b.closed_at || b.updated_at).localeCompare(a.closed_at || a.updated_at));
  }

  /**
   * A fresh REST list for `kind`. Chats we show in that list but the server
   * no longer lists have changed in ways we missed: they are forgotten
   * (except `keep`, the open one, which the caller refreshes itself). For a
   * first page of the queue, `bound` is the queueKey of its last chat: only
   * chats up to there are judged (later ones were not asked for).
   * Returns the ids that were not known before.
   */
  replace(kind, items, keep = null, bound = null) {
    const fresh = new Set(items.map((i) => i.id));
    const before = new Set(this.convs.keys());
    // "open" (every open chat, admins) judges only the chats held by others: the queue and
    // my chats have lists of their own.
    const inKind = (c) => (kind === 'open' ? c.status === 'agent' && this.listOf(c) === null : this.listOf(c) === kind);
    for (const c of [...this.convs.values()]) {
      if (!inKind(c) || fresh.has(c.id) || c.id === keep || kind === 'closed') continue;
      if (bound === null || queueKey(c) <= bound) this.forget(c.id);
    }
    for (const item of items) this.upsert(item);
    this.takeUnread(items);
    return items.filter((i) => !before.has(i.id)).map((i) => i.id);
  }

  /**
   * A list's word on unread (`unread_count`: the customer messages after this agent's read
   * cursor) replaces what was counted here. Other answers carry no count of the caller's.
   */
  takeUnread(items) {
    for (const item of items) {
      if (typeof item.unread_count !== 'number') continue;
      if (item.unread_count > 0) this.unread.set(item.id, item.unread_count);
      else this.unread.delete(item.id);
    }
  }

  // --- unread -----------------------------------------------------------------

  /** Counts a customer message as unread once. Returns true if it counted. */
  bump(conversationId, messageId) {
    if (messageId) {
      if (this.counted.has(messageId)) return false;
      this.counted.add(messageId);
      if (this.counted.size > 5000) this.counted = new Set([...this.counted].slice(-2500));
    }
    this.unread.set(conversationId, (this.unread.get(conversationId) || 0) + 1);
    return true;
  }

  /** A new chat in the queue wants attention: at least one unread. */
  flag(conversationId) {
    if (!this.unread.get(conversationId)) this.unread.set(conversationId, 1);
  }

  markRead(conversationId) {
    this.unread.delete(conversationId);
  }

  unreadOf(conversationId) {
    return this.unread.get(conversationId) || 0;
  }

  /** Unread across the chats an agent should look at (queue and mine). */
  totalUnread() {
    let total = 0;
    for (const [id, n] of this.unread) {
      const c = this.convs.get(id);
      if (c && (this.listOf(c) === 'queue' || this.listOf(c) === 'mine')) total += n;
    }
    return total;
  }

  agentName(id) {
    if (!id) return 'Agent';
    return this.agentNames.get(id) || 'Agent';
  }
}
