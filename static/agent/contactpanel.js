// Beside the open chat: who it is with (GET /api/v1/agent/contacts/{id}) —
// name, e-mail, whether the shop's sign-in vouched for them, the shop's
// customer id — and their other conversations, any of which opens in the
// conversation view (a closed one is read-only there). "Edit" corrects an
// unverified name or e-mail (contactedit.js). On smaller screens the panel
// waits behind the chat header's "Contact" button and takes the chat's place.

import { ApiError } from '../js/api.js';
import { $, clear, h } from '../js/dom.js';
import { contactCard, conversationsOf } from './contactcard.js';
import { contactHref } from './routes.js';

export class ContactPanel {
  /**
   * @param {{api, inbox, me, editor, signal, onOpen: (conversationId) => void, onChange: () => void}} deps
   *   editor: the ContactEditor (its saves reach this panel until `signal` aborts);
   *   onOpen: show that conversation; onChange: the lists and header need drawing again.
   */
  constructor({ api, inbox, me, editor, signal, onOpen, onChange }) {
    Object.assign(this, { api, inbox, me, editor, onOpen, onChange });
    this.key = null; // "<conversation id>|<contact id>" the panel shows
    this.data = null; // {contact, conversations}
    this.state = ''; // what the panel says instead of the contact (loading, an error)
    this.open = false; // behind the toggle (smaller screens): shown instead of the chat
    this.sig = '';
    this.focusNext = null; // what to focus once the card is drawn again
    this.editing = false; // this panel opened the editor (its save brings focus back to "Edit")
    this.el = {
      pane: $('pane'), panel: $('contact-panel'), toggle: $('contact-toggle'), back: $('contact-panel-back'),
      title: $('contact-panel-title'), status: $('contact-panel-state'), body: $('contact-panel-body'),
    };
    this.el.toggle.addEventListener('click', () => this.setOpen(!this.open, { focus: true }), { signal });
    this.el.back.addEventListener('click', () => this.setOpen(false, { focus: true }), { signal });
    editor.onSaved((contact) => this.contactChanged(contact), signal);
  }

  /** The open conversation now (null: none): follow its contact, loading it when it changed. */
  sync(conv) {
    const contactId = conv?.contact?.id || null;
    const key = conv && contactId ? `${conv.id}|${contactId}` : null;
    if (conv?.id !== this.key?.split('|')[0]) this.setOpen(false);
    if (key !== this.key) {
      this.key = key;
      // Between two chats of one contact (the next one still loading) the card stays.
      if (contactId && this.data?.contact.id !== contactId) this.data = null;
      if (key) this.#load(key, contactId);
    }
    this.render(conv);
  }

  async #load(key, contactId) {
    this.state = this.data ? '' : 'Loading the contact…';
    try {
      const data = await this.api.contact(contactId);
      if (this.key !== key) return;
      this.data = data;
      this.state = '';
    } catch (err) {
      if (this.key !== key || (err instanceof ApiError && err.status === 401)) return;
      this.data = null;
      this.state = err instanceof ApiError && err.code === 'contact_not_found' ? 'This contact was erased.'
        : err instanceof ApiError && err.status === 0 ? "Can't reach the server to load the contact." : "Couldn't load the contact.";
    }
    this.onChange();
  }

  /** Shows the panel instead of the chat (smaller screens; wide ones always show both). */
  setOpen(open, { focus = false } = {}) {
    this.open = open;
    this.el.pane.dataset.contact = open ? 'open' : 'closed';
    this.el.toggle.setAttribute('aria-expanded', String(open));
    if (focus) (open ? this.el.title : this.el.toggle).focus({ preventScroll: true });
  }

  /** Someone saved a contact (this panel's "Edit" or the Contacts page). */
  contactChanged(contact) {
    this.inbox.contactChanged(contact);
    if (this.data?.contact.id === contact.id) this.data = { ...this.data, contact: { ...this.data.contact, ...contact } };
    if (this.editing) this.focusNext = 'edit';
    this.editing = false;
    this.onChange();
  }

  /** Signed out, or the session ended. */
  reset() {
    this.key = null;
    this.data = null;
    this.sig = '';
    this.setOpen(false);
    clear(this.el.body);
    this.el.panel.hidden = true;
    this.el.toggle.hidden = true;
  }

  #edit(contact) {
    this.editing = true;
    this.editor.open(contact);
    // The close event comes after a save's onSaved (it is queued): cancelling ends the edit too.
    this.editor.el.dialog.addEventListener('close', () => { this.editing = false; }, { once: true });
  }

  render(conv) {
    const { el } = this;
    const shown = Boolean(this.key && conv);
    el.panel.hidden = !shown;
    el.toggle.hidden = !shown;
    if (!shown) return;
    el.status.textContent = this.state;
    const data = this.data;
    const live = (id) => (id === conv.id ? conv : null);
    const conversations = data ? conversationsOf(data.conversations, live) : [];
    // Drawn again only when something it shows changed, so focus and scrolling stay put.
    const sig = data ? JSON.stringify([data.contact, conv.id, conversations.map((c) => [c.id, c.status, c.assigned_agent_id, c.last_message?.id])]) : '';
    if (sig === this.sig) return;
    this.sig = sig;
    if (!data) {
      clear(el.body);
      return;
    }
    const focused = el.body.contains(document.activeElement) ? document.activeElement : null;
    const refocus = this.focusNext || (focused && (focused.id === 'contact-panel-name' ? 'heading'
      : focused.dataset.action || (focused.dataset.id && `id:${focused.dataset.id}`)));
    this.focusNext = null;
    const { contact } = data;
    clear(el.body).append(contactCard({ contact, conversations }, {
      level: 3,
      headingId: 'contact-panel-name',
      me: this.me.id,
      agentName: (id) => this.inbox.agentName(id),
      current: conv.id,
      onOpen: (c) => {
        this.focusNext = 'heading';
        this.onOpen(c.id);
      },
      actions: [
        h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'edit' }, 'aria-label': 'Edit the name or e-mail',
          on: { click: () => this.#edit(contact) } }, 'Edit'),
        h('a', { class: 'btn ghost small', href: contactHref(contact.id), dataset: { action: 'page' } }, 'Open in Contacts'),
      ],
    }));
    // Beside the chat the panel stays and its heading takes focus; instead of it (smaller screens), the toggle.
    if (refocus === 'heading') (el.panel.offsetParent ? $('contact-panel-name') : el.toggle).focus({ preventScroll: true });
    else if (refocus?.startsWith('id:')) el.body.querySelector(`[data-id="${CSS.escape(refocus.slice(3))}"]`)?.focus({ preventScroll: true });
    else if (refocus) el.body.querySelector(`[data-action="${refocus}"]`)?.focus({ preventScroll: true });
  }
}
