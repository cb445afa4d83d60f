// What the console says about a conversation in a few words, wherever it is
// shown (the lists, the open chat's header, a contact's past conversations):
// who it is with, where it stands, and its last message as a preview.

// System messages as short previews.
const EVENT_PREVIEW = {
  queued: 'Asked for a person',
  released: 'Back in the queue',
  closed: 'Conversation closed',
  welcome: 'Started a chat',
  offline: 'Left a message while nobody was here',
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

/** Where `conv` stands for agent `meId`: [text, tone] (the tone colours its badge). */
export function statusOf(conv, meId, agentName = conv.assigned_agent_name) {
  if (conv.status === 'closed') return ['Closed', 'closed'];
  if (conv.status === 'automated') return ['With the assistant', 'bot'];
  if (!conv.assigned_agent_id) return ['Waiting', 'queue'];
  if (conv.assigned_agent_id === meId) return ['With you', 'mine'];
  return [`With ${agentName || 'another agent'}`, 'other'];
}

/**
 * The last message as a one-line preview: {text, note} (note: a system event,
 * shown in italics). `me`: the viewing agent's id; `agentName(id)` names the others.
 */
export function previewOf(last, { me, agentName }) {
  if (!last) return { text: '', note: false };
  if (last.kind === 'event' || last.sender_type === 'system') {
    return { text: EVENT_PREVIEW[last.metadata?.event] || last.content, note: true };
  }
  const who = last.sender_type === 'bot' ? 'Assistant: '
    : last.sender_type === 'agent' ? (last.sender_agent_id === me ? 'You: ' : `${agentName(last.sender_agent_id)}: `) : '';
  return { text: who + last.content.replace(/\s+/g, ' '), note: false };
}
