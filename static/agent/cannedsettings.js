// Settings → "Canned replies" (the team's: admins add, edit and delete them,
// everyone else reads them) and "My replies" (every agent's own). One class
// for both: a list of the replies with Edit and Delete, and a form with the
// shortcut, the title and the text, the variables the text may use, and what
// the server refuses (shortcut_taken, unknown_variable, …) said under the
// field it is about. Both read the console's one CannedStore (canned.js),
// which the composer's "/" list uses too: it is read again after each change.

import { $, clear, h } from '../js/dom.js';
import { confirmDialog } from './confirm.js';
import { busy, errorField, explain, fieldError, signedOut } from './forms.js';
import { ListSettings } from './listsettings.js';

export const VARIABLES = [
  ['{{contact.name}}', 'the customer’s name'],
  ['{{contact.first_name}}', 'the first word of it'],
  ['{{contact.email}}', 'their e-mail'],
  ['{{agent.name}}', 'your name'],
  ['{{brand.name}}', 'your shop’s name'],
];

const SHORTCUT = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/** The shortcut as the server keeps it ("/Refund " → "refund"). */
export const normalShortcut = (text) => String(text).trim().toLowerCase().replace(/^\//, '');

/** What is wrong with the form before asking the server: {field, text} or null. */
export function replyProblem({ shortcut, title, content }) {
  if (!SHORTCUT.test(normalShortcut(shortcut))) return { field: 'shortcut', text: 'Shortcut: 1–32 lowercase letters, digits, “-” or “_”, starting with a letter or digit.' };
  if (!title.trim()) return { field: 'title', text: 'Title: give it a few words, so the list says what it is.' };
  if ([...title.trim()].length > 80) return { field: 'title', text: 'Title: at most 80 characters.' };
  if (!content.trim()) return { field: 'content', text: 'Text: write the reply.' };
  return null;
}

/** A PATCH with what changed ({} when nothing did). */
export function replyPatch(reply, values) {
  const patch = {};
  if (normalShortcut(values.shortcut) !== reply.shortcut) patch.shortcut = normalShortcut(values.shortcut);
  if (values.title.trim() !== reply.title) patch.title = values.title.trim();
  if (values.content !== reply.content) patch.content = values.content;
  return patch;
}

const TEXTS = {
  team: {
    title: 'Canned replies',
    sub: 'The team’s answers. Anyone typing “/” and a shortcut in a reply can insert one, filled in for that chat.',
    readOnly: 'Only admins change the team’s replies. Your own are under My replies.',
    none: 'The team has no canned replies yet.',
    scope: 'team',
  },
  personal: {
    title: 'My replies',
    sub: 'Your own answers: only you see them. Type “/” and the shortcut in a reply to insert one, filled in for that chat.',
    readOnly: '',
    none: 'You have no replies of your own yet.',
    scope: 'personal',
  },
};

export class CannedSettings extends ListSettings {
  /**
   * @param {{api, store: import('./canned.js').CannedStore, me: () => object|null, toast, scope: 'team'|'personal', section: string}} deps
   *   section: the id suffix of its <section> in index.html ("replies", "myreplies").
   */
  constructor({ api, store, me, toast, scope, section }) {
    super({ store, loading: 'Loading the replies…', failed: "Couldn't load the replies." });
    Object.assign(this, { api, me, toast, scope, texts: TEXTS[scope] });
    this.id = section;
    this.#build($(`section-${section}`));
  }

  get editable() {
    return this.scope === 'personal' || this.me()?.role === 'admin';
  }

  render() {
    const { el } = this;
    const mine = (this.store.items || []).filter((r) => r.scope === this.scope);
    el.add.hidden = !this.editable;
    el.readOnly.hidden = this.editable;
    el.none.hidden = mine.length > 0 || !this.store.items;
    clear(el.list).append(...mine.map((reply) => this.#item(reply)));
  }

  // --- the page -------------------------------------------------------------------------

  #build(section) {
    const id = (name) => `${this.id}-${name}`;
    const t = this.texts;
    // A field's error line (its id: the input's, with "-error") comes first in what describes it.
    const field = errorField;
    const describe = (name, extra = '') => `${id(`${name}-error`)} ${extra}`.trim();
    this.el = {
      add: h('button', { class: 'btn primary', type: 'button', on: { click: () => this.#openForm(null) } }, 'Add reply'),
      state: h('p', { class: 'set-state', role: 'status' }),
      readOnly: h('p', { class: 'hint canned-readonly' }, t.readOnly),
      none: h('p', { class: 'set-state' }, t.none),
      list: h('ul', { class: 'canned-items', 'aria-labelledby': id('title') }),
      formTitle: h('h3', { id: id('form-title'), tabindex: '-1' }, 'Add a reply'),
      shortcut: h('input', { id: id('shortcut'), name: 'shortcut', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': describe('shortcut', id('shortcut-hint')) }),
      title: h('input', { id: id('title-input'), name: 'title', autocomplete: 'off', 'aria-describedby': describe('title-input') }),
      content: h('textarea', { id: id('content'), name: 'content', rows: '6', 'aria-describedby': describe('content', id('vars')) }),
      error: h('p', { class: 'form-error', role: 'alert', hidden: true }),
      save: h('button', { class: 'btn primary', type: 'submit' }, 'Add reply'),
    };
    const { el } = this;
    el.form = h('form', { class: 'card form canned-form', novalidate: true, hidden: true, 'aria-labelledby': id('form-title'), on: { submit: (event) => { event.preventDefault(); this.#save(); } } },
      el.formTitle,
      field('Shortcut', el.shortcut,
        h('div', { class: 'shortcut-row' }, h('span', { class: 'shortcut-slash', 'aria-hidden': 'true' }, '/'), el.shortcut),
        h('p', { class: 'hint', id: id('shortcut-hint') }, 'Lowercase letters, digits, “-” and “_”. Typing /refund in a reply offers it.')),
      field('Title', el.title),
      field('Text', el.content),
      h('div', { class: 'canned-vars', id: id('vars') },
        h('p', { class: 'hint' }, 'Filled in for each chat:'),
        h('ul', {}, VARIABLES.map(([name, what]) => h('li', {}, h('code', {}, name), ` ${what}`))),
        h('p', { class: 'hint' }, 'A value that is missing is left out; give a fallback after a bar: ', h('code', {}, '{{contact.first_name | there}}'), '.')),
      el.error,
      h('div', { class: 'form-actions' },
        h('button', { class: 'btn ghost', type: 'button', on: { click: () => this.closeForm(true) } }, 'Cancel'),
        el.save));
    section.append(
      h('div', { class: 'set-head' },
        h('div', {}, h('h2', { id: id('title') }, t.title), h('p', { class: 'set-sub' }, t.sub)),
        el.add),
      h('div', { class: 'set-columns' },
        h('div', { class: 'set-main' }, el.readOnly, el.state, el.none, el.list),
        h('div', { class: 'set-aside' }, el.form)));
    this.fields = { shortcut: el.shortcut, title: el.title, content: el.content };
  }

  #item(reply) {
    const actions = this.editable ? h('div', { class: 'canned-actions' },
      h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Edit /${reply.shortcut}`, dataset: { action: 'edit' }, on: { click: () => this.#openForm(reply) } }, 'Edit'),
      h('button', { class: 'btn danger small', type: 'button', 'aria-label': `Delete /${reply.shortcut}`, dataset: { action: 'delete' }, on: { click: () => this.#delete(reply) } }, 'Delete')) : null;
    return h('li', { class: `canned-item${this.editing?.id === reply.id ? ' editing' : ''}`, dataset: { id: reply.id } },
      h('div', { class: 'canned-item-main' },
        h('p', { class: 'canned-item-top' }, h('code', { class: 'canned-item-shortcut' }, `/${reply.shortcut}`), ' ', h('span', { class: 'canned-item-title' }, reply.title)),
        h('p', { class: 'canned-item-content' }, reply.content)),
      actions);
  }

  // --- the form ---------------------------------------------------------------------------

  #openForm(reply) {
    const { el } = this;
    this.editing = reply;
    this.clearErrors();
    el.shortcut.value = reply?.shortcut || '';
    el.title.value = reply?.title || '';
    el.content.value = reply?.content || '';
    el.formTitle.textContent = reply ? `Edit /${reply.shortcut}` : 'Add a reply';
    el.save.textContent = reply ? 'Save' : 'Add reply';
    el.form.hidden = false;
    this.render();
    el.shortcut.focus();
  }

  async #save() {
    const { el, fields } = this;
    this.clearErrors();
    const values = { shortcut: el.shortcut.value, title: el.title.value, content: el.content.value };
    const problem = replyProblem(values);
    if (problem) return fieldError(fields[problem.field], problem.text);
    const reply = this.editing;
    const body = reply ? replyPatch(reply, values)
      : { shortcut: normalShortcut(values.shortcut), title: values.title.trim(), content: values.content, scope: this.scope };
    try {
      if (!reply || Object.keys(body).length) {
        await busy(el.save, 'Saving…', () => (reply ? this.api.updateCannedReply(reply.id, body) : this.api.createCannedReply(body)));
      }
      this.toast(reply ? `Saved /${normalShortcut(values.shortcut)}.` : `Added /${normalShortcut(values.shortcut)}.`);
      this.closeForm();
      await this.changed(reply);
    } catch (err) {
      this.refused(err, {
        fields: { shortcut: { input: fields.shortcut, label: 'Shortcut' }, title: { input: fields.title, label: 'Title' }, content: { input: fields.content, label: 'Text' } },
        codes: { shortcut_taken: { text: `${err.detail} Choose another shortcut.`, input: fields.shortcut } },
        fallback: "Couldn't save the reply.",
      });
    }
    return null;
  }

  async #delete(reply) {
    const sure = await confirmDialog({
      title: `Delete /${reply.shortcut}?`,
      text: `“${reply.title}” can no longer be inserted${this.scope === 'team' ? ' by anyone on the team' : ''}. This can't be undone.`,
      ok: 'Delete',
    });
    if (!sure) return;
    try {
      await this.api.deleteCannedReply(reply.id);
      if (this.editing?.id === reply.id) this.closeForm();
      this.toast(`Deleted /${reply.shortcut}.`);
      await this.changed();
    } catch (err) {
      if (signedOut(err)) return;
      this.el.state.textContent = explain(err, { fallback: "Couldn't delete the reply." }).text;
    }
  }
}
