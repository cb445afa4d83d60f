// What the console says about a conversation in a few words, wherever it is
// shown (the lists, the open chat's header, a contact's past conversations):
// who it is with, where it stands, and its last message as a preview.

// System messages as short previews.
const EVENT_PREVIEW = {
  queued: 'Asked for a person',
  released: 'Back in the queue',
  closed: 'Conversation closed',
  welcome: 'Started a chat',
  offline: 'Left a message while nobody was here', // until their words are known (session.js fetches them)
  returned: 'Returned to the queue',
  auto_reply: 'Got the away message',
  merged: 'Continued in another conversation',
};

/** A contact's name, or what to call someone who never gave one: by the shop's customer id, else anonymous. */
export const contactName = (contact) => contact?.name || (contact?.external_id ? `Customer ${contact.external_id}` : 'Anonymous visitor');

/**
 * Who a conversation is with: the contact's name (kept current when an agent
 * corrects it), else the name the chat started with ("Visitor 9BFC").
 */
export const customerName = (conv) => conv?.contact?.name || conv?.customer?.display_name || 'Visitor';

/** True when the shop's sign-in vouched for the customer (an identity token). */
export const verified = (conv) => Boolean(conv?.contact?.verified);

/**
 * Who holds an open chat and whether they are there: {id, name, presence ('online' |
 * 'away' | 'offline' | null: not known), awaySince} or null while nobody holds it.
 * `agent`: the holder's Agent when the console knows it (admins load the team), which
 * says since when they are away; else the conversation's own `assigned_agent_presence`.
 */
export function holderOf(conv, agent = null) {
  if (!conv?.assigned_agent_id) return null;
  let presence = null;
  if (agent) presence = agent.presence === 'online' && !agent.disabled ? 'online' : agent.away_since && !agent.disabled ? 'away' : 'offline';
  else if (conv.assigned_agent_presence === 'online' || conv.assigned_agent_presence === 'offline') presence = conv.assigned_agent_presence;
  return {
    id: conv.assigned_agent_id,
    name: conv.assigned_agent_name || agent?.display_name || 'Another agent',
    presence,
    awaySince: presence === 'away' ? agent.away_since : null,
  };
}

/** Where `conv` stands for agent `meId`: [text, tone] (the tone colours its badge). */
export function statusOf(conv, meId, agentName = conv.assigned_agent_name) {
  if (conv.status === 'closed') return ['Closed', 'closed'];
  if (conv.status === 'automated') return ['With the assistant', 'bot'];
  if (!conv.assigned_agent_id) return ['Waiting', 'queue'];
  if (conv.assigned_agent_id === meId) return ['With you', 'mine'];
  return [`With ${agentName || 'another agent'}`, 'other'];
}

/** True when a list's last message is the "left a message" system line, not the shopper's words. */
export const endsWithOfflineNote = (conv) => {
  const last = conv?.last_message;
  return Boolean(last && (last.kind === 'event' || last.sender_type === 'system') && last.metadata?.event === 'offline');
};

/** What the shopper last wrote in `messages` (oldest first), or null. */
export function shopperWords(messages) {
  for (let i = (messages?.length || 0) - 1; i >= 0; i--) {
    const m = messages[i];
    if (m.sender_type === 'customer' && typeof m.content === 'string' && m.content.trim()) return m.content;
  }
  return null;
}

/**
 * The name of the integration (an API key, docs/API.md "API keys") that wrote message `m`, or
 * null when a person or the bot did: `sender.integration`, else `metadata.integration`.
 */
export function integrationOf(m) {
  const name = m?.sender?.integration ?? m?.metadata?.integration;
  return typeof name === 'string' && name ? name : null;
}

/** How a message an integration wrote is signed: "Order system · integration", never a person's name. */
export const integrationLabel = (name) => `${name} · integration`;

/**
 * The last message as a one-line preview: {text, note} (note: a system event,
 * shown in italics). `me`: the viewing agent's id; `agentName(id)` names the others.
 * `words`: what the shopper wrote, for a message left while nobody was there (the list's
 * last message is then the system line that says so, not their words).
 */
export function previewOf(last, { me, agentName, words = null }) {
  if (!last) return { text: '', note: false };
  if (last.kind === 'event' || last.sender_type === 'system') {
    if (last.metadata?.event === 'offline' && words) return { text: words.replace(/\s+/g, ' '), note: false };
    return { text: EVENT_PREVIEW[last.metadata?.event] || last.content, note: true };
  }
  const integration = integrationOf(last);
  const who = last.sender_type === 'bot' ? 'Assistant: '
    : integration ? `${integration}: `
      : last.sender_type === 'agent' ? (last.sender_agent_id === me ? 'You: ' : `${agentName(last.sender_agent_id)}: `) : '';
  return { text: who + last.content.replace(/\s+/g, ' '), note: false };
}
