// Settings → Integrations → API keys (admins; docs/API.md "API keys for the
// shop's systems"): the keys the shop's own systems call the API with, each a
// named integration that writes as the shop (its messages say "Order system ·
// integration"), never as a person. Create one (a name, the role agent or admin)
// and see its key once (shownonce.js); the list names each by its prefix, says
// when it was made and last used, and revokes it after a confirmation.

import { charCount } from '../js/limits.js';
import { clear, h } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { confirmDialog } from './confirm.js';
import { busy, errorField, explain, fieldError, signedOut } from './forms.js';
import { factList } from './facts.js';
import { ShownOnce } from './shownonce.js';
import { lastSeen } from './team.js';

export const NAME_MAX = 60;
export const KEYS_MAX = 50;

export const ROLES = [{ value: 'agent', text: 'Agent' }, { value: 'admin', text: 'Admin' }];

/** What is wrong with the form before asking the server: {field: 'name', text} or null. */
export function apiKeyProblem({ name }) {
  const n = charCount(String(name ?? '').trim());
  if (!n) return { field: 'name', text: 'Name: say which system uses it, like Order system.' };
  if (n > NAME_MAX) return { field: 'name', text: `Name: at most ${NAME_MAX} characters (this has ${n}).` };
  return null;
}

/** The body to send. */
export function apiKeyBody({ name, role }) {
  return { name: String(name).trim(), role: role === 'admin' ? 'admin' : 'agent' };
}

/** A key's facts for the list, in order: [[term, text, title?]]. */
export function keyFacts(key) {
  return [
    ['Key', `${key.prefix}…`],
    ['Created', fullDate(key.created_at)],
    key.revoked_at ? ['Revoked', fullDate(key.revoked_at)] : ['Last used', lastSeen(key.last_used_at), key.last_used_at ? fullDate(key.last_used_at) : null],
  ];
}

export class ApiKeySettings {
  /** @param {{api, toast, root: Element}} deps  root: where the card goes */
  constructor({ api, toast, root }) {
    Object.assign(this, { api, toast });
    this.items = null;
    this.#build(root);
  }

  #build(root) {
    this.secret = new ShownOnce({
      id: 'apikey-created', toast: this.toast, copied: 'Copied the key.',
      onDone: () => this.el.name.focus(),
    });
    const el = {
      name: h('input', { id: 'apikey-name', name: 'name', autocomplete: 'off', placeholder: 'Order system', 'aria-describedby': 'apikey-name-error apikey-name-hint' }),
      role: h('select', { id: 'apikey-role', name: 'role', 'aria-describedby': 'apikey-role-hint' }, ROLES.map((r) => h('option', { value: r.value }, r.text))),
      save: h('button', { class: 'btn primary', type: 'submit', id: 'apikey-create' }, 'Create key'),
      formError: h('p', { class: 'form-error', id: 'apikey-form-error', role: 'alert', hidden: true }),
      state: h('p', { class: 'set-state', id: 'apikeys-state', role: 'status' }),
      list: h('ul', { class: 'apikey-list', id: 'apikey-list', 'aria-labelledby': 'apikeys-title' }),
      count: h('p', { class: 'hint', id: 'apikeys-count' }),
      error: h('p', { class: 'form-error', id: 'apikeys-error', role: 'alert', hidden: true }),
    };
    this.el = el;
    el.form = h('form', { class: 'form apikey-form', id: 'apikey-form', novalidate: true, 'aria-labelledby': 'apikey-form-title',
      on: { submit: (event) => { event.preventDefault(); this.#create(); } } },
    h('h4', { id: 'apikey-form-title' }, 'Create a key'),
    h('div', { class: 'apikey-fields' },
      errorField('Name', el.name, el.name, h('p', { class: 'hint', id: 'apikey-name-hint' }, 'Which system uses it: its messages carry this name.')),
      h('div', { class: 'field' }, h('label', { for: 'apikey-role' }, 'Role'), el.role,
        h('p', { class: 'hint', id: 'apikey-role-hint' }, 'An agent key reads and writes conversations and contacts; an admin key also changes settings, webhooks and keys.'))),
    el.formError,
    h('div', { class: 'form-actions' }, el.save));
    root.append(h('div', { class: 'card integrations-card', id: 'apikeys-card' },
      h('div', { class: 'card-head' }, h('h3', { id: 'apikeys-title' }, 'API keys')),
      h('p', { class: 'hint' }, 'Your shop’s systems call the API with a key instead of a person’s password: ',
        h('code', {}, 'Authorization: Bearer sbk_…'), '. A key writes as the shop under its name, never as one of your team, and is never assigned chats.'),
      el.form, this.secret.el.root, el.error, el.state, el.list, el.count));
  }

  async show() {
    this.#showError('');
    if (!this.items) this.el.state.textContent = 'Loading the keys…';
    await this.reload();
  }

  /** Off the page: a new key shown once goes with it. */
  leave() {
    this.secret.clear();
    fieldError(this.el.name, '');
    this.el.formError.hidden = true;
  }

  async reload() {
    try {
      this.items = (await this.api.admin.apiKeys()).items || [];
      this.el.state.textContent = '';
    } catch (err) {
      if (signedOut(err)) return;
      this.el.state.textContent = explain(err, { fallback: "Couldn't load the keys." }).text;
    }
    this.render();
  }

  render() {
    const { el } = this;
    const items = this.items || [];
    const live = items.filter((k) => !k.revoked_at).length;
    el.save.disabled = live >= KEYS_MAX;
    el.count.textContent = this.items ? `${live} of ${KEYS_MAX} keys in use.${live >= KEYS_MAX ? ' Revoke one to create another.' : ''}` : '';
    clear(el.list).append(...items.map((k) => this.#item(k)));
    if (this.items && !items.length) el.list.append(h('li', { class: 'site-none' }, 'No keys yet.'));
  }

  #item(k) {
    const revoked = Boolean(k.revoked_at);
    const revoke = revoked ? null : h('button', { class: 'btn danger small', type: 'button', 'aria-label': `Revoke the key ${k.name}`,
      dataset: { action: 'revoke' }, on: { click: () => this.#revoke(k) } }, 'Revoke');
    return h('li', { class: `apikey${revoked ? ' revoked' : ''}`, dataset: { id: k.id } },
      h('div', { class: 'apikey-main' },
        h('p', { class: 'apikey-name' }, h('span', {}, k.name),
          h('span', { class: 'badge', dataset: { tone: k.role === 'admin' ? 'admin' : '' } }, k.role === 'admin' ? 'Admin' : 'Agent'),
          revoked ? h('span', { class: 'badge', dataset: { tone: 'off' } }, 'Revoked') : null),
        factList(keyFacts(k).map(([term, text, title]) => [term, term === 'Key' ? h('code', {}, text) : text, title]), 'apikey-facts')),
      revoke);
  }

  #showError(text) {
    this.el.error.textContent = text;
    this.el.error.hidden = !text;
  }

  async #create() {
    const { el } = this;
    fieldError(el.name, '');
    el.formError.hidden = true;
    const values = { name: el.name.value, role: el.role.value };
    const problem = apiKeyProblem(values);
    if (problem) return fieldError(el.name, problem.text);
    try {
      const made = await busy(el.save, 'Creating…', () => this.api.admin.createApiKey(apiKeyBody(values)));
      el.name.value = '';
      el.role.value = 'agent';
      this.toast(`Created the key ${made.name}.`);
      this.items = [made, ...(this.items || []).filter((k) => k.id !== made.id)].map(({ key, ...rest }) => rest);
      this.render();
      this.secret.show(made.key, {
        title: `The key for ${made.name}`, label: `API key of ${made.name}`,
        about: `With ${made.role === 'admin' ? 'an admin’s' : 'an agent’s'} rights. Your system sends it in the Authorization header (Bearer), never in an address.`,
      });
      this.reload();
    } catch (err) {
      if (signedOut(err)) return null;
      const { text, input } = explain(err, {
        fields: { name: { input: el.name, label: 'Name' } },
        codes: {
          name_taken: { text: `Name: a key in use is called that already. Choose another name.`, input: el.name },
          api_key_limit: `There are ${KEYS_MAX} keys in use, the most there may be. Revoke one you no longer use first.`,
        },
        fallback: "Couldn't create the key.",
      });
      if (input) fieldError(input, text);
      else {
        el.formError.textContent = text;
        el.formError.hidden = false;
      }
    }
    return null;
  }

  async #revoke(k) {
    this.#showError('');
    const sure = await confirmDialog({
      title: `Revoke the key ${k.name}?`,
      text: 'It stops working at once: its very next request is refused, and what it was streaming ends. What it wrote stays. This can’t be undone.',
      ok: 'Revoke key',
    });
    if (!sure) return;
    try {
      await this.api.admin.revokeApiKey(k.id);
      this.toast(`Revoked the key ${k.name}.`);
    } catch (err) {
      if (signedOut(err)) return;
      if (err?.code !== 'api_key_not_found') {
        this.#showError(explain(err, { fallback: "Couldn't revoke the key." }).text);
        return;
      }
    }
    await this.reload();
    this.el.name.focus();
  }
}
