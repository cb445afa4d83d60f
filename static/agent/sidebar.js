// The left column: tabs (Queue, My chats, for admins All open, Closed) and
// the selected list, with "Show more" (queue) or "Load older" (closed) under
// it. List items are keyed by conversation id and updated in place, so
// keyboard focus survives the live updates. A message left while nobody was
// online carries an "Offline message" badge, the shopper's e-mail and their
// words; a customer the shop's sign-in vouched for, a check mark by the name.
// All open shows who holds each chat, whether they are there, and how long
// its customer has waited. An empty list says what to expect (routing.js).
// Rows with unread customer messages are bold with a count; a chat whose
// customer waits for an answer says since when; "Unread" and "Waiting for
// reply" filter the lists (unread.js); a chat where a note mentioned the
// agent carries an "@" until they open it, and is listed above the lists.
// A chat's labels show as chips on its row, and a label filters every list
// (with Unread or Waiting for reply too; labels.js). A rated chat shows its
// score ("★ 4", rating.js).

import { $, clear, h, hueFor, icon, initials } from '../js/dom.js';
import { age, clock, waited } from '../js/time.js';
import { customerName, holderOf, previewOf, verified } from './convinfo.js';
import { waitingSince } from './inbox.js';
import { labelChips, labelsKey, labelsOf, labelsText, withLabel } from './labels.js';
import { ratingKey, ratingMarker, ratingOf, ratingText } from './rating.js';
import { emptyStates } from './routing.js';
import { awaySince } from './team.js';
import { FILTERS, filterList, isAwaiting, waitingText } from './unread.js';

const TABS = ['queue', 'mine', 'open', 'closed'];

/** The holder's presence as a badge: [text, tone]. */
function holderBadge(holder, now) {
  if (holder.presence === 'online') return ['Online', 'online'];
  if (holder.presence === 'away') return [awaySince(holder.awaySince, new Date(now)), 'away'];
  if (holder.presence === 'offline') return ['Offline', 'off'];
  return null;
}

export class Sidebar {
  /** onMore(tab): the list's button under it was pressed ("Show more", "Load older"). */
  /** `signal` ends this sidebar's listeners when its session ends (a new one takes over). */
  /**
   * mentions: the chats a note mentioned the agent in (notes.js Mentions); onFilter(): a filter was chosen
   * (this.filter, this.label); labels: the team's labels (labels.js LabelStore), or null.
   */
  constructor({ inbox, mentions, labels = null, onSelect, onTab, onMore, onFilter = () => {}, signal, admin = false }) {
    this.inbox = inbox;
    this.mentions = mentions;
    this.labels = labels;
    this.label = ''; // the label filter: a label id, '' for all
    this.onSelect = onSelect;
    this.onTab = onTab;
    this.admin = admin;
    this.tab = 'queue';
    this.filter = 'all';
    this.labelSig = null;
    this.items = new Map(); // id -> {li, button, sig}
    this.el = {
      tabs: [...document.querySelectorAll('.tab')],
      list: $('list'),
      ul: $('list-items'),
      empty: $('list-empty'),
      emptyTitle: $('list-empty-title'),
      emptySub: $('list-empty-sub'),
      countQueue: $('count-queue'),
      countMine: $('count-mine'),
      countOpen: $('count-open'),
      more: $('list-more'),
      moreNote: $('list-more-note'),
      moreButton: $('list-more-button'),
      filters: $('list-filters'),
      mentions: $('mentions'),
      mentionList: $('mentions-list'),
      labelFilter: $('label-filter'),
      labelSelect: $('filter-label'),
    };
    for (const radio of this.el.filters.querySelectorAll('input[name="list-filter"]')) {
      radio.checked = radio.value === 'all';
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        this.filter = radio.value;
        onFilter();
      }, { signal });
    }
    this.el.labelSelect.value = '';
    this.el.labelSelect.addEventListener('change', () => {
      this.label = this.el.labelSelect.value;
      onFilter();
    }, { signal });
    this.el.moreButton.addEventListener('click', () => onMore(this.tab), { signal });
    // All open is for admins; the tab outlives a session (the next agent may be none). Beside
    // it, "My chats" is "Mine", so that four tabs fit the column.
    $('tab-open').hidden = !admin;
    $('tab-mine-label').textContent = admin ? 'Mine' : 'My chats';
    this.el.tabs = this.el.tabs.filter((t) => !t.hidden);
    for (const tab of this.el.tabs) {
      tab.addEventListener('click', () => this.setTab(tab.dataset.tab), { signal });
      tab.addEventListener('keydown', (event) => this.#tabKeys(event), { signal });
    }
    this.el.ul.addEventListener('keydown', (event) => this.#listKeys(event), { signal });
  }

  setTab(tab, { focus = false } = {}) {
    if (!TABS.includes(tab) || (tab === 'open' && !this.admin)) return;
    this.tab = tab;
    for (const t of this.el.tabs) {
      const on = t.dataset.tab === tab;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    }
    this.el.list.setAttribute('aria-labelledby', `tab-${tab}`);
    this.onTab(tab);
  }

  // Arrow keys move between tabs (the ARIA tabs pattern).
  #tabKeys(event) {
    const order = this.el.tabs.map((t) => t.dataset.tab);
    const i = order.indexOf(this.tab);
    let next = null;
    if (event.key === 'ArrowRight') next = order[(i + 1) % order.length];
    else if (event.key === 'ArrowLeft') next = order[(i + order.length - 1) % order.length];
    else if (event.key === 'Home') next = order[0];
    else if (event.key === 'End') next = order[order.length - 1];
    if (next) {
      event.preventDefault();
      this.setTab(next, { focus: true });
    }
  }

  // Up/Down move between conversations.
  #listKeys(event) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...this.el.ul.querySelectorAll('.item')];
    const i = buttons.indexOf(document.activeElement);
    if (i < 0) return;
    event.preventDefault();
    const next = buttons[event.key === 'ArrowDown' ? Math.min(i + 1, buttons.length - 1) : Math.max(i - 1, 0)];
    next.focus();
  }

  /**
   * paging: {queueCount, queueMore, closedMore, loading: 'queue'|'closed'|null} (session.js);
   * empty: what an empty list says (routing.js emptyStates).
   */
  render({ selectedId, typing, paging, empty = emptyStates(null, null) }) {
    const { inbox, el } = this;
    const queue = inbox.queue();
    const mine = inbox.mine();
    el.countQueue.textContent = String(paging.queueCount);
    el.countQueue.classList.toggle('hot', queue.some((c) => inbox.unreadOf(c.id) > 0));
    el.countMine.textContent = String(mine.length);
    el.countMine.classList.toggle('hot', mine.some((c) => inbox.unreadOf(c.id) > 0));
    const open = this.admin ? inbox.open() : [];
    // Every open chat: the held ones listed, plus the queue's true count (it may not all be loaded).
    el.countOpen.textContent = String(open.filter((c) => c.assigned_agent_id).length + paging.queueCount);

    // The filters are for the open chats; Closed shows every one.
    const filter = this.tab === 'closed' ? 'all' : this.filter;
    el.filters.hidden = this.tab === 'closed';
    const whole = this.tab === 'queue' ? queue : this.tab === 'mine' ? mine : this.tab === 'open' ? open : inbox.closed();
    this.#renderLabelFilter();
    const list = withLabel(filterList(whole, filter, inbox), this.label);
    this.#renderMore(list.length, paging);
    const chosen = this.label ? this.labels?.byId(this.label) : null;
    const filtered = this.label ? [`No chats labelled “${chosen?.name || 'this label'}” here`, 'Chats with the label show here. Choose “All labels” to see every chat.']
      : FILTERS[filter].empty;
    el.empty.hidden = list.length > 0 || (!filtered && this.tab === 'queue' && paging.queueCount > 0);
    el.emptyTitle.textContent = filtered ? filtered[0] : empty[this.tab][0];
    el.emptySub.textContent = filtered ? filtered[1] : empty[this.tab][1];
    this.#renderMentions(selectedId);

    const keep = new Set(list.map((c) => c.id));
    for (const [id, item] of this.items) {
      if (!keep.has(id)) {
        item.li.remove();
        this.items.delete(id);
      }
    }
    let cursor = el.ul.firstChild;
    const now = Date.now();
    for (const conv of list) {
      let item = this.items.get(conv.id);
      if (!item) {
        const button = h('button', { class: 'item', type: 'button', on: { click: () => this.onSelect(conv.id) } });
        item = { li: h('li', { dataset: { id: conv.id } }, button), button, sig: '' };
        this.items.set(conv.id, item);
      }
      const isTyping = typing.has(conv.id);
      const sig = this.#signature(conv, selectedId, isTyping, now);
      if (sig !== item.sig) {
        item.sig = sig;
        this.#fill(item.button, conv, conv.id === selectedId, isTyping, now);
      }
      if (item.li === cursor) cursor = cursor.nextSibling;
      else el.ul.insertBefore(item.li, cursor);
    }
  }

  // The label filter's choices: the team's labels (none: no filter). A label deleted meanwhile is dropped.
  #renderLabelFilter() {
    const { el } = this;
    const labels = this.labels?.items || [];
    const sig = labelsKey(labels);
    if (sig === this.labelSig) return;
    this.labelSig = sig;
    el.labelFilter.hidden = labels.length === 0;
    if (this.label && !labels.some((l) => l.id === this.label) && this.labels?.items) this.label = '';
    clear(el.labelSelect).append(h('option', { value: '' }, 'All labels'), ...labels.map((l) => h('option', { value: l.id }, l.name)));
    el.labelSelect.value = this.label;
  }

  #renderMore(shown, { queueCount, queueMore, closedMore, loading }) {
    const { el } = this;
    const more = (this.tab === 'queue' && queueMore) || (this.tab === 'closed' && closedMore);
    el.more.hidden = !more;
    if (!more) return;
    el.moreNote.textContent = this.tab === 'queue' ? `Showing ${shown} of ${queueCount} waiting` : '';
    el.moreNote.hidden = this.tab !== 'queue';
    const busy = loading === this.tab;
    el.moreButton.disabled = busy;
    el.moreButton.textContent = busy ? 'Loading…' : this.tab === 'queue' ? 'Show more' : 'Load older';
  }

  #holder(conv) {
    return this.tab === 'open' ? holderOf(conv, this.inbox.agents.get(conv.assigned_agent_id)) : null;
  }

  #signature(conv, selectedId, isTyping, now) {
    const holder = this.#holder(conv);
    return [conv.updated_at, conv.status, conv.assigned_agent_id, conv.last_message?.id, this.inbox.unreadOf(conv.id), this.mentions.has(conv.id),
      conv.id === selectedId, isTyping, this.#when(conv, now), this.tab, Boolean(conv.offline), conv.customer?.email,
      customerName(conv), verified(conv), this.inbox.words.get(conv.id), holder?.name, holder?.presence, holder?.awaySince,
      labelsKey(labelsOf(conv, this.labels)), ratingKey(ratingOf(conv))].join('|');
  }

  #when(conv, now) {
    if (this.tab === 'queue') return waited(conv.requested_agent_at || conv.created_at, now);
    if (this.tab === 'closed') return age(conv.closed_at || conv.updated_at, now);
    if (this.tab === 'open') {
      const since = waitingSince(conv);
      return since ? waitingText(since, now) : `answered ${age(conv.last_message?.created_at || conv.updated_at, now)}`;
    }
    if (isAwaiting(conv)) return waitingText(conv.waiting_since, now);
    return age(conv.last_message?.created_at || conv.updated_at, now);
  }

  #fill(button, conv, selected, isTyping, now) {
    const name = customerName(conv);
    const known = verified(conv);
    const unread = this.inbox.unreadOf(conv.id);
    const last = conv.last_message;
    button.classList.toggle('selected', selected);
    button.classList.toggle('unread', unread > 0);
    if (selected) button.setAttribute('aria-current', 'true');
    else button.removeAttribute('aria-current');

    const { inbox } = this;
    const { text: preview, note } = isTyping ? { text: 'typing…', note: false }
      : previewOf(last, { me: inbox.me.id, agentName: (id) => inbox.agentName(id), words: inbox.words.get(conv.id) });
    const when = this.#when(conv, now);
    const whenLabel = this.tab === 'queue' ? `waiting ${when}` : when;
    const waiting = this.tab === 'queue' || when.startsWith('waiting');
    const mentioned = this.mentions.has(conv.id);
    const labels = labelsOf(conv, this.labels);
    const rating = ratingOf(conv);
    const avatar = h('span', { class: 'avatar item-avatar', 'aria-hidden': 'true' }, initials(name));
    avatar.style.setProperty('--hue', String(hueFor(name)));

    const extra = this.tab === 'closed' && conv.assigned_agent_name ? `with ${conv.assigned_agent_name}` : null;
    // Left while nobody was online: say so, with the address to answer (the shopper may be gone).
    const offline = Boolean(conv.offline);
    const email = conv.customer?.email || '';
    button.classList.toggle('offline', offline);
    clear(button).append(
      avatar,
      h('span', { class: 'item-main' },
        h('span', { class: 'item-top' },
          h('span', { class: 'item-name' }, name),
          mentioned ? h('span', { class: 'item-mention', title: 'A note mentions you' }, '@') : null,
          known ? h('span', { class: 'item-verified', title: 'Verified by your shop’s sign-in' }, icon('check', { size: 14 })) : null,
          ratingMarker(rating),
          h('span', { class: `item-when${waiting ? ' waiting' : ''}`, title: this.tab === 'queue' ? `Asked for a person at ${clock(conv.requested_agent_at || conv.created_at)}` : '' },
            this.tab === 'queue' ? whenLabel : when)),
        this.tab === 'open' ? this.#holderLine(conv, now) : null,
        labelChips(labels, { className: 'item-labels' }),
        offline ? h('span', { class: 'item-contact' },
          h('span', { class: 'badge', dataset: { tone: 'offline' } }, 'Offline message'),
          email ? h('span', { class: 'item-email' }, email) : null) : null,
        h('span', { class: 'item-bottom' },
          h('span', { class: `item-preview${isTyping ? ' typing' : ''}${note ? ' note' : ''}` }, preview || (extra ?? '')),
          unread > 0 ? h('span', { class: 'item-unread', 'aria-label': `${unread} unread` }, unread > 99 ? '99+' : String(unread)) : null)),
    );
    const about = offline ? `, offline message${email ? ` from ${email}` : ''}` : '';
    const holder = this.#holder(conv);
    const held = this.tab !== 'open' ? '' : holder ? `, with ${holder.name}${holder.presence ? ` (${holderBadge(holder, now)[0].toLowerCase()})` : ''}` : ', in the queue';
    button.setAttribute('aria-label', `${name}${known ? ' (verified)' : ''}${held}${about}${labelsText(labels)}${ratingText(rating)}${mentioned ? ', a note mentions you' : ''}${unread ? `, ${unread} unread` : ''}, ${whenLabel}${preview ? `: ${preview}` : ''}`);
  }

  // Above the lists: the chats where a note mentions the agent, each a button that opens it.
  #renderMentions(selectedId) {
    const { el, inbox } = this;
    const items = this.mentions.list().filter((m) => m.conversation_id !== selectedId);
    el.mentions.hidden = items.length === 0;
    const sig = items.map((m) => `${m.conversation_id}|${m.author}|${customerName(inbox.get(m.conversation_id))}`).join('\n');
    if (sig === this.mentionSig) return;
    this.mentionSig = sig;
    clear(el.mentionList).append(...items.map((m) => {
      const who = inbox.get(m.conversation_id) ? customerName(inbox.get(m.conversation_id)) : 'a chat';
      return h('li', {}, h('button', { class: 'mention-open', type: 'button', on: { click: () => this.onSelect(m.conversation_id) } },
        `${m.author || 'Someone'} mentioned you in a note on ${who}`));
    }));
  }

  // All open: "With Alex Agent [Away since 14:02]", or "In the queue".
  #holderLine(conv, now) {
    const holder = this.#holder(conv);
    if (!holder) return h('span', { class: 'item-holder' }, h('span', { class: 'item-holder-name' }, 'In the queue'));
    const mine = holder.id === this.inbox.me.id;
    const badge = holderBadge(holder, now);
    return h('span', { class: 'item-holder' },
      h('span', { class: 'item-holder-name' }, mine ? 'With you' : `With ${holder.name}`),
      badge ? h('span', { class: 'badge', dataset: { tone: badge[1] } }, badge[0]) : null);
  }
}
