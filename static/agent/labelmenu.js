// The chat header's "Labels" button: a small menu of checkboxes, one for each
// of the team's labels (GET agent/labels), that sets the open conversation's
// (PUT agent/conversations/{id}/labels). Any agent may, on any chat, closed
// ones too. A change shows at once (the chips in the header and the lists) and
// is sent one request at a time, the newest wish last; a refusal puts back what
// the server has. Esc, a click elsewhere or "Done" closes the menu; the focus
// goes back to the button.

import { ApiError } from '../js/api.js';
import { $, clear, h } from '../js/dom.js';
import { consoleIcon } from './icons.js';
import { labelChip, labelsKey, labelsOf } from './labels.js';

/** The ids `labels` (the store's, in its order) that are checked in `checked` (a Set of ids), in that order. */
export const chosenIds = (labels, checked) => labels.filter((label) => checked.has(label.id)).map((label) => label.id);

export class LabelMenu {
  /**
   * @param {{api, store: import('./labels.js').LabelStore, inbox, toast, admin: boolean, signal: AbortSignal,
   *          onChange: () => void}} deps  onChange: a conversation's labels changed here (draw again).
   */
  constructor({ api, store, inbox, toast, admin, signal, onChange }) {
    Object.assign(this, { api, store, inbox, toast, admin, onChange });
    this.conv = null; // the open conversation
    this.isOpen = false;
    this.sig = '';
    this.sending = new Map(); // conversation id -> {ids, again, confirmed}
    this.el = {
      button: $('labels-open'), menu: $('labels-menu'), list: $('labels-menu-list'), none: $('labels-menu-none'),
      state: $('labels-menu-state'), manage: $('labels-manage'), done: $('labels-done'),
    };
    const { el } = this;
    el.button.prepend(consoleIcon('tag', { size: 14 }));
    el.button.addEventListener('click', () => (this.isOpen ? this.close() : this.open()), { signal });
    el.done.addEventListener('click', () => this.close({ focus: true }), { signal });
    el.manage.addEventListener('click', () => this.close(), { signal });
    el.menu.addEventListener('keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      event.stopPropagation();
      this.close({ focus: true });
    }, { signal });
    el.menu.addEventListener('change', (event) => {
      if (event.target?.classList?.contains('labels-check')) this.#changed();
    }, { signal });
    // Anywhere else: the menu closes (the focus stays where it went).
    document.addEventListener('pointerdown', (event) => {
      if (this.isOpen && !el.menu.contains(event.target) && !el.button.contains(event.target)) this.close();
    }, { signal });
    el.menu.addEventListener('focusout', (event) => {
      const to = event.relatedTarget;
      if (this.isOpen && to && !el.menu.contains(to) && to !== el.button) this.close();
    }, { signal });
    const off = store.onChange(() => this.render());
    signal?.addEventListener('abort', off, { once: true });
  }

  /** The open conversation (null: none): the button follows it; another chat closes the menu. */
  sync(conv) {
    if (this.conv?.id !== conv?.id && this.isOpen) this.close();
    this.conv = conv;
    this.el.button.hidden = !conv;
    if (this.isOpen) this.render();
  }

  async open() {
    if (!this.conv) return;
    this.isOpen = true;
    this.sig = '';
    this.el.state.textContent = this.store.items ? '' : 'Loading the labels…';
    this.render();
    this.#focusFirst();
    try {
      await this.store.load();
      if (this.isOpen) this.el.state.textContent = '';
    } catch (err) {
      if (this.isOpen && !(err instanceof ApiError && err.status === 401)) this.el.state.textContent = "Couldn't load the labels.";
    }
    if (!this.isOpen) return;
    this.render();
    if (document.activeElement === this.el.done) this.#focusFirst(); // where it waited for the list
  }

  close({ focus = false } = {}) {
    this.isOpen = false;
    this.render();
    if (focus && !this.el.button.hidden) this.el.button.focus();
  }

  #focusFirst() {
    const first = this.el.list.querySelector('input') || this.el.done;
    first.focus();
  }

  render() {
    const { el, conv } = this;
    el.menu.hidden = !this.isOpen || !conv;
    el.button.setAttribute('aria-expanded', String(this.isOpen && Boolean(conv)));
    if (el.menu.hidden) return;
    const all = this.store.items || [];
    const on = new Set(labelsOf(conv).map((label) => label.id));
    el.none.hidden = !this.store.items || all.length > 0;
    el.none.textContent = this.admin ? 'No labels yet. Add the team’s labels under Manage labels.' : 'No labels yet. An admin adds them in Settings.';
    el.manage.hidden = !this.admin;
    // Drawn anew only when the labels themselves change, so the focus stays on its checkbox.
    const sig = labelsKey(all);
    if (sig !== this.sig) {
      this.sig = sig;
      clear(el.list).append(...all.map((label) => {
        const id = `label-option-${label.id}`;
        return h('li', {},
          h('label', { class: 'labels-option', for: id },
            h('input', { type: 'checkbox', class: 'labels-check', id, value: label.id }),
            labelChip(label)));
      }));
    }
    for (const input of this.#boxes()) input.checked = on.has(input.value);
  }

  #boxes() {
    return [...this.el.list.querySelectorAll('[type="checkbox"]')];
  }

  // A box was ticked or cleared: shown at once, then sent.
  #changed() {
    const conv = this.conv;
    if (!conv) return;
    const checked = new Set(this.#boxes().filter((input) => input.checked).map((input) => input.value));
    const ids = chosenIds(this.store.items || [], checked);
    const wish = this.sending.get(conv.id);
    if (wish) {
      wish.ids = ids;
      wish.again = true;
    } else {
      this.sending.set(conv.id, { ids, again: false, confirmed: conv.labels || [] });
      this.#send(conv.id);
    }
    this.inbox.patch(conv.id, { labels: ids.map((id) => this.store.byId(id)).filter(Boolean) });
    this.el.state.textContent = 'Saving…';
    this.onChange();
  }

  async #send(id) {
    const wish = this.sending.get(id);
    try {
      for (;;) {
        wish.again = false;
        const answer = await this.api.setLabels(id, wish.ids);
        wish.confirmed = answer.conversation.labels || [];
        if (!wish.again) {
          this.inbox.upsert(answer.conversation);
          break;
        }
      }
      if (this.conv?.id === id) this.el.state.textContent = 'Saved.';
    } catch (err) {
      this.inbox.patch(id, { labels: wish.confirmed });
      if (!(err instanceof ApiError && err.status === 401)) {
        const text = err instanceof ApiError && err.code === 'invalid_label'
          ? 'A label was deleted meanwhile: the list is read again.' : err instanceof ApiError ? err.detail : "Couldn't change the labels.";
        this.toast(text, 'error');
        if (this.conv?.id === id) this.el.state.textContent = '';
        if (err instanceof ApiError && err.code === 'invalid_label') this.store.reload().catch(() => {});
      }
    } finally {
      this.sending.delete(id);
      this.onChange();
    }
  }
}
