// The top bar's search box, on every page of the console: Enter searches (the
// results are the address #search?q=…, searchview.js), "/" anywhere but in a
// text field takes the focus there (search.js slashFocusesSearch: the
// composer keeps its "/" for canned replies). On narrow screens the box waits
// behind a search button and opens over the bar; Esc or × closes it again.

import { $, icon } from '../js/dom.js';
import { consoleIcon } from './icons.js';
import { searchOf } from './routes.js';
import { slashFocusesSearch } from './search.js';

const narrow = () => matchMedia('(max-width: 800px)').matches;

export class SearchBar {
  /**
   * @param {{active: () => boolean, onSearch: (where: {q, status, label}) => void}} deps
   *   active: a console is signed in and shown (the sign-in page has no search);
   *   onSearch: the box was submitted with this search (console.js goes to its address).
   */
  constructor({ active, onSearch }) {
    this.active = active;
    this.el = { bar: document.querySelector('.bar'), form: $('search-form'), input: $('search-q'), open: $('search-open'), close: $('search-close') };
    const { el } = this;
    el.open.append(consoleIcon('search'));
    el.form.prepend(consoleIcon('search', { size: 18, className: 'icon search-icon' }));
    el.close.append(icon('close', { size: 18 }));
    el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      const q = el.input.value.trim();
      if (!q) {
        el.input.focus();
        return;
      }
      // A new query keeps the filters of the results shown, if they are.
      const shown = searchOf(location.hash);
      onSearch({ q, status: shown?.status || '', label: shown?.label || '' });
    });
    el.open.addEventListener('click', () => this.open());
    el.close.addEventListener('click', () => this.close({ focus: true }));
    el.input.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.isOpen) {
        event.preventDefault();
        this.close({ focus: true });
      }
    });
    document.addEventListener('keydown', (event) => {
      if (!this.active() || !slashFocusesSearch(event, { dialogOpen: Boolean(document.querySelector('dialog[open]')) })) return;
      event.preventDefault();
      this.open();
    });
  }

  get isOpen() {
    return this.el.bar.dataset.search === 'open';
  }

  /** The box, focused with its text selected (on narrow screens opened over the bar first). */
  open() {
    const { el } = this;
    if (narrow()) {
      el.bar.dataset.search = 'open';
      el.open.setAttribute('aria-expanded', 'true');
    }
    el.input.focus();
    el.input.select();
  }

  /** Narrow screens: the bar's buttons again; `focus`: on the search button. */
  close({ focus = false } = {}) {
    const { el } = this;
    delete el.bar.dataset.search;
    el.open.setAttribute('aria-expanded', 'false');
    if (focus) el.open.focus();
  }

  /** Signed out: the box is empty and shut for whoever signs in next. */
  forget() {
    this.el.input.value = '';
    this.close();
  }

  /** The query of the results shown (or none) stands in the box. */
  show(q) {
    if (document.activeElement !== this.el.input) this.el.input.value = q || '';
  }
}
