// The search results (#search?q=…&status=…&label=…, for every agent): GET
// agent/search, conversations by their newest hit, each with who it is with,
// where it stands, its labels and its rating, and its hits: what matched (a customer's,
// an agent's or the bot's message, a note, the contact), when, and the
// snippet with the matches marked (search.js: text nodes and <mark>, never
// HTML). Filters by status and label change the address (Back still leaves
// the search); "More results" reads further back. A result opens its
// conversation. How many were found is said in a polite live region.

import { $, clear, h } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { setMain } from './chrome.js';
import { customerName, statusOf } from './convinfo.js';
import { explain, signedOut } from './forms.js';
import { labelChips, labelsKey, labelsOf } from './labels.js';
import { ratingMarker, ratingOf } from './rating.js';
import { searchHash } from './routes.js';
import { hitKind, highlighted, mergeResults, nextBefore } from './search.js';

export const PAGE = 20;
// "More results" that only brought older hits of conversations already shown reads on, this often at most.
const ROUNDS = 4;

const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** What the live region says about the results of `q`. */
export function resultsText({ q, count, more }) {
  if (!count) return `No conversations match “${q}”.`;
  return `${more ? `${count}+` : count} ${count === 1 && !more ? 'conversation matches' : 'conversations match'} “${q}”.`;
}

export class SearchView {
  /**
   * @param {{api, me: () => object|null, labels: import('./labels.js').LabelStore,
   *          live: (id) => object|null, onOpenConversation: (id) => void}} deps
   *   live: the console's own, fresher copy of a conversation (its labels and status now).
   */
  constructor({ api, me, labels, live, onOpenConversation }) {
    Object.assign(this, { api, me, labels, live, onOpenConversation });
    this.where = null; // {q, status, label} shown
    this.key = '';
    this.items = [];
    this.before = null; // where "More results" goes on from (null: nothing more)
    this.loading = null; // 'search' | 'more'
    this.token = 0;
    this.el = {
      view: $('search-view'), title: $('search-title'), filters: $('search-filters'), status: $('search-status'), label: $('search-label'),
      state: $('search-state'), error: $('search-error'), results: $('search-results'), more: $('search-more'), moreButton: $('search-more-button'),
    };
    const { el } = this;
    for (const select of [el.status, el.label]) {
      select.addEventListener('change', () => {
        if (!this.where) return;
        // A filter replaces the results in place: Back leaves the search rather than undoing it.
        location.replace(searchHash({ ...this.where, status: el.status.value, label: el.label.value }));
      });
    }
    el.filters.addEventListener('submit', (event) => event.preventDefault());
    el.moreButton.addEventListener('click', () => this.#more());
    labels.onChange(() => {
      this.#labelOptions();
      if (this.where) this.#render();
    });
  }

  /** Shows the results of `where` ({q, status, label}), or hides them (null). */
  show(where) {
    const { el } = this;
    const wasShown = this.where !== null;
    el.view.hidden = !where;
    this.where = where;
    if (!where) return;
    setMain('search-view');
    this.labels.load().catch(() => {}); // the label filter's choices
    el.status.value = where.status;
    this.#labelOptions();
    const key = JSON.stringify([where.q, where.status, where.label]);
    if (key !== this.key) {
      this.key = key;
      this.opened = null;
      this.#search();
    }
    const focusNext = this.focusNext;
    this.focusNext = false;
    if (focusNext) {
      el.title.focus({ preventScroll: true });
    } else if (!wasShown && document.activeElement?.id !== 'search-q') {
      // Back from a conversation opened here: at that result again; else at the heading.
      const back = this.opened && el.results.querySelector(`[data-id="${CSS.escape(this.opened)}"] .search-result-open`);
      (back || el.title).focus({ preventScroll: !back });
    }
  }

  /** To the results at `hash` (a new search from the box); `focus`: their heading takes the focus once shown. */
  go(hash, { focus = false } = {}) {
    this.focusNext = focus;
    location.hash = hash;
  }

  /** The same search once more (submitted again from the box). */
  again({ focus = false } = {}) {
    if (!this.where) return;
    this.#search();
    if (focus) this.el.title.focus({ preventScroll: true });
  }

  /** Signed out: nothing of this agent's searches stays. */
  forget() {
    this.token++;
    this.key = '';
    this.items = [];
    this.before = null;
    this.loading = null;
    this.#render();
  }

  #labelOptions() {
    const { el } = this;
    const labels = this.labels.items || [];
    const wanted = this.where?.label || '';
    const sig = labelsKey(labels);
    if (sig !== this.labelSig) {
      this.labelSig = sig;
      clear(el.label).append(h('option', { value: '' }, 'Any label'), ...labels.map((l) => h('option', { value: l.id }, l.name)));
      // A label no longer known (deleted, or not read yet) still filters: it stays chosen.
      if (wanted && !labels.some((l) => l.id === wanted)) el.label.append(h('option', { value: wanted }, 'A deleted label'));
    }
    el.label.value = wanted;
  }

  async #search() {
    const { where } = this;
    const token = ++this.token;
    this.items = [];
    this.before = null;
    this.error = '';
    if (!where.q.trim()) {
      this.loading = null;
      this.stateText = 'Type what you are looking for in the search box above and press Enter.';
      this.#render();
      return;
    }
    this.loading = 'search';
    this.stateText = `Searching for “${where.q}”…`;
    this.#render();
    try {
      const page = await this.api.search({ q: where.q, status: where.status, label: where.label, limit: PAGE });
      if (token !== this.token) return;
      this.items = page.items;
      this.before = page.items.length >= PAGE ? nextBefore(page.items) : null;
      this.stateText = resultsText({ q: where.q, count: this.items.length, more: Boolean(this.before) });
    } catch (err) {
      if (token !== this.token || signedOut(err)) return;
      this.stateText = '';
      this.error = explain(err, {
        codes: { invalid_query: 'Search for 1 to 200 characters.' },
        fallback: "Couldn't search. Try again.",
      }).text;
    }
    this.loading = null;
    this.#render();
  }

  async #more() {
    if (this.loading || !this.before) return;
    const token = this.token;
    const { where } = this;
    const count = this.items.length;
    this.loading = 'more';
    this.#render();
    let added = 0;
    try {
      for (let round = 0; round < ROUNDS && this.before && !added; round++) {
        const page = await this.api.search({ q: where.q, status: where.status, label: where.label, limit: PAGE, before: this.before });
        if (token !== this.token) return;
        const merged = mergeResults(this.items, page.items);
        this.items = merged.items;
        added = merged.added;
        this.before = page.items.length >= PAGE ? nextBefore(page.items) : null;
      }
      this.stateText = added ? `${plural(added, 'more conversation', 'more conversations')}: ${resultsText({ q: where.q, count: this.items.length, more: Boolean(this.before) })}`
        : `No more conversations match “${where.q}”; the ones shown may have more matches now.`;
    } catch (err) {
      if (token !== this.token || signedOut(err)) return;
      this.stateText = explain(err, { fallback: "Couldn't load more results." }).text;
    }
    this.loading = null;
    this.#render();
    // Keyboard users go on at the first conversation that came in.
    if (this.items.length > count) this.el.results.children[count]?.querySelector('.search-result-open')?.focus();
  }

  #render() {
    const { el, where } = this;
    el.title.textContent = where?.q.trim() ? `Results for “${where.q.trim()}”` : 'Search';
    el.state.textContent = this.stateText || '';
    el.error.textContent = this.error || '';
    el.error.hidden = !this.error;
    clear(el.results).append(...this.items.map((item) => this.#item(item)));
    el.more.hidden = !this.before;
    el.moreButton.disabled = this.loading === 'more';
    el.moreButton.textContent = this.loading === 'more' ? 'Loading…' : 'More results';
  }

  #item({ conversation, hits }) {
    const conv = { ...conversation, ...(this.live(conversation.id) || {}) };
    const name = customerName(conv);
    const [status, tone] = statusOf(conv, this.me()?.id);
    const open = () => {
      this.opened = conv.id;
      this.onOpenConversation(conv.id);
    };
    return h('li', {
      class: 'search-result',
      dataset: { id: conv.id },
      // Anywhere on the result opens it (the name is its button, for the keyboard).
      on: { click: (event) => { if (!event.target.closest('button, a') && !String(globalThis.getSelection?.() || '')) open(); } },
    },
    h('div', { class: 'search-result-head' },
      h('h2', { class: 'search-result-name' }, h('button', { class: 'search-result-open', type: 'button', on: { click: open } }, name)),
      h('span', { class: 'badge', dataset: { tone } }, status),
      ratingMarker(ratingOf(conv)),
      labelChips(labelsOf(conv, this.labels))),
    h('ul', { class: 'search-hits', 'aria-label': `Matches in the chat with ${name}` }, hits.map((hit) => this.#hit(hit))));
  }

  #hit(hit) {
    return h('li', { class: 'search-hit', dataset: { type: hit.type, sender: hit.sender_type || '' } },
      h('p', { class: 'search-hit-meta' },
        h('span', { class: 'search-hit-type' }, hitKind(hit)), ' · ',
        h('time', { datetime: hit.created_at }, fullDate(hit.created_at))),
      h('p', { class: 'search-snippet' }, highlighted(hit.snippet, hit.highlights)));
  }
}
