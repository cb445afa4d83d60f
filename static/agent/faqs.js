// Settings → FAQs: every FAQ in order (GET /api/v1/admin/faqs, disabled ones
// too), reordering (PATCH `position` of the two swapped FAQs), enable/disable,
// delete after a confirmation, the form (faqform.js) and the quick-reply
// preview beside it, which follows the form as the admin types.

import { $, clear, h, icon } from '../js/dom.js';
import { confirmDialog } from './confirm.js';
import { FaqForm } from './faqform.js';
import { explain, signedOut } from './forms.js';
import { drawQuickReplies } from './preview.js';

export class FaqEditor {
  /** @param {{api, store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ api, store, toast }) {
    Object.assign(this, { api, store, toast });
    this.faqs = [];
    this.busy = false;
    this.el = { list: $('faq-list'), state: $('faq-state'), preview: $('qr-preview') };
    this.form = new FaqForm({
      api, toast,
      onSaved: (faq, created) => this.#saved(faq, created),
      onInput: () => this.preview(),
      onClose: () => { this.render(); this.preview(); },
    });
    $('faq-new').addEventListener('click', () => { this.form.open(null); this.render(); });
    store.onChange(() => this.preview());
  }

  async show() {
    if (!this.faqs.length) this.el.state.textContent = 'Loading the FAQs…';
    try {
      const [{ items }] = await Promise.all([this.api.admin.faqs(), this.store.load()]);
      this.faqs = items;
      this.el.state.textContent = items.length ? '' : 'No FAQs yet. Add the questions your shoppers ask most.';
    } catch (err) {
      if (!signedOut(err)) this.el.state.textContent = explain(err, { fallback: "Couldn't load the FAQs." }).text;
    }
    this.render();
    this.preview();
  }

  render() {
    const editing = this.form.isOpen ? this.form.faq?.id || 'new' : null;
    clear(this.el.list).append(...this.faqs.map((faq, i) => this.#item(faq, i, editing)));
  }

  #item(faq, i, editing) {
    const q = faq.question;
    const last = i === this.faqs.length - 1;
    const moveButton = (dir, label, name, disabled) => h('button', {
      class: 'icon-btn', type: 'button', 'aria-label': `${label}: ${q}`, title: label, disabled: disabled || this.busy,
      dataset: { action: `move-${dir}` }, on: { click: () => this.move(i, dir === 'up' ? -1 : 1) },
    }, icon(name, { size: 18 }));
    return h('li', { class: `faq${faq.enabled ? '' : ' disabled'}${editing === faq.id ? ' editing' : ''}`, dataset: { id: faq.id, slug: faq.slug } },
      h('div', { class: 'faq-main' },
        h('div', { class: 'faq-top' },
          h('p', { class: 'faq-q' }, q),
          faq.enabled ? null : h('span', { class: 'badge', dataset: { tone: 'off' } }, 'Disabled')),
        h('p', { class: 'faq-a' }, faq.answer),
        h('p', { class: 'faq-meta' }, h('code', {}, faq.slug), faq.keywords.length ? ` · Keywords: ${faq.keywords.join(', ')}` : ' · No keywords')),
      h('div', { class: 'faq-side' },
        h('div', { class: 'faq-move' }, moveButton('up', 'Move up', 'up', i === 0), moveButton('down', 'Move down', 'down', last)),
        h('div', { class: 'faq-buttons' },
          h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Edit: ${q}`, dataset: { action: 'edit' },
            on: { click: () => { this.form.open(faq); this.render(); } } }, 'Edit'),
          h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `${faq.enabled ? 'Disable' : 'Enable'}: ${q}`,
            dataset: { action: 'toggle' }, disabled: this.busy, on: { click: () => this.toggle(faq) } }, faq.enabled ? 'Disable' : 'Enable'),
          h('button', { class: 'btn danger small', type: 'button', 'aria-label': `Delete: ${q}`, dataset: { action: 'delete' },
            disabled: this.busy, on: { click: () => this.remove(faq) } }, 'Delete'))));
  }

  /** The quick replies as a new chat would show them, with the form's current text. */
  preview() {
    const form = this.form.isOpen ? this.form.values() : null;
    const editingId = this.form.isOpen ? this.form.faq?.id || null : undefined;
    const questions = [];
    for (const faq of this.faqs) {
      if (form && faq.id === editingId) {
        if (form.enabled) questions.push({ text: form.question, current: true });
      } else if (faq.enabled) {
        questions.push({ text: faq.question });
      }
    }
    if (form && editingId === null && form.enabled) questions.push({ text: form.question, current: true });
    drawQuickReplies(this.el.preview, { settings: this.store.get(), questions });
  }

  #saved(faq, created) {
    const i = this.faqs.findIndex((f) => f.id === faq.id);
    if (i >= 0) this.faqs[i] = faq;
    else this.faqs.push(faq);
    this.faqs.sort((a, b) => a.position - b.position || a.slug.localeCompare(b.slug));
    this.el.state.textContent = '';
    this.render();
    this.preview();
    this.toast(created ? `Added “${faq.question}”.` : `Saved “${faq.question}”.`);
    this.el.list.querySelector(`li[data-id="${CSS.escape(faq.id)}"] [data-action="edit"]`)?.focus();
  }

  // Runs one change; on failure says why and reloads the list (it may have changed meanwhile).
  async #change(task, failure) {
    if (this.busy) return false;
    this.busy = true;
    this.render();
    try {
      await task();
      return true;
    } catch (err) {
      if (!signedOut(err)) {
        this.toast(explain(err, { fallback: failure, codes: { faq_not_found: 'Someone deleted that FAQ meanwhile.' } }).text, 'error');
        await this.show();
      }
      return false;
    } finally {
      this.busy = false;
      this.render();
      this.preview();
    }
  }

  /** Swaps FAQ `i` with its neighbour (`dir` -1 up, +1 down). */
  async move(i, dir) {
    const j = i + dir;
    const a = this.faqs[i];
    const b = this.faqs[j];
    if (!a || !b) return;
    const ok = await this.#change(async () => {
      if (a.position !== b.position) {
        const [pa, pb] = [a.position, b.position];
        Object.assign(a, await this.api.admin.updateFaq(a.id, { position: pb }));
        Object.assign(b, await this.api.admin.updateFaq(b.id, { position: pa }));
      } else {
        // Equal positions (made outside the console): number the whole list.
        const order = [...this.faqs];
        [order[i], order[j]] = [order[j], order[i]];
        for (const [k, faq] of order.entries()) {
          if (faq.position !== k) Object.assign(faq, await this.api.admin.updateFaq(faq.id, { position: k }));
        }
      }
      [this.faqs[i], this.faqs[j]] = [b, a];
    }, "Couldn't move the FAQ.");
    if (ok) {
      const item = this.el.list.querySelector(`li[data-id="${CSS.escape(a.id)}"]`);
      const button = item?.querySelector(`[data-action="move-${dir < 0 ? 'up' : 'down'}"]`);
      (button && !button.disabled ? button : item?.querySelector('[data-action="edit"]'))?.focus();
    }
  }

  async toggle(faq) {
    const ok = await this.#change(async () => {
      Object.assign(faq, await this.api.admin.updateFaq(faq.id, { enabled: !faq.enabled }));
    }, "Couldn't change the FAQ.");
    if (ok) {
      this.toast(faq.enabled ? `“${faq.question}” is offered again.` : `“${faq.question}” is no longer offered or matched.`);
      this.el.list.querySelector(`li[data-id="${CSS.escape(faq.id)}"] [data-action="toggle"]`)?.focus();
    }
  }

  async remove(faq) {
    const sure = await confirmDialog({
      title: 'Delete this FAQ?',
      text: `“${faq.question}” will no longer be offered or answered. This can't be undone.`,
      ok: 'Delete FAQ',
    });
    if (!sure) return;
    const ok = await this.#change(async () => {
      await this.api.admin.deleteFaq(faq.id);
      this.faqs = this.faqs.filter((f) => f.id !== faq.id);
      if (this.form.faq?.id === faq.id) this.form.close();
    }, "Couldn't delete the FAQ.");
    if (ok) {
      this.toast(`Deleted “${faq.question}”.`);
      $('faq-new').focus();
    }
  }
}
