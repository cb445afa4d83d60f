// What each agent stream event does to a signed-in console (session.js). A
// handler returns true when the lists and the pane need drawing again; typing
// and presence events update their own parts of the page.

import { renderPresence } from './chrome.js';

const HANDLERS = {
  'queue.chat_created'(session, data) {
    const { inbox, pane, me, routing } = session;
    const known = inbox.get(data.conversation.id);
    const wasQueued = known && inbox.listOf(known) === 'queue';
    routing.queued(data.conversation, me, inbox.mine().length);
    inbox.upsert(data.conversation);
    inbox.takeUnread([data.conversation]);
    if (!wasQueued && pane.id !== data.conversation.id) session.newInQueue(data.conversation.id);
    return true;
  },

  'queue.chat_claimed'({ inbox, lists, me }, data) {
    if (!inbox.get(data.conversation_id)) lists.leftQueueUnseen();
    inbox.patch(data.conversation_id, { status: 'agent', assigned_agent_id: data.agent_id, assigned_agent_name: inbox.agentNames.get(data.agent_id) || null });
    if (data.agent_id !== me.id) inbox.unread.delete(data.conversation_id);
    return true;
  },

  // Admins keep every open chat (All open); agents the queue's and their own. Labels set by
  // anyone come as {conversation, labels} (agents only): the chips follow.
  'conversation.updated'(session, data) {
    const { inbox, me } = session;
    const c = Array.isArray(data.labels) ? { ...data.conversation, labels: data.labels } : data.conversation;
    if (inbox.get(c.id)) inbox.upsert(c);
    else if (c.status === 'agent' && (session.admin || !c.assigned_agent_id || c.assigned_agent_id === me.id)) session.hydrate(c.id);
    return true;
  },

  // The customer rated a closed chat (agents only): its row's "★ 4" and its header follow.
  // A chat this console does not hold is left alone (its list brings the rating when read).
  'conversation.rated'({ inbox }, data) {
    if (!data?.conversation_id || !data.rating) return false;
    return inbox.patch(data.conversation_id, { rating: data.rating }) !== null;
  },

  // An admin added, renamed, recoloured or deleted a label: every chip follows (a deleted
  // label is gone from the store, so rows stop drawing it).
  'labels.changed'({ labels }, data) {
    labels.set(data.labels);
    return true;
  },

  'agent.assigned'(session, data) {
    const { inbox, me } = session;
    const id = data.conversation_id;
    const toMe = data.agent.id === me.id;
    inbox.agentNames.set(data.agent.id, data.agent.display_name);
    if (inbox.get(id)) {
      inbox.patch(id, { status: 'agent', assigned_agent_id: data.agent.id, assigned_agent_name: data.agent.display_name });
    } else if (!toMe && session.admin) {
      session.hydrate(id);
    }
    // Not claimed nor answered from here: the routing gave it (hydrated there when new).
    if (toMe && !session.ownAction(id)) session.assignedToMe(id);
    else if (toMe && !inbox.get(id)) session.hydrate(id);
    return true;
  },

  'chat.closed'({ inbox, typing }, data) {
    inbox.patch(data.conversation_id, { status: 'closed', closed_at: data.closed_at });
    typing.set(data.conversation_id, false);
    return true;
  },

  'message.created'(session, data) {
    const m = data.message;
    session.inbox.noteMessage(data.conversation_id, m);
    session.pane.ingest(m);
    if (m.sender_type === 'customer') {
      session.typing.set(data.conversation_id, false);
      session.attention(data.conversation_id, m);
    }
    // The agent's own reply (from any tab or client) moves their read cursor to it, as on the server.
    if (m.sender_type === 'agent' && m.sender_agent_id === session.me.id) session.inbox.markRead(data.conversation_id);
    return true;
  },

  'customer.typing'({ typing, pane }, data) {
    typing.set(data.conversation_id, Boolean(data.typing));
    pane.setCustomerTyping(data.conversation_id, Boolean(data.typing));
    return false;
  },

  'agent.typing'({ pane, me }, data) {
    if (data.agent_id && data.agent_id !== me.id) pane.setAgentTyping(data.conversation_id, Boolean(data.typing), data.agent_name);
    return false;
  },

  // The holders' presence in All open, the team list (Settings → Team: "Away since"), and
  // what an empty My chats says (going online matters with automatic routing).
  'agent.presence.changed'({ inbox, me, onAgent }, data) {
    if (!data.agent) return false;
    inbox.noteAgent(data.agent);
    if (data.agent.id === me.id) {
      me.presence = data.agent.presence;
      renderPresence(me.presence);
    }
    onAgent(data.agent);
    return true;
  },

  // Private notes: the open chat draws them; the others' are kept to name who mentioned the agent.
  'note.created'({ pane }, data) {
    if (data.note) pane.addNote(data.note);
    return false;
  },

  'note.mentioned'(session, data) {
    if (data.agent_id === session.me.id) session.mentioned(data);
    return false;
  },

  // Who gave a chat away and who took it (conversation.updated and agent.assigned move it).
  'conversation.transferred'(session, data) {
    session.transferred(data);
    return true;
  },

  // This agent read a chat in another tab: its badge and its mention go here too.
  'conversation.read'({ inbox, me, mentions }, data) {
    if (data.agent_id && data.agent_id !== me.id) return false;
    inbox.markRead(data.conversation_id);
    mentions?.clear(data.conversation_id);
    return true;
  },

  'agent.session_revoked'(session, data) {
    session.revoked(data.agent_id);
    return false;
  },
};

/** Applies stream event `name`; returns whether to render. Unknown events are ignored. */
export function applyEvent(session, name, data) {
  return Object.hasOwn(HANDLERS, name) ? HANDLERS[name](session, data) : false;
}
