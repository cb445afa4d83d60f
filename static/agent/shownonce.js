// A credential the server shows once (a webhook's signing secret, an API key):
// a box under the list that holds it read-only with a Copy button, says plainly
// that it will not be shown again, and forgets it when the admin says they have
// it, leaves the section or signs out. Nothing else on the page keeps it.

import { clear, h } from '../js/dom.js';
import { copyField } from './forms.js';

export class ShownOnce {
  /**
   * @param {{id: string, toast, copied: string, onDone?: () => void}} options
   *   id: the prefix of the box's element ids; copied: the toast after a copy;
   *   onDone: "I have copied it" was pressed (the focus goes back where it belongs).
   */
  constructor({ id, toast, copied, onDone = () => {} }) {
    this.el = {
      title: h('h4', { id: `${id}-title`, tabindex: '-1' }),
      about: h('p', { class: 'once-about', id: `${id}-about` }),
      warning: h('p', { class: 'risk', id: `${id}-warning` }, 'Copy it now and keep it somewhere safe. You will not see this again: once you leave this page, only a new one can replace it.'),
      label: h('label', { for: `${id}-value` }),
      // A text box that wraps: the whole value is seen on a phone too, not just its start.
      value: h('textarea', { class: 'once-value', id: `${id}-value`, rows: '1', readonly: true, autocomplete: 'off', spellcheck: 'false', 'aria-describedby': `${id}-warning` }),
    };
    const { el } = this;
    el.copy = h('button', { class: 'btn ghost small', type: 'button', id: `${id}-copy`, on: { click: () => copyField(el.value, { toast, done: copied }) } }, 'Copy');
    el.done = h('button', { class: 'btn ghost small', type: 'button', id: `${id}-done`, on: { click: () => { this.clear(); onDone(); } } }, 'I have copied it');
    el.root = h('div', { class: 'once', id, role: 'group', 'aria-labelledby': `${id}-title`, hidden: true },
      el.title, el.about, el.warning,
      h('div', { class: 'field' }, el.label, h('div', { class: 'embed-row' }, el.value, el.copy)),
      h('div', { class: 'form-actions' }, el.done));
  }

  /** Shows `value` under `title` (`label`: the field's; `about`: one line on what it is for), and takes the focus there. */
  show(value, { title, label, about = '' }) {
    const { el } = this;
    el.title.textContent = title;
    el.label.textContent = label;
    clear(el.about).append(about);
    el.about.hidden = !about;
    el.value.value = value;
    el.root.hidden = false;
    el.title.focus();
  }

  /** Forgets the value: off the page. */
  clear() {
    this.el.value.value = '';
    this.el.root.hidden = true;
  }

  get shown() {
    return !this.el.root.hidden;
  }
}
