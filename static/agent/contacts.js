// The Contacts page (#contacts, for every agent): find a customer by the
// start of their name, e-mail or the shop's customer id
// (GET /api/v1/agent/contacts?q=), most recently seen first, "Load more"
// further back (before = last_seen_at of the last one), and one contact
// (#contacts/<id>) as the panel beside a chat shows it. Admins also export a
// contact's data (a .json download) and erase a contact for good.

import { ApiError } from '../js/api.js';
import { $, clear, h, hueFor, icon, initials } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { setMain } from './chrome.js';
import { confirmDialog } from './confirm.js';
import { contactCard, trustMark } from './contactcard.js';
import { ContactPages, exportName } from './contactpages.js';
import { contactName } from './convinfo.js';
import { busy, explain, signedOut } from './forms.js';
import { contactHref } from './routes.js';
import { lastSeen } from './team.js';

const SEARCH_DELAY_MS = 250; // typing pauses this long before the search is sent

export class ContactsView {
  /**
   * @param {{api, me: () => object|null, toast, editor, onOpenConversation: (id) => void, onErased: (contactId) => void}} deps
   *   editor: the "Edit contact" dialog (contactedit.js); onOpenConversation: show that chat in the
   *   conversation view; onErased: an admin erased a contact (its chats leave the lists).
   */
  constructor({ api, me, toast, editor, onOpenConversation, onErased }) {
    Object.assign(this, { api, me, toast, editor, onOpenConversation, onErased });
    this.pages = new ContactPages((params) => this.api.contacts(params));
    this.shown = false;
    this.id = null; // the contact open on the page
    this.detail = null; // {contact, conversations} of `id`
    this.detailState = '';
    this.listState = '';
    this.timer = null;
    this.el = {
      view: $('contacts-view'), title: $('contacts-title'), form: $('contacts-search'), q: $('contacts-q'),
      state: $('contacts-state'), results: $('contacts-results'), more: $('contacts-more'), moreButton: $('contacts-more-button'),
      detailTitle: $('contacts-detail-title'), detailState: $('contacts-detail-state'), body: $('contacts-detail-body'), none: $('contacts-none'),
    };
    const { el } = this;
    el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#search();
    });
    el.q.addEventListener('input', () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.#search(), SEARCH_DELAY_MS);
    });
    el.moreButton.addEventListener('click', () => this.#more());
    editor.onSaved((contact) => this.#changed(contact));
  }

  /** Shows the page with contact `where.id` open (null: the list alone), or hides it (null). */
  show(where) {
    const { el } = this;
    const open = Boolean(where);
    const wasShown = this.shown;
    el.view.hidden = !open;
    this.shown = open;
    if (!open) return;
    setMain('contacts-view');
    if (!wasShown) this.#search(); // fresh on every visit
    if (where.id !== this.id || !wasShown) this.#open(where.id);
    el.view.dataset.detail = where.id ? 'contact' : 'none';
    if (!wasShown) {
      el.view.scrollTop = 0;
      (where.id ? el.detailTitle : el.title).focus({ preventScroll: true });
    }
  }

  /** Signed out: forget every contact shown, and the search. */
  forget() {
    clearTimeout(this.timer);
    this.pages.reset();
    this.el.q.value = '';
    this.id = null;
    this.detail = null;
    this.detailState = '';
    this.listState = '';
    this.#renderList();
    this.#renderDetail();
  }

  // --- the list ----------------------------------------------------------------------

  async #search() {
    clearTimeout(this.timer);
    this.listState = this.pages.items.length ? this.listState : 'Loading contacts…';
    this.#renderList();
    try {
      if (await this.pages.search(this.el.q.value)) this.listState = '';
    } catch (err) {
      if (signedOut(err)) return;
      this.listState = explain(err, { fallback: "Couldn't load the contacts." }).text;
    }
    this.#renderList();
  }

  async #more() {
    const count = this.pages.items.length;
    const fromButton = document.activeElement === this.el.moreButton;
    const loading = this.pages.more();
    this.#renderList();
    try {
      await loading;
    } catch (err) {
      if (!signedOut(err)) this.toast(explain(err, { fallback: "Couldn't load more contacts." }).text, 'error');
    }
    this.#renderList();
    // From the button (which may be gone now), keyboard users go on at the first contact that came in.
    if (fromButton && this.pages.items.length > count) this.el.results.children[count]?.querySelector('a')?.focus();
  }

  #renderList() {
    const { el, pages } = this;
    const { items, query } = pages;
    let state = this.listState;
    if (!state && pages.loaded && !items.length) {
      state = query ? `No contact's name, e-mail or customer id starts with “${query}”.` : 'No contacts yet. Everyone who chats appears here.';
    } else if (!state && pages.loaded) {
      state = `${items.length}${pages.hasMore ? '+' : ''} ${items.length === 1 ? 'contact' : 'contacts'}${query ? ` starting with “${query}”` : ''}`;
    }
    el.state.textContent = state;
    clear(el.results).append(...items.map((c) => this.#item(c)));
    el.more.hidden = !pages.hasMore;
    el.moreButton.disabled = pages.loading === 'more';
    el.moreButton.textContent = pages.loading === 'more' ? 'Loading…' : 'Load more';
  }

  #item(contact) {
    const name = contactName(contact);
    const avatar = h('span', { class: `avatar contact-avatar${contact.name ? '' : ' anonymous'}`, 'aria-hidden': 'true' },
      contact.name ? initials(contact.name) : icon('person', { size: 18 }));
    if (contact.name) avatar.style.setProperty('--hue', String(hueFor(contact.name)));
    const selected = contact.id === this.id;
    const count = contact.conversations_count ?? 0;
    return h('li', { dataset: { id: contact.id } },
      h('a', { class: `contact-item${selected ? ' selected' : ''}`, href: contactHref(contact.id), 'aria-current': selected ? 'page' : null }, avatar,
        h('span', { class: 'contact-item-main' },
          h('span', { class: 'contact-item-top' },
            h('span', { class: 'contact-item-name' }, name),
            contact.verified ? trustMark(contact) : null),
          h('span', { class: 'contact-item-email' }, contact.email || 'No e-mail'),
          h('span', { class: 'contact-item-meta' },
            `${count} ${count === 1 ? 'conversation' : 'conversations'} · `,
            h('span', { title: fullDate(contact.last_seen_at) }, `seen ${lastSeen(contact.last_seen_at).toLowerCase()}`)))));
  }

  // --- one contact --------------------------------------------------------------------

  async #open(id) {
    this.id = id;
    this.detail = null;
    this.detailState = id ? 'Loading the contact…' : '';
    this.#renderDetail();
    this.#renderList();
    if (!id) return;
    try {
      const detail = await this.api.contact(id);
      if (this.id !== id) return;
      this.detail = detail;
      this.detailState = '';
      this.pages.update(detail.contact);
    } catch (err) {
      if (this.id !== id || signedOut(err)) return;
      this.detailState = explain(err, {
        codes: { contact_not_found: 'This contact does not exist (any more): it may have been erased.' },
        fallback: "Couldn't load the contact.",
      }).text;
    }
    this.#renderDetail();
    this.#renderList();
  }

  #renderDetail(refocus = null) {
    const { el, detail } = this;
    el.detailState.textContent = this.detailState;
    el.none.hidden = Boolean(this.id);
    if (!detail) {
      clear(el.body);
      return;
    }
    const { contact } = detail;
    const admin = this.me()?.role === 'admin';
    const name = contactName(contact);
    clear(el.body).append(contactCard(detail, {
      level: 2,
      headingId: 'contacts-detail-name',
      me: this.me()?.id,
      agentName: () => null,
      onOpen: (conv) => this.onOpenConversation(conv.id),
      actions: [
        h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'edit' }, 'aria-label': `Edit the name or e-mail of ${name}`,
          on: { click: () => this.editor.open(contact) } }, 'Edit'),
        admin ? h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'export' }, 'aria-label': `Export the data of ${name}`,
          on: { click: (event) => this.#export(contact, event.currentTarget) } }, 'Export') : null,
        admin ? h('button', { class: 'btn danger small', type: 'button', dataset: { action: 'erase' }, 'aria-label': `Erase ${name}`,
          on: { click: () => this.#erase(contact) } }, 'Erase…') : null,
      ].filter(Boolean),
    }));
    if (refocus) el.body.querySelector(`[data-action="${refocus}"]`)?.focus({ preventScroll: true });
  }

  #changed(contact) {
    this.pages.update(contact);
    this.#renderList();
    if (this.detail?.contact.id === contact.id) {
      this.detail = { ...this.detail, contact: { ...this.detail.contact, ...contact } };
      this.#renderDetail(this.shown ? 'edit' : null);
    }
  }

  // --- admins: export, erase ----------------------------------------------------------

  async #export(contact, button) {
    try {
      const data = await busy(button, 'Exporting…', () => this.api.admin.exportContact(contact.id));
      const blob = new Blob([JSON.stringify(data, null, 2)], { type: 'application/json' });
      const url = URL.createObjectURL(blob);
      const link = h('a', { href: url, download: exportName(contact), hidden: true });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
      this.toast(`Downloaded ${link.download}.`);
    } catch (err) {
      if (!signedOut(err)) this.toast(explain(err, { codes: { contact_not_found: 'This contact was erased meanwhile.' }, fallback: "Couldn't export the contact." }).text, 'error');
    }
  }

  async #erase(contact) {
    const name = contact.name || contact.email || contact.external_id || 'this anonymous visitor';
    const count = contact.conversations_count ?? this.detail?.conversations?.length ?? 0;
    const sure = await confirmDialog({
      title: `Erase ${name}?`,
      text: `${name}${contact.email && contact.name ? ` (${contact.email})` : ''} and ${count === 1 ? 'their conversation' : `all ${count} of their conversations`}, `
        + 'with every message, are deleted for good, and any chat of theirs that is open ends. This cannot be undone.',
      ok: 'Erase for good',
    });
    if (!sure) return;
    try {
      await this.api.admin.eraseContact(contact.id);
    } catch (err) {
      if (signedOut(err)) return;
      if (!(err instanceof ApiError && err.code === 'contact_not_found')) {
        this.toast(explain(err, { fallback: "Couldn't erase the contact." }).text, 'error');
        return;
      }
    }
    this.pages.remove(contact.id);
    this.onErased(contact.id);
    this.toast(`Erased ${name}.`);
    if (this.id === contact.id) location.hash = '#contacts';
    this.#renderList();
    this.el.q.focus();
  }
}
