// Settings → Widget: the sites that may show the chat (`widget.allowed_origins`,
// PATCH /api/v1/admin/settings; `["*"]` for any site), edited as a list and
// saved together, and beneath it the sites that tried but are not allowed
// (GET /api/v1/admin/widget/blocked-sites), each with "Allow", which adds it to
// the list and saves. Edits survive a visit to another section, like the hours.

import { ApiError } from '../js/api.js';
import { $, clear, h, icon } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { busy, clearInvalid, explain, invalid, loadSettings, onSubmit, showError, signedOut } from './forms.js';
import { MAX_ORIGINS, addOrigin, checkOrigins, fromSetting } from './origins.js';
import { lastSeen } from './team.js';

/** The server's 400 about the list ("widget.allowed_origins[2]: …") in the form's words: {text, index}. */
export function explainOrigins(err, list) {
  const m = /^widget\.allowed_origins(?:\[(\d+)\])?: (.*)$/s.exec(err?.detail || '');
  if (!m) return null;
  const index = m[1] === undefined ? -1 : Number(m[1]);
  const rest = m[2].charAt(0).toUpperCase() + m[2].slice(1);
  return { text: index >= 0 && list[index] ? `${list[index]}: ${rest}` : `Sites: ${rest}`, index };
}

export class WidgetSites {
  /** @param {{api, store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ api, store, toast }) {
    Object.assign(this, { api, store, toast });
    this.any = false;
    this.list = [];
    this.saved = null; // {any, list} as last loaded or saved (JSON), to tell unsaved changes
    this.supported = true;
    this.blocked = null; // the blocked sites, once read
    this.el = {
      form: $('sites-form'), unsupported: $('sites-unsupported'), only: $('sites-only'), anyRadio: $('sites-any'),
      anyHint: $('sites-any-hint'), onlyPart: $('sites-only-part'), list: $('sites-list'), input: $('sites-new'),
      add: $('sites-add'), count: $('sites-count'), error: $('sites-error'), unsaved: $('sites-unsaved'),
      discard: $('sites-discard'), save: $('sites-save'), blockedState: $('blocked-state'), blockedList: $('blocked-list'),
    };
    const { el } = this;
    for (const radio of [el.only, el.anyRadio]) {
      radio.addEventListener('change', () => {
        this.any = el.anyRadio.checked;
        this.render();
      });
    }
    el.add.addEventListener('click', () => this.#add());
    el.input.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.#add();
      }
    });
    el.discard.addEventListener('click', () => {
      this.#fill(this.store.get());
      el.save.focus();
      this.toast('Changes discarded.');
    });
    onSubmit(el.form, () => this.save());
    addEventListener('beforeunload', (event) => {
      if (this.dirty) event.preventDefault();
    });
    // Another section saved: show the new list unless the admin is editing this one.
    store.onChange((settings) => {
      if (this.saved !== null && !this.dirty) this.#fill(settings);
    });
  }

  get dirty() {
    return this.saved !== null && this.#snapshot() !== this.saved;
  }

  #snapshot() {
    return JSON.stringify({ any: this.any, list: this.list });
  }

  async show() {
    this.#loadBlocked();
    if (this.dirty) return; // keep the edits made before visiting another section
    await loadSettings(this.store, this.el, (settings) => this.#fill(settings));
  }

  /** Signed out: unsaved edits are not the next admin's. */
  reset() {
    this.saved = null;
    this.list = [];
    this.any = false;
    this.blocked = null;
    this.el.input.value = '';
    this.render();
    clear(this.el.blockedList);
  }

  #fill(settings) {
    if (!settings) return;
    const origins = settings.widget?.allowed_origins;
    this.supported = Array.isArray(origins);
    Object.assign(this, fromSetting(origins));
    showError(this.el.error, '');
    clearInvalid(this.el.form);
    this.saved = this.#snapshot();
    this.render();
  }

  render() {
    const { el } = this;
    el.unsupported.hidden = this.supported;
    for (const control of [el.only, el.anyRadio, el.input, el.add, el.save]) control.disabled = !this.supported;
    el.only.checked = !this.any;
    el.anyRadio.checked = this.any;
    el.anyHint.hidden = !this.any;
    el.onlyPart.hidden = this.any;
    clear(el.list).append(...this.list.map((origin) => h('li', { class: 'site', dataset: { origin } },
      h('code', { class: 'site-origin' }, origin),
      h('button', { class: 'icon-btn', type: 'button', 'aria-label': `Remove ${origin}`, title: 'Remove this site', dataset: { action: 'remove-site' },
        disabled: !this.supported, on: { click: () => this.#remove(origin) } }, icon('close', { size: 18 })))));
    if (!this.list.length) el.list.append(h('li', { class: 'site-none' }, 'No sites yet: the chat shows nowhere. Add your shop below.'));
    const full = this.list.length >= MAX_ORIGINS;
    el.count.textContent = `${this.list.length} of ${MAX_ORIGINS} sites${full ? ': remove one to add another.' : '.'}`;
    const dirty = this.dirty;
    el.unsaved.textContent = dirty ? 'Unsaved changes' : '';
    el.discard.hidden = !dirty;
    this.#renderBlocked();
  }

  #add() {
    const { el } = this;
    clearInvalid(el.form);
    const { list, error } = addOrigin(this.list, el.input.value);
    if (error) {
      showError(el.error, error);
      return invalid(el.input);
    }
    showError(el.error, '');
    this.list = list;
    el.input.value = '';
    this.render();
    el.input.focus();
  }

  #remove(origin) {
    const i = this.list.indexOf(origin);
    this.list = this.list.filter((o) => o !== origin);
    this.render();
    const buttons = this.el.list.querySelectorAll('[data-action="remove-site"]');
    (buttons[Math.min(i, buttons.length - 1)] || this.el.input).focus();
  }

  /** Saves the list as shown (`done`: the toast then). Resolves to true when it was saved. */
  async save(done = null) {
    const { el } = this;
    clearInvalid(el.form);
    const checked = checkOrigins(this.list, { any: this.any });
    if (checked.error) return this.#fail(checked.error, checked.index);
    showError(el.error, '');
    try {
      const saved = await busy(el.save, 'Saving…', () => this.store.save({ widget: { allowed_origins: checked.origins } }));
      this.#fill(saved);
      this.toast(done || (this.any ? 'Saved: any website may show the chat.' : 'Sites saved. The change takes effect within a second.'));
      return true;
    } catch (err) {
      if (signedOut(err)) return false;
      const about = explainOrigins(err, this.list);
      if (about) return this.#fail(about.text, about.index);
      const { text } = explain(err, { fallback: "Couldn't save the sites." });
      return this.#fail(text, -1);
    }
  }

  // Says what is wrong and focuses where to mend it: the site at `index`, else the new-site box.
  #fail(text, index) {
    showError(this.el.error, text);
    const entry = index >= 0 ? this.el.list.querySelector(`li[data-origin="${CSS.escape(this.list[index] || '')}"] button`) : null;
    if (entry) entry.focus();
    else if (!this.any) invalid(this.el.input);
    return false;
  }

  // --- sites that tried ---------------------------------------------------------------

  async #loadBlocked() {
    const { el } = this;
    if (!this.blocked) el.blockedState.textContent = 'Loading…';
    try {
      this.blocked = (await this.api.admin.blockedSites()).items;
      el.blockedState.textContent = '';
    } catch (err) {
      if (signedOut(err)) return;
      el.blockedState.textContent = err instanceof ApiError && err.status === 404
        ? 'This server does not list them yet.' : explain(err, { fallback: "Couldn't load the sites that tried." }).text;
    }
    this.#renderBlocked();
  }

  #renderBlocked() {
    const { el, blocked } = this;
    if (!blocked) return;
    clear(el.blockedList).append(...blocked.map((site) => this.#blockedItem(site)));
    if (!blocked.length) el.blockedList.append(h('li', { class: 'site-none' }, 'None so far: no other site has tried to show your chat.'));
  }

  #blockedItem(site) {
    const listed = this.list.includes(site.origin);
    const attempts = `${site.attempts} ${site.attempts === 1 ? 'attempt' : 'attempts'}`;
    let action = null;
    if (this.any) action = h('span', { class: 'blocked-note' }, 'Any site may show it now');
    else if (listed) action = h('span', { class: 'blocked-note', tabindex: '-1' }, this.dirty ? 'In your list: save to allow' : 'Allowed');
    else {
      action = h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Allow ${site.origin}`, dataset: { action: 'allow' },
        disabled: !this.supported, on: { click: () => this.#allow(site.origin) } }, 'Allow');
    }
    return h('li', { class: 'blocked', dataset: { origin: site.origin } },
      h('div', { class: 'blocked-main' },
        h('code', { class: 'site-origin' }, site.origin),
        h('p', { class: 'blocked-meta' }, h('span', { title: fullDate(site.last_seen_at) }, `Last tried ${lastSeen(site.last_seen_at).toLowerCase()}`), ` · ${attempts}`)),
      action);
  }

  /** "Allow": the site joins the list, and the list (as shown) is saved. */
  async #allow(origin) {
    const { list, error } = addOrigin(this.list, origin);
    if (error) {
      showError(this.el.error, `${origin}: ${error}`);
      return;
    }
    this.list = list;
    this.render();
    if (await this.save(`Saved: ${origin} may show the chat now.`)) {
      this.el.blockedList.querySelector(`li[data-origin="${CSS.escape(origin)}"] .blocked-note`)?.focus();
    }
  }
}
