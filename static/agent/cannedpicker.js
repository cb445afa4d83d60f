// The composer's list of canned replies: typing "/" at the start of the reply
// box (or after a space) opens it, filtered as the agent types (canned.js). It
// is an ARIA combobox in the ARIA 1.1 shape (a box with role="combobox" that
// holds the textarea and owns the list: a textarea may not take the role
// itself, and axe-core checks the 1.1 shape): the textarea keeps the focus and
// names the active option (aria-activedescendant); ↑/↓ move, Enter or a click
// chooses, Esc closes. Choosing hands the reply and the typed `/query` to `onChoose`
// (conversation.js puts the reply's text, filled in for the chat, in its
// place): nothing is ever sent from here.

import { clear, h } from '../js/dom.js';
import { filterReplies, slashToken } from './canned.js';

/**
 * What a key does while the list is open, given how many options it shows and which one
 * is active: {move: index} | {choose: index} | {close: true}, or null for the textarea's
 * own (typing, Shift+Enter's new line, an IME's Enter).
 */
export function pickerKey(event, { count, active }) {
  if (event.isComposing || event.altKey || event.ctrlKey || event.metaKey) return null;
  if (event.key === 'Escape') return { close: true };
  if (!count) return null;
  if (event.key === 'ArrowDown') return { move: (active + 1) % count };
  if (event.key === 'ArrowUp') return { move: (active - 1 + count) % count };
  if (event.key === 'Enter' && !event.shiftKey) return { choose: Math.min(Math.max(active, 0), count - 1) };
  return null;
}

export class CannedPicker {
  /**
   * @param {{combo, input: HTMLTextAreaElement, popup, list, empty, status, store: import('./canned.js').CannedStore,
   *          onChoose: (reply, token) => void, signal?: AbortSignal}} deps
   *   combo: the element around `input` that is the combobox; popup: the box around `list`
   *   (the role="listbox") and `empty` (what it says when nothing matches); status: a polite
   *   live region for how many match.
   */
  constructor({ combo, input, popup, list, empty, status, store, onChoose, signal }) {
    Object.assign(this, { combo, input, popup, list, empty, status, store, onChoose });
    this.token = null; // the `/query` being typed, while the list is open
    this.matches = [];
    this.active = 0;
    this.dismissed = null; // where the token that Esc closed starts: it stays shut
    this.failed = false;
    this.announced = '';
    combo.setAttribute('role', 'combobox');
    combo.setAttribute('aria-haspopup', 'listbox');
    combo.setAttribute('aria-owns', list.id);
    combo.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-controls', list.id);
    list.setAttribute('role', 'listbox');
    const update = () => this.update();
    input.addEventListener('input', update, { signal });
    input.addEventListener('click', update, { signal });
    input.addEventListener('keyup', (event) => {
      if (['ArrowLeft', 'ArrowRight', 'Home', 'End'].includes(event.key)) this.update();
    }, { signal });
    input.addEventListener('keydown', (event) => this.keydown(event), { signal });
    input.addEventListener('blur', () => this.close(), { signal });
    const off = store.onChange(() => { if (this.token) this.update(); });
    signal?.addEventListener('abort', off, { once: true });
  }

  get open() {
    return this.token !== null;
  }

  /** Registered before the reply box's Enter-to-send: a key the list uses goes no further. */
  keydown(event) {
    if (!this.open) return false;
    const action = pickerKey(event, { count: this.matches.length, active: this.active });
    if (!action) return false;
    event.preventDefault();
    event.stopImmediatePropagation?.();
    if ('move' in action) {
      this.active = action.move;
      this.#render();
    } else if ('choose' in action) {
      this.choose(action.choose);
    } else {
      this.dismissed = this.token.start;
      this.close();
    }
    return true;
  }

  /** The text or the caret changed: open, filter or close the list. */
  update() {
    const { input } = this;
    const token = input.selectionStart === input.selectionEnd ? slashToken(input.value, input.selectionEnd) : null;
    if (!token) this.dismissed = null;
    if (!token || token.start === this.dismissed || input.disabled) return this.close();
    if (!this.token || this.token.query !== token.query || this.token.start !== token.start) this.active = 0;
    this.token = token;
    const items = this.store.items;
    if (!items && !this.failed) {
      this.store.load().then(() => this.update(), () => {
        this.failed = true;
        this.update();
      });
    }
    this.matches = items ? filterReplies(items, token.query) : [];
    this.#render(items);
  }

  /** Hands over option `i` and closes the list. */
  choose(i) {
    const reply = this.matches[i];
    const token = this.token;
    this.close();
    if (reply && token) this.onChoose(reply, token);
  }

  /** Text was put in the box (a chosen reply): a "/" inside it opens nothing. */
  settle() {
    const token = slashToken(this.input.value, this.input.selectionEnd);
    this.dismissed = token ? token.start : null;
    this.close();
  }

  close() {
    this.token = null;
    this.matches = [];
    this.failed = false;
    this.popup.hidden = true;
    this.combo.setAttribute('aria-expanded', 'false');
    this.input.removeAttribute('aria-activedescendant');
    this.#announce('');
  }

  #render(items = this.store.items) {
    const { input, list, popup, matches } = this;
    popup.hidden = false;
    const some = matches.length > 0;
    this.combo.setAttribute('aria-expanded', String(some));
    list.hidden = !some;
    clear(list).append(...matches.map((reply, i) => h('li', {
      id: `canned-option-${reply.id}`,
      role: 'option',
      class: 'canned-option',
      'aria-selected': String(i === this.active),
      on: {
        mousedown: (event) => event.preventDefault(), // the reply box keeps the focus
        click: () => this.choose(i),
      },
    }, h('span', { class: 'canned-shortcut' }, `/${reply.shortcut}`),
    h('span', { class: 'canned-title' }, reply.title),
    reply.scope === 'personal' ? h('span', { class: 'canned-scope' }, 'Mine') : null)));
    const active = some ? list.childNodes[this.active] : null;
    if (active) {
      input.setAttribute('aria-activedescendant', active.id);
      active.scrollIntoView?.({ block: 'nearest' });
    } else {
      input.removeAttribute('aria-activedescendant');
    }
    const query = this.token.query.trim();
    let empty = '';
    if (this.failed) empty = "Couldn't load the canned replies.";
    else if (!items) empty = 'Loading canned replies…';
    else if (!items.length) empty = 'No canned replies yet. Add your own under My replies.';
    else if (!some) empty = `No canned reply matches “/${query}”.`;
    this.empty.textContent = empty;
    this.empty.hidden = !empty;
    this.#announce(some ? `${matches.length} canned ${matches.length === 1 ? 'reply' : 'replies'}: up and down to choose, Enter to insert.` : empty);
  }

  // Said once per change, not on every keystroke that finds the same number.
  #announce(text) {
    if (text === this.announced) return;
    this.announced = text;
    this.status.textContent = text;
  }
}
