// Settings → Integrations → Webhooks (admins; docs/API.md "Webhooks"): the
// endpoints the desk sends its events to, each with its health in words and an
// icon (new, healthy, failing since…, disabled and why), the last answer and
// what waits; add or edit one (address, description, events, on or off) in a
// form at the top of the card, delete it or rotate its secret after a
// confirmation, send it a test event, and open its delivery log
// (deliverylog.js). The signing secret a new endpoint or a rotation gets is
// shown once (shownonce.js). The list is read again every few seconds while it
// is shown: deliveries happen in the background, and their health with them.

import { clear, h, icon } from '../js/dom.js';
import { confirmDialog } from './confirm.js';
import { DeliveryLog } from './deliverylog.js';
import { busy, errorField, explain, fieldError, signedOut } from './forms.js';
import { ShownOnce } from './shownonce.js';
import { DESCRIPTION_MAX, EVENTS, WEBHOOKS_MAX, healthOf, webhookBody, webhookProblem, webhookRefusal } from './webhookdata.js';

// How often the shown list is read again (deliveries and their health change in the background).
export const REFRESH_MS = 5000;

/** What to call an endpoint in a toast (two short lines at most): its description, else its host, never the whole address. */
export function endpointName(w) {
  if (w.description) return w.description;
  try {
    return new URL(w.url).host;
  } catch {
    return w.url;
  }
}

export class WebhookSettings {
  /** @param {{api, toast, root: Element}} deps  root: where the card goes */
  constructor({ api, toast, root }) {
    Object.assign(this, { api, toast });
    this.items = null; // the endpoints, once read
    this.sig = '';
    this.editing = null; // the endpoint in the form (null: a new one)
    this.log = null; // the open DeliveryLog
    this.timer = null;
    this.shown = false;
    this.seq = 0;
    this.#build(root);
  }

  // --- the card ---------------------------------------------------------------------------

  #build(root) {
    this.secret = new ShownOnce({
      id: 'webhook-secret', toast: this.toast, copied: 'Copied the signing secret.',
      onDone: () => this.el.add.focus(),
    });
    this.el = {
      add: h('button', { class: 'btn primary small', type: 'button', id: 'webhook-new', on: { click: () => this.#openForm(null) } }, 'Add endpoint'),
      state: h('p', { class: 'set-state', id: 'webhooks-state', role: 'status' }),
      list: h('ul', { class: 'webhook-list', id: 'webhook-list', 'aria-labelledby': 'webhooks-title' }),
      count: h('p', { class: 'hint', id: 'webhooks-count' }),
      error: h('p', { class: 'form-error', id: 'webhooks-error', role: 'alert', hidden: true }),
    };
    this.#buildForm();
    const { el } = this;
    root.append(h('div', { class: 'card integrations-card', id: 'webhooks-card' },
      h('div', { class: 'card-head' }, h('h3', { id: 'webhooks-title' }, 'Webhooks'), el.add),
      h('p', { class: 'hint' }, 'Tell your shop’s other systems what happens here. Each event is sent as signed JSON (',
        h('a', { href: 'https://www.standardwebhooks.com/', target: '_blank', rel: 'noopener noreferrer' }, 'Standard Webhooks'),
        ') to every endpoint that asked for it, and tried again for a day until it is taken.'),
      el.form, this.secret.el.root, el.error, el.state, el.list, el.count));
  }

  #buildForm() {
    const el = this.el;
    el.formTitle = h('h4', { id: 'webhook-form-title', tabindex: '-1' }, 'Add an endpoint');
    el.url = h('input', { id: 'webhook-url', name: 'url', type: 'url', inputmode: 'url', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false',
      placeholder: 'https://shop.example/hooks/chat', 'aria-describedby': 'webhook-url-error webhook-url-hint' });
    el.description = h('input', { id: 'webhook-description', name: 'description', autocomplete: 'off', 'aria-describedby': 'webhook-description-error webhook-description-hint' });
    el.events = EVENTS.map((e) => h('input', { type: 'checkbox', id: `webhook-event-${e.type.replace('.', '-')}`, name: 'webhook_events', value: e.type }));
    el.eventsError = h('p', { class: 'field-error', id: 'webhook-events-error', hidden: true });
    el.enabled = h('input', { type: 'checkbox', id: 'webhook-enabled', name: 'webhook_enabled', 'aria-describedby': 'webhook-enabled-hint' });
    el.formError = h('p', { class: 'form-error', id: 'webhook-form-error', role: 'alert', hidden: true });
    el.save = h('button', { class: 'btn primary', type: 'submit', id: 'webhook-save' }, 'Add endpoint');
    el.form = h('form', { class: 'form webhook-form', id: 'webhook-form', novalidate: true, hidden: true, 'aria-labelledby': 'webhook-form-title',
      on: { submit: (event) => { event.preventDefault(); this.#save(); } } },
    el.formTitle,
    errorField('Address (URL)', el.url, el.url,
      h('p', { class: 'hint', id: 'webhook-url-hint' }, 'An https:// address on your server that answers with a 2xx status within 10 seconds.')),
    errorField('Description (optional)', el.description, el.description,
      h('p', { class: 'hint', id: 'webhook-description-hint' }, `What it is for, up to ${DESCRIPTION_MAX} characters.`)),
    h('fieldset', { class: 'field event-choices', id: 'webhook-events', 'aria-describedby': 'webhook-events-error' },
      h('legend', {}, 'Events to send'),
      h('div', { class: 'event-grid' }, EVENTS.map((e, i) => h('label', { class: 'check', for: el.events[i].id }, el.events[i],
        h('span', {}, e.text, ' ', h('code', {}, e.type))))),
      el.eventsError),
    h('label', { class: 'check', for: 'webhook-enabled' }, el.enabled, h('span', {}, 'On: send events to this endpoint')),
    h('p', { class: 'hint', id: 'webhook-enabled-hint' }, 'Turning it off fails what still waits for it; turning it on again sends new events only.'),
    el.formError,
    h('div', { class: 'form-actions' },
      h('button', { class: 'btn ghost', type: 'button', id: 'webhook-cancel', on: { click: () => this.#closeForm(true) } }, 'Cancel'),
      el.save));
  }

  async show() {
    this.shown = true;
    this.#showError('');
    if (!this.items) this.el.state.textContent = 'Loading the endpoints…';
    await this.reload();
    this.#schedule();
  }

  /** Off the page: the secret shown once goes, the form and the log close, the reading stops. */
  leave() {
    this.shown = false;
    clearTimeout(this.timer);
    this.timer = null;
    this.secret.clear();
    this.#closeForm();
    this.#closeLog();
  }

  #schedule() {
    clearTimeout(this.timer);
    if (!this.shown) return;
    this.timer = setTimeout(async () => {
      if (!this.shown) return;
      if (document.visibilityState !== 'hidden') await this.reload({ quiet: true });
      this.#schedule();
    }, REFRESH_MS);
  }

  /** Reads the endpoints again (`quiet`: a failure is not said, the next read may do better). */
  async reload({ quiet = false } = {}) {
    const seq = ++this.seq; // the timer's read and an action's may cross: the latest counts
    try {
      const items = (await this.api.admin.webhooks()).items || [];
      if (seq !== this.seq) return;
      this.items = items;
      this.el.state.textContent = '';
    } catch (err) {
      if (seq !== this.seq || signedOut(err) || quiet) return;
      this.el.state.textContent = explain(err, { fallback: "Couldn't load the endpoints." }).text;
    }
    this.render();
  }

  /** Draws the list when what it shows changed; the focus stays on the button it was on. */
  render() {
    const { el } = this;
    const items = this.items || [];
    const sig = JSON.stringify([items, this.log?.webhook.id, this.editing?.id]);
    const full = items.length >= WEBHOOKS_MAX;
    el.add.disabled = !this.items || full;
    el.count.textContent = this.items ? `${items.length} of ${WEBHOOKS_MAX} endpoints.${full ? ' Delete one to add another.' : ''}` : '';
    if (sig === this.sig) return;
    this.sig = sig;
    // The open log is moved into the new item as it is: what has the focus in it keeps it.
    const focused = document.activeElement;
    const inLog = Boolean(this.log && focused && this.log.el.root.contains?.(focused));
    const where = !inLog && focused?.dataset?.action && el.list.contains?.(focused)
      ? [focused.closest?.('li.webhook')?.dataset.id, focused.dataset.action] : null;
    this.buttons = new Map();
    clear(el.list).append(...items.map((w) => this.#item(w)));
    if (this.items && !items.length) el.list.append(h('li', { class: 'site-none' }, 'No endpoints yet. Add one to tell your shop’s systems what happens here.'));
    if (inLog) focused.focus({ preventScroll: true });
    else if (where) this.#focus(where[0], where[1]);
  }

  #item(w) {
    const health = healthOf(w);
    const name = w.description || w.url;
    const logOpen = this.log?.webhook.id === w.id;
    const button = (action, text, label, onClick, cls = 'ghost', more = {}) => {
      const b = h('button', { class: `btn ${cls} small`, type: 'button', 'aria-label': label, dataset: { action }, on: { click: () => onClick(b) }, ...more }, text);
      this.buttons.set(`${w.id} ${action}`, b);
      return b;
    };
    const events = w.events || [];
    return h('li', { class: `webhook${this.editing?.id === w.id ? ' editing' : ''}`, dataset: { id: w.id, health: health.state } },
      h('div', { class: 'webhook-top' },
        h('div', { class: 'webhook-who' },
          w.description ? h('p', { class: 'webhook-name' }, w.description) : null,
          h('p', { class: 'webhook-url' }, h('code', {}, w.url))),
        h('span', { class: 'badge health', dataset: { tone: health.tone } }, icon(health.icon, { size: 14 }), health.label)),
      health.lines.length ? h('ul', { class: 'webhook-health' }, health.lines.map((line) => h('li', {}, line))) : null,
      h('p', { class: 'webhook-events' }, `${events.length === 1 ? 'Event' : 'Events'}: `,
        events.map((type, i) => [i ? ', ' : '', h('code', {}, type)])),
      h('p', { class: 'webhook-secret' }, 'Signing secret ending in ', h('code', {}, w.secret_last4 || '????')),
      h('div', { class: 'webhook-actions' },
        button('log', ['Delivery log', icon(logOpen ? 'up' : 'down', { size: 16 })], `Delivery log of ${name}`, () => this.#toggleLog(w), 'ghost',
          { 'aria-expanded': String(logOpen), 'aria-controls': logOpen ? `log-${w.id}` : null }),
        button('test', 'Send test event', `Send test event to ${name}`, (b) => this.#test(w, b)),
        button('edit', 'Edit', `Edit ${name}`, () => this.#openForm(w)),
        button('rotate', 'Rotate secret', `Rotate secret of ${name}`, (b) => this.#rotate(w, b)),
        button('delete', 'Delete', `Delete ${name}`, () => this.#delete(w), 'danger')),
      logOpen ? this.log.el.root : null);
  }

  #focus(id, action) {
    (this.buttons.get(`${id} ${action}`) || this.el.add).focus();
  }

  #showError(text) {
    this.el.error.textContent = text;
    this.el.error.hidden = !text;
  }

  // --- the form ---------------------------------------------------------------------------

  #openForm(webhook) {
    const { el } = this;
    this.editing = webhook;
    this.#clearErrors();
    el.url.value = webhook?.url || '';
    el.description.value = webhook?.description || '';
    const events = webhook ? webhook.events || [] : EVENTS.map((e) => e.type).filter((t) => t !== 'contact.updated' && t !== 'contact.created');
    el.events.forEach((box, i) => { box.checked = events.includes(EVENTS[i].type); });
    el.enabled.checked = webhook ? webhook.enabled !== false : true;
    el.formTitle.textContent = webhook ? `Edit the endpoint ${webhook.description || webhook.url}` : 'Add an endpoint';
    el.save.textContent = webhook ? 'Save' : 'Add endpoint';
    el.form.hidden = false;
    this.sig = '';
    this.render();
    el.url.focus();
  }

  /** `back`: the focus returns to the button that opened the form. */
  #closeForm(back = false) {
    const was = this.editing;
    this.editing = null;
    this.el.form.hidden = true;
    this.#clearErrors();
    if (!back) return;
    this.sig = '';
    this.render();
    if (was) this.#focus(was.id, 'edit');
    else this.el.add.focus();
  }

  #clearErrors() {
    const { el } = this;
    el.formError.hidden = true;
    fieldError(el.url, '');
    fieldError(el.description, '');
    this.#eventsError('');
  }

  #eventsError(text) {
    const { el } = this;
    el.eventsError.textContent = text;
    el.eventsError.hidden = !text;
    if (text) el.events[0].focus();
  }

  /** The form's values, as webhookProblem() and webhookBody() take them. */
  values() {
    const { el } = this;
    return {
      url: el.url.value, description: el.description.value,
      events: EVENTS.filter((e, i) => el.events[i].checked).map((e) => e.type), enabled: el.enabled.checked,
    };
  }

  #problem({ field, text }) {
    const { el } = this;
    if (field === 'events') return this.#eventsError(text);
    if (field === 'url' || field === 'description') return fieldError(el[field], text);
    el.formError.textContent = text;
    el.formError.hidden = false;
    return null;
  }

  async #save() {
    const { el } = this;
    this.#clearErrors();
    const values = this.values();
    const problem = webhookProblem(values);
    if (problem) return this.#problem(problem);
    const webhook = this.editing;
    const body = webhookBody(webhook, values);
    try {
      let saved = webhook;
      if (!webhook || Object.keys(body).length) {
        saved = await busy(el.save, 'Saving…', () => (webhook ? this.api.admin.updateWebhook(webhook.id, body) : this.api.admin.createWebhook(body)));
      }
      this.#closeForm();
      if (!webhook && saved.secret) {
        this.toast(`Added ${endpointName(saved)}.`);
        this.#showSecret(saved, 'The new endpoint’s signing secret');
      } else {
        this.toast(`Saved ${endpointName(saved)}.`);
      }
      await this.reload();
      if (webhook) this.#focus(webhook.id, 'edit');
    } catch (err) {
      if (signedOut(err)) return null;
      if (err?.code === 'webhook_not_found') {
        this.#closeForm();
        this.#showError('This endpoint was deleted meanwhile.');
        await this.reload();
        return null;
      }
      this.#problem(err?.status === 0 || !err?.detail ? { field: null, text: explain(err, { fallback: "Couldn't save the endpoint." }).text } : webhookRefusal(err));
    }
    return null;
  }

  #showSecret(webhook, title) {
    this.secret.show(webhook.secret, {
      title, label: `Signing secret of ${webhook.url}`,
      about: 'Your receiver checks each delivery’s webhook-signature with it (any Standard Webhooks library does).',
    });
  }

  // --- actions ----------------------------------------------------------------------------

  async #test(w, button) {
    this.#showError('');
    try {
      await busy(button, 'Sending…', () => this.api.admin.testWebhook(w.id));
      this.toast(`Test event sent to ${endpointName(w)}.`);
      if (this.log?.webhook.id === w.id) this.log.load();
      this.reload({ quiet: true });
    } catch (err) {
      if (signedOut(err)) return;
      this.#showError(explain(err, {
        codes: { webhook_disabled: `${endpointName(w)} is turned off: turn it on (Edit) to send it a test event.` },
        fallback: "Couldn't send a test event.",
      }).text);
    }
  }

  async #rotate(w, button) {
    this.#showError('');
    const sure = await confirmDialog({
      title: `Rotate the signing secret of ${w.url}?`,
      text: 'A new secret signs every delivery from now on. For 24 hours each delivery carries the old secret’s signature too, so your receiver keeps working while you switch it to the new one.',
      ok: 'Rotate secret',
    });
    if (!sure) return;
    try {
      const rotated = await busy(button, 'Rotating…', () => this.api.admin.rotateWebhookSecret(w.id));
      this.toast(`New secret for ${endpointName(w)}.`);
      this.#showSecret({ ...w, ...rotated }, 'The new signing secret');
      await this.reload();
    } catch (err) {
      if (signedOut(err)) return;
      this.#showError(explain(err, { codes: { webhook_not_found: 'This endpoint was deleted meanwhile.' }, fallback: "Couldn't rotate the secret." }).text);
    }
  }

  async #delete(w) {
    this.#showError('');
    const sure = await confirmDialog({
      title: `Delete the endpoint ${w.url}?`,
      text: 'Nothing more is sent to it, and its delivery log goes with it, what still waits included. This can’t be undone.',
      ok: 'Delete endpoint',
    });
    if (!sure) return;
    try {
      await this.api.admin.deleteWebhook(w.id);
      this.toast(`Deleted ${endpointName(w)}.`);
    } catch (err) {
      if (signedOut(err)) return;
      if (err?.code !== 'webhook_not_found') {
        this.#showError(explain(err, { fallback: "Couldn't delete the endpoint." }).text);
        return;
      }
    }
    if (this.editing?.id === w.id) this.#closeForm();
    if (this.log?.webhook.id === w.id) this.#closeLog();
    await this.reload();
    this.el.add.focus();
  }

  #toggleLog(w) {
    const open = this.log?.webhook.id === w.id;
    this.#closeLog();
    if (!open) {
      this.log = new DeliveryLog({ api: this.api, toast: this.toast, webhook: w, onChange: () => this.reload({ quiet: true }) });
      this.log.load();
    }
    this.sig = '';
    this.render();
    this.#focus(w.id, 'log');
  }

  #closeLog() {
    this.log = null;
  }
}
