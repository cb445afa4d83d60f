// One contact as the console shows it, beside the open chat (contactpanel.js)
// and on the Contacts page (contacts.js): the name, whether the shop's
// sign-in vouched for them, their e-mail and the shop's customer id, and
// their conversations, newest first, each a button that opens it.

import { h, hueFor, icon, initials } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { contactName, previewOf, statusOf } from './convinfo.js';
import { ratingMarker, ratingOf, ratingText } from './rating.js';
import { lastSeen } from './team.js';

/** A contact's conversations newest first, with `live` (the console's own, fresher copies) in place of theirs. */
export function conversationsOf(conversations, live = () => null) {
  return (conversations || []).map((c) => live(c.id) || c)
    .sort((a, b) => b.created_at.localeCompare(a.created_at) || b.id.localeCompare(a.id));
}

/** "Verified" (a badge) or the word "unverified", as the contact's card and lists say it. */
export function trustMark(contact) {
  return contact.verified
    ? h('span', { class: 'badge', dataset: { tone: 'verified' }, title: 'Signed in through your shop: the shop vouched for who this is' },
      icon('check', { size: 13 }), 'Verified')
    : h('span', { class: 'unverified' }, 'unverified');
}

/**
 * The card of `contact` and its `conversations` (GET /api/v1/agent/contacts/{id}).
 * opts: {level: 2|3 (its heading), headingId, me (the viewing agent's id), agentName(id),
 *        current (the open chat's id: marked, not a button), onOpen(conversation), actions: [Node]}
 */
export function contactCard({ contact, conversations }, { level = 2, headingId, me, agentName, current = null, onOpen, actions = [] }) {
  const name = contactName(contact);
  const avatar = h('span', { class: `avatar contact-avatar${contact.name ? '' : ' anonymous'}`, 'aria-hidden': 'true' },
    contact.name ? initials(contact.name) : icon('person', { size: 20 }));
  if (contact.name) avatar.style.setProperty('--hue', String(hueFor(contact.name)));
  const list = conversationsOf(conversations);
  const count = Math.max(contact.conversations_count ?? 0, list.length);
  const listId = headingId ? `${headingId}-conversations` : null;
  return h('div', { class: 'contact-card', dataset: { contactId: contact.id } },
    h('div', { class: 'contact-head' }, avatar,
      h('div', { class: 'contact-who' },
        h(`h${level}`, { class: 'contact-name', id: headingId, tabindex: '-1' }, name),
        h('p', { class: 'contact-trust' }, trustMark(contact)))),
    h('dl', { class: 'contact-facts' },
      h('dt', {}, 'E-mail'), h('dd', { class: contact.email ? 'contact-email' : 'none' }, contact.email || 'Not given'),
      contact.external_id ? [h('dt', {}, 'Customer id'), h('dd', {}, h('code', { class: 'contact-external' }, contact.external_id))] : null,
      h('dt', {}, 'First seen'), h('dd', {}, fullDate(contact.created_at)),
      h('dt', {}, 'Last seen'), h('dd', { title: fullDate(contact.last_seen_at) }, lastSeen(contact.last_seen_at))),
    actions.length ? h('div', { class: 'contact-actions' }, actions) : null,
    h(`h${level + 1}`, { class: 'contact-convs-title', id: listId }, `Conversations (${count})`),
    list.length
      ? h('ol', { class: 'contact-convs', 'aria-labelledby': listId }, list.map((c) => h('li', {}, conversationEntry(c, { me, agentName, current, onOpen }))))
      : h('p', { class: 'contact-convs-none' }, 'No conversations kept.'));
}

// One past (or the open) conversation: where it stands (and its rating), when it began, its last words.
function conversationEntry(conv, { me, agentName, current, onOpen }) {
  // The conversation names the agent it is with; any other comes from the caller, if it knows them.
  const nameOf = (id) => (id === conv.assigned_agent_id && conv.assigned_agent_name) || agentName(id) || 'Agent';
  const [status, tone] = statusOf(conv, me, conv.assigned_agent_id ? nameOf(conv.assigned_agent_id) : null);
  const preview = previewOf(conv.last_message, { me, agentName: nameOf });
  const isCurrent = conv.id === current;
  const started = fullDate(conv.created_at);
  const parts = [
    h('span', { class: 'contact-conv-top' },
      h('span', { class: 'badge', dataset: { tone } }, status),
      ratingMarker(ratingOf(conv)),
      isCurrent ? h('span', { class: 'contact-conv-here' }, 'This chat') : null,
      h('span', { class: 'contact-conv-when' }, started)),
    preview.text ? h('span', { class: `contact-conv-preview${preview.note ? ' note' : ''}` }, preview.text) : null,
  ];
  const label = `${isCurrent ? 'This chat, ' : ''}${status}${ratingText(ratingOf(conv))}, started ${started}${preview.text ? `: ${preview.text}` : ''}`;
  if (isCurrent) return h('div', { class: 'contact-conv current', 'aria-current': 'true', 'aria-label': label, role: 'group', dataset: { id: conv.id } }, parts);
  return h('button', { class: 'contact-conv', type: 'button', 'aria-label': label, dataset: { id: conv.id }, on: { click: () => onOpen(conv) } }, parts);
}
