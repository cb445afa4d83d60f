// What Settings → Integrations says about webhooks (docs/API.md "Webhooks"),
// without the page: the events an endpoint may take, in words; an endpoint's
// health as words and an icon (never a colour alone); the form's rules and the
// body it sends; the server's refusals in the form's words; and a delivery as
// the log shows it. The server checks everything again.

import { charCount } from '../js/limits.js';
import { fullDate } from '../js/time.js';

export const URL_MAX = 2000;
export const DESCRIPTION_MAX = 200;
export const EVENTS_MAX = 10;
export const WEBHOOKS_MAX = 20;

/** The events an admin subscribes to, as the form lists them (`webhook.test` comes from the test button). */
export const EVENTS = [
  { type: 'conversation.created', text: 'A conversation starts' },
  { type: 'conversation.escalated', text: 'A customer asks for a person' },
  { type: 'conversation.assigned', text: 'An agent takes a conversation' },
  { type: 'conversation.closed', text: 'A conversation closes' },
  { type: 'conversation.rated', text: 'A customer rates a conversation' },
  { type: 'message.created', text: 'A customer, agent or bot writes a message' },
  { type: 'contact.created', text: 'A new contact' },
  { type: 'contact.updated', text: 'A contact’s name or e-mail changes' },
];

/** The words for an event type ("webhook.test" → "Test event"); an unknown one as it is. */
export function eventText(type) {
  if (type === 'webhook.test') return 'Test event';
  return EVENTS.find((e) => e.type === type)?.text || type;
}

const HEALTH = {
  new: { label: 'New', icon: 'clock', tone: 'new' },
  healthy: { label: 'Healthy', icon: 'check', tone: 'healthy' },
  failing: { label: 'Failing', icon: 'alert', tone: 'failing' },
  disabled: { label: 'Disabled', icon: 'close', tone: 'disabled' },
};

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/**
 * An endpoint's health for the list: {state, label, icon, tone, lines}. `lines`: what a
 * person needs to act on it — since when it fails, the last answer, what waits, why it was
 * turned off. An endpoint switched off by hand is "Disabled" too, whatever the server's state.
 */
export function healthOf(webhook) {
  const health = webhook.health || {};
  let state = HEALTH[health.state] ? health.state : 'new';
  if (webhook.enabled === false) state = 'disabled';
  const lines = [];
  if (state === 'disabled') {
    lines.push(webhook.disabled_reason ? `Turned off: ${webhook.disabled_reason}` : 'Turned off: nothing is sent to it.');
  }
  if (state === 'new' && !health.last_attempt_at) lines.push('Nothing sent yet.');
  if (state === 'failing' && health.failing_since) lines.push(`Failing since ${fullDate(health.failing_since)}`);
  const last = [];
  if (health.last_attempt_at) last.push(`Last attempt ${fullDate(health.last_attempt_at)}`);
  if (health.last_status_code) last.push(`answered HTTP ${health.last_status_code}`);
  else if (health.last_attempt_at && state === 'failing') last.push('no answer');
  if (last.length) lines.push(last.join(', '));
  if (health.pending) lines.push(`${plural(health.pending, 'delivery', 'deliveries')} waiting`);
  return { state, ...HEALTH[state], lines };
}

/**
 * What is wrong with the form before asking the server: {field: 'url'|'description'|'events', text}
 * or null. The server decides the rest (https only, public addresses, names that resolve).
 */
export function webhookProblem({ url, description = '', events }) {
  const raw = String(url ?? '').trim();
  if (!raw) return { field: 'url', text: 'Address: enter where to send events, like https://shop.example/hooks/chat.' };
  if (charCount(raw) > URL_MAX) return { field: 'url', text: `Address: at most ${URL_MAX} characters.` };
  let parsed;
  try {
    parsed = new URL(raw);
  } catch {
    return { field: 'url', text: 'Address: a web address like https://shop.example/hooks/chat.' };
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { field: 'url', text: 'Address: it starts with https://.' };
  if (!parsed.hostname) return { field: 'url', text: 'Address: it needs a host name, like shop.example.' };
  if (parsed.username || parsed.password) return { field: 'url', text: 'Address: leave out the user name and password.' };
  if (parsed.hash || raw.includes('#')) return { field: 'url', text: 'Address: leave out the # and what follows it.' };
  if (charCount(String(description).trim()) > DESCRIPTION_MAX) {
    return { field: 'description', text: `Description: at most ${DESCRIPTION_MAX} characters.` };
  }
  if (!events.length) return { field: 'events', text: 'Events: choose at least one.' };
  if (events.length > EVENTS_MAX) return { field: 'events', text: `Events: at most ${EVENTS_MAX}.` };
  return null;
}

/**
 * The body to send for the form's values: all of it for a new endpoint, only what changed for
 * `webhook` ({} when nothing did). Events the form does not list (`webhook.test`, or one a newer
 * server knows) stay subscribed; the order is the form's.
 */
export function webhookBody(webhook, { url, description = '', events, enabled }) {
  const kept = (webhook?.events || []).filter((type) => !EVENTS.some((e) => e.type === type));
  const chosen = [...EVENTS.map((e) => e.type).filter((type) => events.includes(type)), ...kept];
  const next = { url: String(url).trim(), description: String(description).trim(), events: chosen, enabled: Boolean(enabled) };
  if (!webhook) return next;
  const patch = {};
  if (next.url !== webhook.url) patch.url = next.url;
  if (next.description !== (webhook.description || '')) patch.description = next.description;
  const before = [...(webhook.events || [])].sort().join(' ');
  if ([...chosen].sort().join(' ') !== before) patch.events = chosen;
  if (next.enabled !== webhook.enabled) patch.enabled = next.enabled;
  return patch;
}

// The refusals about the address: said under the address field, in the server's words.
const URL_CODES = ['invalid_url', 'private_address', 'unresolvable_host'];

/**
 * A refused save in the form's words: {field: 'url'|'events'|null, text}. The server's
 * `detail` says what is wrong ("url: …" loses its prefix, the field says it); a few codes get
 * a sentence that says what to do.
 */
export function webhookRefusal(err) {
  const code = err?.code;
  const detail = String(err?.detail || '').replace(/^(url|events|description): /, '');
  const sentence = detail ? detail.charAt(0).toUpperCase() + detail.slice(1) : '';
  if (URL_CODES.includes(code)) return { field: 'url', text: `Address: ${sentence || 'the server does not take this address.'}` };
  if (code === 'invalid_events') return { field: 'events', text: `Events: ${sentence || 'one of them is not known.'}` };
  if (code === 'webhook_limit') return { field: null, text: `${sentence || 'There are as many endpoints as there may be.'} Delete one you no longer use first.` };
  if (/^description: /.test(err?.detail || '')) return { field: 'description', text: `Description: ${sentence}` };
  return { field: null, text: sentence || 'That did not work. Try again.' };
}

// --- the delivery log -------------------------------------------------------------------

export const DELIVERY_STATES = [
  { value: '', text: 'All deliveries' },
  { value: 'pending', text: 'Waiting to be sent' },
  { value: 'delivered', text: 'Delivered' },
  { value: 'failed', text: 'Failed' },
];

const DELIVERY = {
  pending: { label: 'Waiting', icon: 'clock', tone: 'pending' },
  delivered: { label: 'Delivered', icon: 'check', tone: 'healthy' },
  failed: { label: 'Failed', icon: 'alert', tone: 'failing' },
};

/** A delivery's state as words and an icon: {label, icon, tone}. A pending one that failed before says so. */
export function deliveryState(delivery) {
  const known = DELIVERY[delivery.state] || { label: delivery.state, icon: 'clock', tone: 'pending' };
  if (delivery.state === 'pending' && delivery.attempts > 0) return { ...known, label: 'Retrying' };
  return known;
}

/**
 * The facts a log row shows, in order: [[term, text, title?]]. Times as dates; what is
 * not known yet says so instead of staying blank.
 */
export function deliveryFacts(d) {
  return [
    ['Attempts', String(d.attempts ?? 0)],
    ['Last answer', d.last_status_code ? `HTTP ${d.last_status_code}` : d.attempts ? 'None' : 'Not sent yet'],
    ['Last error', d.last_error || '—'],
    ['Next attempt', d.next_attempt_at ? fullDate(d.next_attempt_at) : d.state === 'pending' ? 'Now' : '—'],
    ['Created', fullDate(d.created_at)],
    ...(d.delivered_at ? [['Delivered', fullDate(d.delivered_at)]] : []),
  ];
}

export const PAGE_SIZE = 20;

/**
 * The log after a page arrived: {items, more, before}. `older`: the page goes on from the
 * shown ones (new ones appended, any already shown not twice); else it replaces them.
 * `more`: a full page came, so there may be older ones (from `before`, the last id).
 */
export function nextLog(shown, page, { older = false, limit = PAGE_SIZE } = {}) {
  const base = older ? shown : [];
  const seen = new Set(base.map((d) => d.id));
  const items = [...base, ...page.filter((d) => !seen.has(d.id))];
  const more = page.length >= limit;
  return { items, more, before: items.length ? items[items.length - 1].id : null };
}

/** A delivery redelivered (the server's answer) in place of the one shown; a new one goes first. */
export function replaceDelivery(items, delivery) {
  if (!items.some((d) => d.id === delivery.id)) return [delivery, ...items];
  return items.map((d) => (d.id === delivery.id ? delivery : d));
}
