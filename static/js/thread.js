// A conversation's messages as DOM, for both the widget (the customer's side
// on the right) and the console (the team's side on the right). Nodes are
// keyed and kept across renders, so screen readers announce only new
// messages and the scroll position holds; grouping is done in CSS
// (css/thread.css). All text goes in as text nodes. A message's files are
// drawn by attachments.js; their signed links are renewed in place when the
// owner re-reads the messages, and a re-read is asked for when a shown
// link has expired (`refreshLinks`).

import { attachmentsNode, attachmentsOf, earliestExpiry, linksKey, updateLinks } from './attachments.js';
import { autosize, h, hueFor, icon, initials, linkify, nearBottom } from './dom.js';
import { clock, dayKey, dayLabel, fullDate } from './time.js';

export class Thread {
  /**
   * @param {HTMLElement} container  the role="log" element
   * @param {{
   *   side: (m) => 'left'|'right',
   *   name: (m) => string,            // who wrote it, as shown above the bubble
   *   showName: (m) => boolean,
   *   you: (m) => boolean,            // screen-reader prefix "You:"
   *   onRetry: (clientId) => void,
   *   onDiscard: (clientId) => void,
   *   refreshLinks?: () => Promise<Map<string, object>>,  // re-read the messages: fresh links by attachment id
   * }} options
   */
  constructor(container, options) {
    this.container = container;
    this.o = options;
    this.nodes = new Map(); // key -> {node, sig, links}
    this.animate = false;
    this.expiryTimer = null;
  }

  /** Forget everything (another conversation is shown). */
  reset() {
    for (const { node } of this.nodes.values()) node.remove();
    this.nodes.clear();
    this.animate = false;
    clearTimeout(this.expiryTimer);
  }

  render(entries) {
    const desired = [];
    let day = null;
    for (const entry of entries) {
      const m = entry.message;
      const d = dayKey(m.created_at);
      if (d !== day) {
        day = d;
        desired.push({ key: `day:${d}`, sig: dayLabel(m.created_at), build: () => dayNode(m.created_at) });
      }
      const name = this.o.name(m);
      desired.push({
        key: entry.key,
        sig: `${entry.status}|${m.id}|${entry.error || ''}|${name}|${attachmentsOf(m).map((a) => a.id).join(',')}`,
        links: linksKey(m),
        message: m,
        build: () => this.#messageNode(entry, name),
      });
    }
    const keep = new Set(desired.map((d) => d.key));
    for (const [key, item] of this.nodes) {
      if (!keep.has(key)) {
        item.node.remove();
        this.nodes.delete(key);
      }
    }
    let cursor = this.container.firstChild;
    for (const d of desired) {
      let item = this.nodes.get(d.key);
      if (!item || item.sig !== d.sig) {
        const node = d.build();
        if (item) {
          if (cursor === item.node) cursor = node;
          item.node.replaceWith(node);
        } else if (this.animate) {
          node.classList.add('enter');
        }
        item = { node, sig: d.sig, links: d.links };
        this.nodes.set(d.key, item);
      } else if (d.links && item.links !== d.links) {
        updateLinks(item.node, d.message); // renewed links: the same node, its hrefs replaced
        item.links = d.links;
      }
      if (item.node === cursor) cursor = cursor.nextSibling;
      else this.container.insertBefore(item.node, cursor);
    }
    // History appears at once; only what arrives later slides in.
    this.animate = desired.length > 0;
    this.#watchExpiry(entries.map((e) => e.message));
  }

  // Links that have expired are renewed at once; the others when the first of them expires.
  #watchExpiry(messages) {
    clearTimeout(this.expiryTimer);
    const first = this.o.refreshLinks ? earliestExpiry(messages) : null;
    if (first === null) return;
    const wait = first - 5000 - Date.now();
    if (wait <= 0) {
      this.o.refreshLinks().catch(() => {});
      return;
    }
    this.expiryTimer = setTimeout(() => this.o.refreshLinks().catch(() => {}), Math.min(wait, 2 ** 31 - 1));
    this.expiryTimer.unref?.(); // (Node, in the tests)
  }

  #messageNode(entry, name) {
    const m = entry.message;
    const time = h('time', { datetime: m.created_at, title: fullDate(m.created_at) }, clock(m.created_at));
    if (m.kind === 'event' || m.sender_type === 'system') {
      return h('div', { class: 'event', dataset: { id: m.id || '' } }, h('span', { class: 'event-text' }, m.content), ' ', time);
    }
    const side = this.o.side(m);
    const you = this.o.you(m);
    const meta = h('div', { class: 'meta' });
    if (entry.status === 'sending') {
      meta.append(h('span', { class: 'state' }, 'Sending…'));
    } else if (entry.status === 'failed') {
      const cid = m.client_message_id;
      meta.classList.add('failed');
      meta.append(
        icon('alert', { size: 14 }),
        h('span', { class: 'state' }, entry.error || 'Not sent.'),
        h('button', { class: 'link retry', type: 'button', on: { click: () => this.o.onRetry(cid) } }, 'Retry'),
        h('button', { class: 'link muted', type: 'button', on: { click: () => this.o.onDiscard(cid) } }, 'Remove'),
      );
    } else {
      meta.append(time);
      if (you) meta.append(h('span', { class: 'sr-only' }, ', sent'), icon('check', { size: 14, className: 'icon tick' }));
    }
    const who = h('span', { class: 'sr-only' }, you ? 'You: ' : `${name}: `);
    const text = typeof m.content === 'string' && m.content !== '' ? m.content : null;
    // Files only: no empty bubble; the files say who sent them.
    const files = attachmentsNode(m, { refresh: this.o.refreshLinks });
    if (files && text === null) files.insertBefore(who, files.firstChild);
    const body = h('div', { class: 'body' },
      this.o.showName(m) ? h('div', { class: 'who' }, name) : null,
      text !== null || !files ? h('div', { class: 'bubble' }, who, linkify(text ?? '')) : null,
      files,
      meta);
    let avatar = null;
    if (side === 'left') {
      if (m.sender_type === 'bot') {
        avatar = h('div', { class: 'avatar bot', 'aria-hidden': 'true' }, icon('spark', { size: 16 }));
      } else {
        avatar = h('div', { class: 'avatar', 'aria-hidden': 'true' }, initials(name));
        avatar.style.setProperty('--hue', String(hueFor(name)));
      }
    }
    return h('div', {
      class: `msg side-${side} from-${m.sender_type} ${entry.status}`,
      dataset: { id: m.id || '', clientId: m.client_message_id || '', status: entry.status, sender: m.sender_type },
    }, avatar, body);
  }
}

function dayNode(iso) {
  return h('div', { class: 'day', role: 'separator' }, h('span', {}, dayLabel(iso)));
}

/**
 * Scrolls `scroller` to the newest content, but never past the top of the
 * newest message from the other side: a long answer is read from its first line.
 */
export function scrollToNewest(scroller, log) {
  let target = scroller.scrollHeight - scroller.clientHeight;
  const last = log.lastElementChild;
  if (last && last.classList.contains('side-left')) {
    const top = last.getBoundingClientRect().top - scroller.getBoundingClientRect().top + scroller.scrollTop;
    target = Math.min(target, top - 12);
  }
  scroller.scrollTop = Math.max(0, target);
}

/**
 * Keeps a thread pinned to its newest message when its box changes size (a
 * phone's keyboard opening, a window resized), if the reader was at the end;
 * and re-measures the message box, whose line wrapping changed.
 */
export function keepPinned(scroller, toNewest, textarea, maxHeight) {
  let pinned = true;
  scroller.addEventListener('scroll', () => { pinned = nearBottom(scroller, 80); }, { passive: true });
  const observer = new ResizeObserver(() => {
    if (pinned) toNewest();
    if (textarea) autosize(textarea, maxHeight);
  });
  observer.observe(scroller);
  return observer;
}
