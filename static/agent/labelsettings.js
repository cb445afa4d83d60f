// Settings → "Labels" (admins): the team's labels, each a name (1–40
// characters, unique ignoring case) and a colour, with a chip that shows how
// it looks on a chat. Add, rename or recolour (a form beside the list, with a
// colour picker), delete after a confirmation (the label comes off every
// conversation). What the server refuses (label_taken, invalid_label) is said
// under the field it is about; the limit of labels (label_limit) under the form.
// Every change is read again into the console's one LabelStore (labels.js), so
// the lists, the chat header and search follow at once.

import { $, clear, h } from '../js/dom.js';
import { hexColor, pairColor } from './appearance.js';
import { confirmDialog } from './confirm.js';
import { busy, errorField, explain, fieldError, signedOut } from './forms.js';
import { ListSettings } from './listsettings.js';
import { labelChip } from './labels.js';

export const NAME_MAX = 40;
export const LABELS_MAX = 100;

// New labels take the next of these (any colour may be chosen).
const PALETTE = ['#3056d3', '#137440', '#c0362c', '#9a5b00', '#7b3fb8', '#0f766e', '#b4236b', '#475569'];

/** What is wrong with the form before asking the server: {field: 'name'|'color', text} or null. */
export function labelProblem({ name, color }) {
  const n = [...name.trim()].length;
  if (!n) return { field: 'name', text: 'Name: give the label a name.' };
  if (n > NAME_MAX) return { field: 'name', text: `Name: at most ${NAME_MAX} characters (this has ${n}).` };
  if (!/^#?[0-9a-f]{6}$/i.test(color.trim())) return { field: 'color', text: 'Colour: a colour like #1a56db.' };
  return null;
}

/** The body to send: all of it for a new label, what changed for an existing one ({} when nothing did). */
export function labelBody(label, { name, color }) {
  const next = { name: name.trim(), color: hexColor(color) };
  if (!label) return next;
  const patch = {};
  if (next.name !== label.name) patch.name = next.name;
  if (next.color !== label.color) patch.color = next.color;
  return patch;
}

export class LabelSettings extends ListSettings {
  /** @param {{api, store: import('./labels.js').LabelStore, toast}} deps */
  constructor({ api, store, toast }) {
    super({ store, loading: 'Loading the labels…', failed: "Couldn't load the labels." });
    Object.assign(this, { api, toast });
    this.#build($('section-labels'));
  }

  render() {
    const { el } = this;
    const items = this.store.items || [];
    el.none.hidden = items.length > 0 || !this.store.items;
    el.count.textContent = this.store.items ? `${items.length} of ${LABELS_MAX} labels.` : '';
    el.add.disabled = items.length >= LABELS_MAX;
    clear(el.list).append(...items.map((label) => this.#item(label)));
  }

  // --- the page -------------------------------------------------------------------------

  #build(section) {
    this.el = {
      add: h('button', { class: 'btn primary', type: 'button', id: 'label-new', on: { click: () => this.#openForm(null) } }, 'Add label'),
      state: h('p', { class: 'set-state', role: 'status' }),
      none: h('p', { class: 'set-state' }, 'No labels yet. Add words your team uses about chats, like refund or VIP.'),
      count: h('p', { class: 'hint', id: 'labels-count' }),
      list: h('ul', { class: 'label-items', id: 'label-list', 'aria-labelledby': 'labels-title' }),
      formTitle: h('h3', { id: 'label-form-title', tabindex: '-1' }, 'Add a label'),
      name: h('input', { id: 'label-name', name: 'name', autocomplete: 'off', 'aria-describedby': 'label-name-error label-name-hint' }),
      picker: h('input', { id: 'label-color-picker', type: 'color', 'aria-label': 'Pick a colour', value: PALETTE[0] }),
      color: h('input', { id: 'label-color', name: 'color', maxlength: '7', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', 'aria-describedby': 'label-color-error label-color-hint' }),
      preview: h('span', { class: 'label-preview', id: 'label-preview' }),
      error: h('p', { class: 'form-error', id: 'label-error', role: 'alert', hidden: true }),
      save: h('button', { class: 'btn primary', type: 'submit', id: 'label-save' }, 'Add label'),
    };
    const { el } = this;
    pairColor(el.picker, el.color);
    el.form = h('form', {
      class: 'card form label-form', id: 'label-form', novalidate: true, hidden: true, 'aria-labelledby': 'label-form-title',
      on: { submit: (event) => { event.preventDefault(); this.#save(); }, input: () => this.#preview() },
    },
    el.formTitle,
    errorField('Name', el.name, el.name, h('p', { class: 'hint', id: 'label-name-hint' }, `Up to ${NAME_MAX} characters; no two labels alike, whatever the case.`)),
    errorField('Colour', el.color,
      h('div', { class: 'color-pair' }, el.picker, el.color),
      h('p', { class: 'hint', id: 'label-color-hint' }, 'Like #1a56db. The name is written in white or black on it, whichever reads better.')),
    h('div', { class: 'label-preview-row' }, h('span', { class: 'hint' }, 'On a chat:'), el.preview),
    el.error,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn ghost', type: 'button', id: 'label-cancel', on: { click: () => this.closeForm(true) } }, 'Cancel'),
      el.save));
    section.append(
      h('div', { class: 'set-head' },
        h('div', {},
          h('h2', { id: 'labels-title' }, 'Labels'),
          h('p', { class: 'set-sub' }, 'The team’s words about a conversation, like refund or VIP. Every agent can put them on chats, filter the lists and search by them; customers never see them.')),
        el.add),
      h('div', { class: 'set-columns' },
        h('div', { class: 'set-main' }, el.state, el.none, el.list, el.count),
        h('div', { class: 'set-aside' }, el.form)));
    this.fields = { name: el.name, color: el.color };
  }

  #item(label) {
    return h('li', { class: `label-item${this.editing?.id === label.id ? ' editing' : ''}`, dataset: { id: label.id } },
      labelChip(label),
      h('code', { class: 'label-item-color' }, label.color),
      h('div', { class: 'label-actions' },
        h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Edit the label ${label.name}`, dataset: { action: 'edit' }, on: { click: () => this.#openForm(label) } }, 'Edit'),
        h('button', { class: 'btn danger small', type: 'button', 'aria-label': `Delete the label ${label.name}`, dataset: { action: 'delete' }, on: { click: () => this.#delete(label) } }, 'Delete')));
  }

  // --- the form ---------------------------------------------------------------------------

  #openForm(label) {
    const { el } = this;
    this.editing = label;
    this.clearErrors();
    const color = label?.color || PALETTE[(this.store.items?.length || 0) % PALETTE.length];
    el.name.value = label?.name || '';
    el.color.value = color;
    el.picker.value = color;
    el.formTitle.textContent = label ? `Edit the label ${label.name}` : 'Add a label';
    el.save.textContent = label ? 'Save' : 'Add label';
    el.form.hidden = false;
    this.#preview();
    this.render();
    el.name.focus();
  }

  // The chip as it will look, while the name and colour are typed.
  #preview() {
    const { el } = this;
    const name = el.name.value.trim() || 'Label';
    clear(el.preview).append(labelChip({ id: 'preview', name, color: hexColor(el.color.value) || el.picker.value }));
  }

  async #save() {
    const { el, fields } = this;
    this.clearErrors();
    const values = { name: el.name.value, color: el.color.value };
    const problem = labelProblem(values);
    if (problem) return fieldError(fields[problem.field], problem.text);
    const label = this.editing;
    const body = labelBody(label, values);
    try {
      let saved = label;
      if (!label || Object.keys(body).length) {
        saved = await busy(el.save, 'Saving…', () => (label ? this.api.admin.updateLabel(label.id, body) : this.api.admin.createLabel(body)));
      }
      this.toast(label ? `Saved the label ${saved.name}.` : `Added the label ${saved.name}.`);
      this.closeForm();
      await this.changed(saved);
    } catch (err) {
      this.refused(err, {
        fields: { name: { input: fields.name, label: 'Name' }, color: { input: fields.color, label: 'Colour' } },
        codes: {
          label_taken: { text: `Name: ${err.detail} Choose another name.`, input: fields.name },
          label_limit: `There are ${LABELS_MAX} labels already, the most there may be. Delete one you no longer use first.`,
          label_not_found: 'This label was deleted meanwhile.',
        },
        fallback: "Couldn't save the label.",
      });
      if (err.code === 'label_not_found') this.store.reload().catch(() => {});
    }
    return null;
  }

  async #delete(label) {
    const sure = await confirmDialog({
      title: `Delete the label ${label.name}?`,
      text: `It comes off every conversation that has it, for every agent, and no search or list finds chats by it any more. This can't be undone.`,
      ok: 'Delete label',
    });
    if (!sure) return;
    try {
      await this.api.admin.deleteLabel(label.id);
      this.toast(`Deleted the label ${label.name}.`);
    } catch (err) {
      if (signedOut(err)) return;
      if (err.code !== 'label_not_found') {
        this.el.state.textContent = explain(err, { fallback: "Couldn't delete the label." }).text;
        return;
      }
    }
    if (this.editing?.id === label.id) this.closeForm();
    await this.changed();
  }
}
