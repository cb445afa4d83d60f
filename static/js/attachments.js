// A message's files as DOM (docs/API.md, "Files and images"): an image as its
// preview inside a link that opens the whole file in a new tab, any other file
// as a chip (name, type, size) that downloads it. The links are signed and
// expire (`url_expires_at`, 15 minutes): a click on an expired one asks the
// page for fresh ones first (thread.js re-reads the messages through its
// owner), and the nodes keep their place while their links are renewed.
// Names go in as text; links must be the server's own (a path or http(s)).

import { h, icon } from './dom.js';
import { formatBytes, typeName } from './upload.js';

// A link this close to its end counts as expired: it may lapse on the way.
const EXPIRY_SLACK_MS = 5000;

/** The message's attachments the page can show (objects with an id and a name). */
export function attachmentsOf(message) {
  const list = Array.isArray(message?.attachments) ? message.attachments : [];
  return list.filter((a) => a && typeof a.id === 'string');
}

/** `url` when it is a link the page may follow (a same-site path or http/https), else null. */
export function safeUrl(url) {
  if (typeof url !== 'string' || !url) return null;
  if (url.startsWith('/') && !url.startsWith('//')) return url;
  try {
    const u = new URL(url);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** An image the page shows in place (the server says `inline` and made a preview). */
export function isImage(a) {
  return a.inline === true && Boolean(safeUrl(a.preview_url));
}

/** When `a`'s links stop working (ms since the epoch), or null when it does not say. */
export function expiresAt(a) {
  const t = Date.parse(a?.url_expires_at);
  return Number.isNaN(t) ? null : t;
}

/** Whether `a`'s links have expired (or are about to) at `now`. */
export function linksExpired(a, now = Date.now()) {
  const t = expiresAt(a);
  return t !== null && t - EXPIRY_SLACK_MS <= now;
}

/** The earliest expiry among `messages`' attachments, or null. */
export function earliestExpiry(messages) {
  let first = null;
  for (const m of messages) {
    for (const a of attachmentsOf(m)) {
      const t = expiresAt(a);
      if (t !== null && (first === null || t < first)) first = t;
    }
  }
  return first;
}

/** A string that changes when any of the links change (new signatures). */
export function linksKey(message) {
  return attachmentsOf(message).map((a) => `${a.url}|${a.preview_url || ''}`).join('\n');
}

/** "PDF · 12 KB" */
export function fileDetail(a) {
  return [typeName(a.content_type), formatBytes(a.size)].filter(Boolean).join(' · ');
}

// The preview's size as the server made it (at most 480 px on the longer side), for the
// width/height attributes that keep the page from jumping while it loads.
function previewSize(a) {
  const { width, height } = a;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) return {};
  const scale = Math.min(1, 480 / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/**
 * The attachments of `message` as one element (null when it has none).
 * `refresh()`: re-reads the messages and resolves to a Map of attachment id → the fresh
 * Attachment (the links renewed); `open(url)`: opens a link in a new tab (window.open).
 */
export function attachmentsNode(message, { refresh, open = defaultOpen } = {}) {
  const list = attachmentsOf(message);
  if (list.length === 0) return null;
  return h('div', { class: 'attachments' }, list.map((a) => attachmentNode(a, { refresh, open })));
}

function attachmentNode(a, { refresh, open }) {
  const name = a.filename || 'file';
  const url = safeUrl(a.url);
  let link;
  if (isImage(a)) {
    link = h('a', { class: 'att-image', href: url, target: '_blank', rel: 'noopener', dataset: { attachmentId: a.id } },
      h('img', { src: safeUrl(a.preview_url), alt: name, loading: 'lazy', decoding: 'async', ...previewSize(a), dataset: { attachmentId: a.id } }),
      h('span', { class: 'sr-only' }, ' (opens in a new tab)'));
  } else {
    link = h('a', { class: 'att-file', href: url, download: '', dataset: { attachmentId: a.id }, title: `Download ${name}` },
      h('span', { class: 'att-icon', 'aria-hidden': 'true' }, icon('file', { size: 20 })),
      h('span', { class: 'att-text' },
        h('span', { class: 'att-name' }, name),
        h('span', { class: 'att-meta' }, h('span', { class: 'sr-only' }, ', '), fileDetail(a))));
  }
  link.attachment = a;
  link.addEventListener('click', (event) => {
    const current = link.attachment;
    if (!linksExpired(current) || !refresh) return;
    // The link has lapsed: fresh links first, then what the click meant. A new tab is opened
    // now, while the click still counts as the user's, and sent on once the link is known.
    event.preventDefault();
    const tab = isImage(current) ? open('about:blank') : null;
    follow(current, link, tab, refresh);
  });
  return link;
}

async function follow(a, link, tab, refresh) {
  let fresh = null;
  try {
    fresh = (await refresh())?.get(a.id) || null;
  } catch {
    fresh = null;
  }
  const url = safeUrl(fresh?.url);
  if (!url) {
    tab?.close();
    return;
  }
  updateLink(link, fresh);
  if (tab) tab.location.href = url;
  else if (!isImage(fresh)) link.click(); // a download: the fresh link, as if clicked again
}

function defaultOpen(url) {
  const tab = window.open(url, '_blank');
  if (tab) tab.opener = null; // as rel=noopener: the file's tab cannot reach this page
  return tab;
}

/** Points one attachment link (and its preview) at `a`'s links. */
function updateLink(link, a) {
  link.attachment = a;
  const url = safeUrl(a.url);
  if (url) link.setAttribute('href', url);
  const img = [...link.querySelectorAll('[data-attachment-id]')].find((el) => el.tagName === 'IMG');
  const preview = safeUrl(a.preview_url);
  if (img && preview) img.setAttribute('src', preview);
}

/** Renews the links inside a message's node from `message` (its attachments re-read), in place. */
export function updateLinks(node, message) {
  const byId = new Map(attachmentsOf(message).map((a) => [a.id, a]));
  for (const link of [...node.querySelectorAll('[data-attachment-id]')]) {
    if (link.tagName !== 'A') continue;
    const a = byId.get(link.getAttribute('data-attachment-id'));
    if (a) updateLink(link, a);
  }
}
