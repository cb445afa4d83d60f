// Which view of the console an address asks for: the chats (the default),
// a section of Settings (#settings/team), the Contacts page, with one
// contact open (#contacts/<id>), search results (#search?q=refund&status=closed),
// or Reports (#reports?range=90&bh=1: admins; every other agent their own numbers there).
// The address is the state, so the top bar's links are links and the browser's Back works.

export const SECTIONS = ['faqs', 'bot', 'appearance', 'widget', 'hours', 'team', 'signin', 'integrations', 'labels', 'replies', 'myreplies'];

/** The sections every agent has (the others are for admins): the canned replies. */
export const AGENT_SECTIONS = ['myreplies', 'replies'];

/** The section an address asks for ("#settings" → "faqs"), or null when it is not Settings. */
export function sectionOf(hash) {
  const m = /^#settings(?:\/([a-z]+))?$/.exec(hash);
  if (!m) return null;
  return SECTIONS.includes(m[1]) ? m[1] : 'faqs';
}

/** The contact an address opens ("#contacts/<id>" → id), null for the list alone, undefined when it is not Contacts. */
export function contactOf(hash) {
  const m = /^#contacts(?:\/([^/]+))?$/.exec(hash);
  if (!m) return undefined;
  if (!m[1]) return null;
  try {
    return decodeURIComponent(m[1]);
  } catch {
    return null; // a broken escape: the list
  }
}

/** The address of contact `id`'s page. */
export const contactHref = (id) => `./#contacts/${encodeURIComponent(id)}`;

// What a search address may say (anything else in it is ignored).
const SEARCH_PARAMS = ['q', 'status', 'label'];

/** The search an address asks for ("#search?q=refund" → {q: 'refund', status: '', label: ''}), undefined when it is not one. */
export function searchOf(hash) {
  const m = /^#search(?:\?(.*))?$/s.exec(hash);
  if (!m) return undefined;
  const params = new URLSearchParams(m[1] || '');
  return Object.fromEntries(SEARCH_PARAMS.map((name) => [name, params.get(name) || '']));
}

/** The address of a search ({q, status?, label?}; empty members left out). */
export function searchHash({ q = '', status = '', label = '' }) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries({ q, status, label })) if (value) params.set(name, value);
  return `#search?${params}`;
}

// Reports: the period ("7", "30", "90" days ending today, or "custom" from–to), business hours
// only, a label, and the charts' interval ("auto": weeks past 60 days).
export const REPORT_RANGES = ['7', '30', '90', 'custom'];
const INTERVALS = ['day', 'week'];

/**
 * The report an address asks for ("#reports?range=custom&from=2026-11-01&to=2026-11-30&bh=1&label=…&interval=week"),
 * undefined when it is not Reports. Anything unknown falls back to the default (30 days, all, automatic).
 */
export function reportsOf(hash) {
  const m = /^#reports(?:\?(.*))?$/s.exec(hash);
  if (!m) return undefined;
  const params = new URLSearchParams(m[1] || '');
  const range = REPORT_RANGES.includes(params.get('range')) ? params.get('range') : '30';
  const custom = range === 'custom';
  return {
    range,
    from: custom ? params.get('from') || '' : '',
    to: custom ? params.get('to') || '' : '',
    businessHours: params.get('bh') === '1',
    label: params.get('label') || '',
    interval: INTERVALS.includes(params.get('interval')) ? params.get('interval') : 'auto',
  };
}

/** The address of a report (defaults left out: "#reports" is the last 30 days). */
export function reportsHash({ range = '30', from = '', to = '', businessHours = false, label = '', interval = 'auto' } = {}) {
  const params = new URLSearchParams();
  if (range !== '30') params.set('range', range);
  if (range === 'custom') {
    if (from) params.set('from', from);
    if (to) params.set('to', to);
  }
  if (businessHours) params.set('bh', '1');
  if (label) params.set('label', label);
  if (interval !== 'auto') params.set('interval', interval);
  const q = params.toString();
  return q ? `#reports?${q}` : '#reports';
}

/**
 * {view: 'chats'} | {view: 'settings', section} | {view: 'contacts', id: string|null} |
 * {view: 'search', q, status, label} | {view: 'reports', range, from, to, businessHours, label, interval} (admins) |
 * {view: 'mynumbers', businessHours} (everyone else at #reports).
 * Settings are for admins, but for the canned replies (AGENT_SECTIONS): anyone else asking
 * for another section gets the chats, and "#settings" alone their own replies.
 */
export function viewOf(hash, { admin = false } = {}) {
  const section = sectionOf(hash);
  if (section && (admin || AGENT_SECTIONS.includes(section))) return { view: 'settings', section };
  if (section) return hash === '#settings' ? { view: 'settings', section: 'myreplies' } : { view: 'chats' };
  const id = contactOf(hash);
  if (id !== undefined) return { view: 'contacts', id };
  const search = searchOf(hash);
  if (search) return { view: 'search', ...search };
  const report = reportsOf(hash);
  if (report) return admin ? { view: 'reports', ...report } : { view: 'mynumbers', businessHours: report.businessHours };
  return { view: 'chats' };
}
