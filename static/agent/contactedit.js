// "Edit contact", for every agent: corrects the name or e-mail a customer
// gave (PATCH /api/v1/agent/contacts/{id}). What the shop's sign-in set
// (an identity token) only the shop can change: the server says so with a
// 409 `verified_field`, which is put in plain words here. One dialog for the
// panel beside a chat and the Contacts page; whoever shows the contact hears
// of the change (onSaved) and draws it again.

import { $ } from '../js/dom.js';
import { busy, clearInvalid, explain, invalid, showError, signedOut } from './forms.js';

const LABELS = { name: 'The name', email: 'The e-mail' };

/** A plausible e-mail address (the server decides; this catches a typo before sending). */
export const looksLikeEmail = (text) => /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(text);

/**
 * What to send for the form's `values` ({name, email}, as typed) against `contact`:
 * {body} (only what changed; {} when nothing did), or {error, field}.
 */
export function contactPatch(contact, values) {
  const body = {};
  for (const field of ['name', 'email']) {
    const value = String(values[field] ?? '').trim();
    const before = contact[field] || '';
    if (value === before) continue;
    if (!value) return { error: `${LABELS[field]} can be corrected here, not removed.`, field };
    body[field] = value;
  }
  if ('email' in body && !looksLikeEmail(body.email)) return { error: "That doesn't look like an e-mail address.", field: 'email' };
  return { body };
}

/** The member a 409 `verified_field` is about: named at the start of its detail, else the one field sent. */
export function verifiedField(err, body) {
  const named = /^(name|email)\b/.exec(err?.detail || '')?.[1];
  if (named) return named;
  const sent = Object.keys(body);
  return sent.length === 1 ? sent[0] : null;
}

export class ContactEditor {
  /** @param {{api, toast}} deps */
  constructor({ api, toast }) {
    Object.assign(this, { api, toast });
    this.listeners = [];
    this.contact = null;
    this.el = {
      dialog: $('contact-dialog'), form: $('contact-form'), title: $('contact-dialog-title'), sub: $('contact-dialog-sub'),
      name: $('contact-name'), email: $('contact-email'), error: $('contact-error'), submit: $('contact-submit'),
    };
    $('contact-cancel').addEventListener('click', () => this.el.dialog.close());
    this.el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    });
  }

  /** `callback(contact)` after every save, until `signal` aborts (a session's panel goes with its session). */
  onSaved(callback, signal) {
    this.listeners.push(callback);
    signal?.addEventListener('abort', () => { this.listeners = this.listeners.filter((c) => c !== callback); });
  }

  open(contact) {
    const { el } = this;
    this.contact = contact;
    el.form.reset();
    clearInvalid(el.form);
    showError(el.error, '');
    el.title.textContent = contact.name ? `Edit ${contact.name}` : 'Edit contact';
    el.sub.textContent = contact.verified
      ? 'This customer signs in through your shop. What the sign-in gives (usually the name and e-mail) only your shop can change.'
      : 'Correct the name or e-mail this customer gave. Nobody vouched for them, so check before you rely on them.';
    el.name.value = contact.name || '';
    el.email.value = contact.email || '';
    el.dialog.showModal();
    el.name.focus();
  }

  async #submit() {
    const { el, contact } = this;
    clearInvalid(el.form);
    const input = { name: el.name, email: el.email };
    const { body, error, field } = contactPatch(contact, { name: el.name.value, email: el.email.value });
    if (error) {
      showError(el.error, error);
      return invalid(input[field]);
    }
    if (!Object.keys(body).length) return el.dialog.close();
    showError(el.error, '');
    try {
      const saved = await busy(el.submit, 'Saving…', () => this.api.updateContact(contact.id, body));
      el.dialog.close();
      this.toast(`Saved ${saved.name || 'the contact'}.`);
      for (const callback of this.listeners) callback(saved);
    } catch (err) {
      if (signedOut(err)) return;
      const which = err?.code === 'verified_field' ? verifiedField(err, body) : null;
      const { text, input: at } = explain(err, {
        fields: { name: { input: el.name, label: 'Name' }, email: { input: el.email, label: 'E-mail' } },
        codes: {
          verified_field: {
            text: `${which ? LABELS[which] : 'That'} comes from your shop's sign-in, so only your shop can change it. `
              + 'It is updated the next time the customer signs in.',
            input: which ? input[which] : null,
          },
          invalid_email: { text: "That doesn't look like an e-mail address.", input: el.email },
          contact_not_found: 'This contact was erased meanwhile.',
        },
        fallback: "Couldn't save the contact.",
      });
      showError(el.error, text);
      if (at) invalid(at);
    }
  }
}
