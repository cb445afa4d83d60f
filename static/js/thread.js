// A conversation's messages as DOM, for both the widget (the customer's side
// on the right) and the console (the team's side on the right). Nodes are
// keyed and kept across renders, so screen readers announce only new
// messages and the scroll position holds; grouping is done in CSS
// (css/thread.css). All text goes in as text nodes.

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
   * }} options
   */
  constructor(container, options) {
    this.container = container;
    this.o = options;
    this.nodes = new Map(); // key -> {node, sig}
    this.animate = false;
  }

  /** Forget everything (another conversation is shown). */
  reset() {
    for (const { node } of this.nodes.values()) node.remove();
    this.nodes.clear();
    this.animate = false;
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
        sig: `${entry.status}|${m.id}|${entry.error || ''}|${name}`,
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
        item = { node, sig: d.sig };
        this.nodes.set(d.key, item);
      }
      if (item.node === cursor) cursor = cursor.nextSibling;
      else this.container.insertBefore(item.node, cursor);
    }
    // History appears at once; only what arrives later slides in.
    this.animate = desired.length > 0;
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
    const body = h('div', { class: 'body' },
      this.o.showName(m) ? h('div', { class: 'who' }, name) : null,
      h('div', { class: 'bubble' }, h('span', { class: 'sr-only' }, you ? 'You: ' : `${name}: `), linkify(m.content)),
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
