// Settings → Sign-in: the identity secrets a shop signs its customers' tokens
// with (GET/POST/DELETE /api/v1/admin/identity/secrets; at most two, so a shop
// can change secrets without downtime), a new secret shown once — and taken
// off the page as soon as the admin leaves the section — and whether a bare
// customer id may sign a customer in unverified (`identity.allow_unverified_ids`).

import { ApiError } from '../js/api.js';
import { $, clear, h } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { confirmDialog } from './confirm.js';
import { busy, copyField, explain, loadSettings, onSubmit, saveSettings, showError, signedOut } from './forms.js';

export const MAX_SECRETS = 2;

const LIMIT_TEXT = 'You have two secrets, the most there can be. Delete the one your shop no longer signs with, then create the new one.';

export class SignIn {
  /** @param {{api, store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ api, store, toast }) {
    Object.assign(this, { api, store, toast });
    this.secrets = null;
    this.el = {
      create: $('secret-create'), state: $('secrets-state'), list: $('secrets-list'), limit: $('secrets-limit'),
      created: $('secret-created'), createdTitle: $('secret-created-title'), kid: $('secret-kid'), value: $('secret-value'),
      copy: $('secret-copy'), done: $('secret-done'), error: $('secrets-error'),
      form: $('unverified-form'), unsupported: $('unverified-unsupported'), allow: $('allow-unverified'),
      formError: $('unverified-error'), save: $('unverified-save'),
    };
    const { el } = this;
    el.create.addEventListener('click', () => this.#create());
    el.copy.addEventListener('click', () => copyField(el.value, { toast, done: 'Copied the secret. Keep it on your shop’s server.' }));
    el.done.addEventListener('click', () => {
      this.leave();
      el.create.focus();
    });
    onSubmit(el.form, () => this.#saveUnverified());
  }

  async show() {
    const { el } = this;
    showError(el.error, '');
    this.#loadSecrets();
    await loadSettings(this.store, { form: el.form, error: el.formError }, (settings) => {
      const value = settings.identity?.allow_unverified_ids;
      const supported = typeof value === 'boolean';
      el.unsupported.hidden = supported;
      el.allow.disabled = el.save.disabled = !supported;
      el.allow.checked = value === true;
    });
  }

  /** Off the page with the new secret: it is shown once, to whoever was there when it was made. */
  leave() {
    const { el } = this;
    el.value.value = '';
    el.kid.value = '';
    el.created.hidden = true;
  }

  // --- secrets ------------------------------------------------------------------------

  async #loadSecrets() {
    const { el } = this;
    if (!this.secrets) el.state.textContent = 'Loading the secrets…';
    try {
      this.secrets = (await this.api.admin.identitySecrets()).items;
      el.state.textContent = '';
    } catch (err) {
      if (signedOut(err)) return;
      el.state.textContent = err instanceof ApiError && err.status === 404 && err.code !== 'secret_not_found'
        ? 'This server does not sign customers in yet.' : explain(err, { fallback: "Couldn't load the secrets." }).text;
    }
    this.#render();
  }

  #render() {
    const { el } = this;
    const secrets = this.secrets || [];
    clear(el.list).append(...secrets.map((s) => h('li', { class: 'secret', dataset: { id: s.id } },
      h('div', { class: 'secret-main' },
        h('p', { class: 'secret-name' }, h('code', {}, `…${s.last4}`)),
        h('p', { class: 'secret-meta' }, 'Key id ', h('code', { class: 'secret-id' }, s.id), ` · created ${fullDate(s.created_at)}`)),
      h('button', { class: 'btn danger small', type: 'button', 'aria-label': `Delete the secret ending in ${s.last4}`, dataset: { action: 'delete' },
        on: { click: () => this.#delete(s) } }, 'Delete'))));
    if (this.secrets && !secrets.length) el.list.append(h('li', { class: 'site-none' }, 'No secrets yet: create one to sign customers in.'));
    const full = secrets.length >= MAX_SECRETS;
    el.create.disabled = !this.secrets || full;
    el.limit.textContent = full ? 'Two secrets, the most there can be: delete one to create another.' : '';
    el.limit.hidden = !full;
  }

  async #create() {
    const { el } = this;
    showError(el.error, '');
    try {
      const made = await busy(el.create, 'Creating…', () => this.api.admin.createIdentitySecret());
      el.kid.value = made.id;
      el.value.value = made.secret;
      el.created.hidden = false;
      this.secrets = [{ id: made.id, last4: made.secret.slice(-4), created_at: made.created_at }, ...(this.secrets || []).filter((s) => s.id !== made.id)];
      this.#render();
      el.createdTitle.focus();
      this.#loadSecrets(); // the server's own view (last4 as it counts it)
    } catch (err) {
      if (signedOut(err)) return;
      showError(el.error, explain(err, { codes: { secret_limit: LIMIT_TEXT }, fallback: "Couldn't create a secret." }).text);
      if (err instanceof ApiError && err.code === 'secret_limit') this.#loadSecrets();
    }
  }

  async #delete(secret) {
    const { el } = this;
    showError(el.error, '');
    const sure = await confirmDialog({
      title: `Delete the secret ending in ${secret.last4}?`,
      text: 'Tokens your shop signs with it stop working at once: customers can’t sign in to the chat with them. '
        + 'Switch your shop to the other secret first. This can’t be undone.',
      ok: 'Delete secret',
    });
    if (!sure) return;
    try {
      await this.api.admin.deleteIdentitySecret(secret.id);
      this.toast(`Deleted the secret ending in ${secret.last4}.`);
    } catch (err) {
      if (signedOut(err)) return;
      if (!(err instanceof ApiError && err.code === 'secret_not_found')) {
        showError(el.error, explain(err, { fallback: "Couldn't delete the secret." }).text);
        return;
      }
    }
    if (el.kid.value === secret.id) this.leave();
    this.secrets = (this.secrets || []).filter((s) => s.id !== secret.id);
    this.#render();
    el.create.focus();
    this.#loadSecrets();
  }

  // --- bare customer ids -------------------------------------------------------------

  async #saveUnverified() {
    const { el } = this;
    const allow = el.allow.checked;
    const before = this.store.get()?.identity?.allow_unverified_ids === true;
    if (allow && !before) {
      const sure = await confirmDialog({
        title: 'Let bare customer ids sign in?',
        text: 'Anyone who knows or guesses a customer id can then read that customer’s unverified chats. Do this only while moving over from a system whose customer ids are secret.',
        ok: 'Allow bare ids',
      });
      if (!sure) return;
    }
    await saveSettings(this.store, { error: el.formError, save: el.save }, { identity: { allow_unverified_ids: allow } }, {
      done: allow ? 'Saved: a bare customer id signs a customer in, unverified.' : 'Saved: only signed tokens sign customers in.',
      toast: this.toast,
      fields: { 'identity.allow_unverified_ids': { input: el.allow, label: 'Bare customer ids' } },
    });
  }
}
