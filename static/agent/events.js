// What each agent stream event does to a signed-in console (session.js). A
// handler returns true when the lists and the pane need drawing again; typing
// and presence events update their own parts of the page.

import { renderPresence } from './chrome.js';
import { chime } from './sound.js';

const HANDLERS = {
  'queue.chat_created'({ inbox, pane }, data) {
    const known = inbox.get(data.conversation.id);
    const wasQueued = known && inbox.listOf(known) === 'queue';
    inbox.upsert(data.conversation);
    if (!wasQueued && pane.id !== data.conversation.id) {
      inbox.flag(data.conversation.id);
      chime();
    }
    return true;
  },

  'queue.chat_claimed'({ inbox, lists, me }, data) {
    if (!inbox.get(data.conversation_id)) lists.leftQueueUnseen();
    inbox.patch(data.conversation_id, { status: 'agent', assigned_agent_id: data.agent_id, assigned_agent_name: inbox.agentNames.get(data.agent_id) || null });
    if (data.agent_id !== me.id) inbox.unread.delete(data.conversation_id);
    return true;
  },

  'conversation.updated'(session, data) {
    const { inbox, me } = session;
    const c = data.conversation;
    if (inbox.get(c.id)) inbox.upsert(c);
    else if (c.status === 'agent' && (!c.assigned_agent_id || c.assigned_agent_id === me.id)) session.hydrate(c.id);
    return true;
  },

  'agent.assigned'(session, data) {
    const { inbox, me } = session;
    inbox.agentNames.set(data.agent.id, data.agent.display_name);
    if (inbox.get(data.conversation_id)) {
      inbox.patch(data.conversation_id, { status: 'agent', assigned_agent_id: data.agent.id, assigned_agent_name: data.agent.display_name });
    } else if (data.agent.id === me.id) {
      session.hydrate(data.conversation_id);
    }
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

  'agent.presence.changed'({ inbox, me, onAgent }, data) {
    if (data.agent) {
      inbox.agentNames.set(data.agent.id, data.agent.display_name);
      if (data.agent.id === me.id) {
        me.presence = data.agent.presence;
        renderPresence(me.presence);
      }
      onAgent(data.agent); // the team list (Settings → Team) shows presence and "Away since"
    }
    return false;
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
