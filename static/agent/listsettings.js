// What the Settings sections that keep a list share (the canned replies, the
// labels): the list read again on every visit (what others changed), a form
// beside it that adds or edits one item, refusals said under the field they
// are about (or under the form), and the focus back on the item's Edit button
// (or "Add") when the form closes. A section extends it and builds `el`
// ({state, list, add, form, error}), `fields` and render().

import { explain, fieldError, signedOut } from './forms.js';

export class ListSettings {
  /**
   * @param {{store: import('./store.js').ReadOnceStore, loading: string, failed: string}} texts
   *   loading / failed: what the section says while the list is read, and when it could not be.
   */
  constructor({ store, loading, failed }) {
    Object.assign(this, { store, loading, failed });
    this.editing = null; // the item in the form (null: a new one)
    this.shown = false;
    store.onChange(() => { if (this.shown) this.render(); });
  }

  async show() {
    this.shown = true;
    this.closeForm();
    this.el.state.textContent = this.store.items ? '' : this.loading;
    this.render();
    try {
      await this.store.reload();
      this.el.state.textContent = '';
    } catch (err) {
      if (!signedOut(err)) this.el.state.textContent = explain(err, { fallback: this.failed }).text;
    }
    this.render();
  }

  leave() {
    this.shown = false;
  }

  /** `back`: the focus goes back to the button that opened the form. */
  closeForm(back = false) {
    const was = this.editing;
    this.editing = null;
    this.el.form.hidden = true;
    this.clearErrors();
    if (!back) return;
    this.render();
    this.focusAfter(was);
  }

  /** The Edit button of `item` (none, or gone: "Add"). */
  focusAfter(item) {
    const edit = item && this.el.list.querySelector(`li[data-id="${CSS.escape(item.id)}"] [data-action="edit"]`);
    (edit || this.el.add).focus();
  }

  clearErrors() {
    this.el.error.hidden = true;
    for (const input of Object.values(this.fields || {})) fieldError(input, '');
  }

  /** Saved or deleted (`item`: the one to focus after, if it is still there): the list read again. */
  async changed(item = null) {
    await this.store.reload().catch(() => {});
    this.render();
    this.focusAfter(item);
  }

  /** A refused save, explained (explain()'s options) under its field or under the form. */
  refused(err, options) {
    if (signedOut(err)) return;
    const { text, input } = explain(err, options);
    if (input) {
      fieldError(input, text);
      return;
    }
    this.el.error.textContent = text;
    this.el.error.hidden = false;
  }
}
