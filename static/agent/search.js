// Full-text search (docs/API.md "Search"), the logic the top bar's box
// (searchbar.js) and the results (searchview.js) share: the snippet's matches
// as text nodes and <mark> elements, from `highlights` counted in Unicode
// scalars (code points), never from HTML; what a hit is; one more page merged
// into the results; when "/" may take the focus to the box.

import { h } from '../js/dom.js';

/**
 * `snippet` cut at `highlights` ([start, end) in code points, as the server counts them):
 * [{text, mark}] in order. A JS string counts UTF-16 units (an emoji is two), so the text
 * is walked by code point. Ranges out of bounds are clipped, empty or malformed ones
 * ignored, overlapping ones joined.
 */
export function highlightRuns(snippet, highlights) {
  const chars = Array.from(String(snippet ?? ''));
  const ranges = (Array.isArray(highlights) ? highlights : [])
    .filter((r) => Array.isArray(r) && Number.isInteger(r[0]) && Number.isInteger(r[1]))
    .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)])
    .filter(([start, end]) => start < end)
    .sort((a, b) => a[0] - b[0]);
  const runs = [];
  const push = (from, to, mark) => {
    const last = runs[runs.length - 1];
    const text = chars.slice(from, to).join('');
    if (last && last.mark === mark) last.text += text;
    else runs.push({ text, mark });
  };
  let at = 0;
  for (const [start, end] of ranges) {
    if (end <= at) continue; // inside the one before
    const from = Math.max(start, at);
    if (from > at) push(at, from, false);
    push(from, end, true);
    at = end;
  }
  if (at < chars.length) push(at, chars.length, false);
  return runs;
}

/** The snippet as a fragment of text nodes and <mark> elements (nothing in it is parsed as HTML). */
export function highlighted(snippet, highlights) {
  const fragment = document.createDocumentFragment();
  for (const run of highlightRuns(snippet, highlights)) {
    fragment.append(run.mark ? h('mark', {}, run.text) : document.createTextNode(run.text));
  }
  return fragment;
}

const SENDERS = { customer: 'Message from customer', agent: 'Message from agent', bot: 'Message from bot' };

/** What a hit is, in a few words: "Message from customer", "Note", "Contact". */
export function hitKind(hit) {
  if (hit.type === 'note') return 'Note';
  if (hit.type === 'contact') return 'Contact';
  return SENDERS[hit.sender_type] || 'Message';
}

/**
 * Where "More results" goes on from: the newest hit of the page's last conversation (the
 * page is ordered by newest hit, so every conversation with a newer one was on it). Not
 * the page's oldest hit: a conversation with hits far back would push that past the
 * conversations whose newest hit lies between, and they would never be shown. What this
 * asks for again (older hits of conversations already shown) mergeResults() joins.
 */
export function nextBefore(items) {
  const newest = items.map((item) => item.hits?.[0]?.created_at).filter(Boolean);
  return newest.length ? newest.reduce((a, b) => (b < a ? b : a)) : null;
}

/**
 * One more page joined to the results: a conversation already shown takes the hits it did
 * not have (newest first) and its fresher copy; the others come after. Returns {items, added}
 * (added: how many conversations are new).
 */
export function mergeResults(items, page) {
  const merged = items.map((item) => ({ ...item, hits: [...item.hits] }));
  const index = new Map(merged.map((item, i) => [item.conversation.id, i]));
  let added = 0;
  for (const item of page) {
    const at = index.get(item.conversation.id);
    if (at === undefined) {
      index.set(item.conversation.id, merged.length);
      merged.push({ ...item, hits: [...item.hits] });
      added++;
      continue;
    }
    const known = new Set(merged[at].hits.map((hit) => `${hit.type}:${hit.id}`));
    const hits = [...merged[at].hits, ...item.hits.filter((hit) => !known.has(`${hit.type}:${hit.id}`))];
    hits.sort((a, b) => b.created_at.localeCompare(a.created_at));
    merged[at] = { conversation: { ...merged[at].conversation, ...item.conversation }, hits };
  }
  return { items: merged, added };
}

// Input types one types text into ("/" is a character there, not a shortcut).
const TYPED = new Set(['text', 'search', 'email', 'url', 'tel', 'password', 'number', 'date', 'datetime-local', 'month', 'time', 'week']);

/** True for a field that takes typed text: a textarea (the composer), a select, a text input, anything editable. */
export function isTextField(el) {
  if (!el) return false;
  if (el.isContentEditable) return true;
  const tag = String(el.tagName || '').toUpperCase();
  if (tag === 'TEXTAREA' || tag === 'SELECT') return true;
  if (tag !== 'INPUT') return false;
  return TYPED.has(String(el.type || el.getAttribute?.('type') || 'text').toLowerCase());
}

/**
 * Does this keydown take the focus to the search box? A plain "/" (no Ctrl, Alt or ⌘, not
 * while an IME composes), not in a text field (the composer's "/" opens the canned
 * replies), and not while a dialog is open over the page.
 */
export function slashFocusesSearch(event, { dialogOpen = false } = {}) {
  if (event.key !== '/' || event.ctrlKey || event.metaKey || event.altKey || event.isComposing || event.defaultPrevented) return false;
  return !dialogOpen && !isTextField(event.target);
}
