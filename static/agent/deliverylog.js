// One webhook endpoint's delivery log (GET /api/v1/admin/webhooks/{id}/deliveries),
// opened under the endpoint in Settings → Integrations: newest first, filtered by
// state, "Show older" going on below the last one shown (`before`), and on each
// row the event, its state in words and an icon, the attempts, the last answer
// and error, when it is tried next and when it happened, with "Redeliver"
// (POST …/redeliver: pending again, same body and webhook-id).

import { clear, h, icon } from '../js/dom.js';
import { fullDate } from '../js/time.js';
import { busy, explain, signedOut } from './forms.js';
import { factList } from './facts.js';
import { DELIVERY_STATES, PAGE_SIZE, deliveryFacts, deliveryState, eventText, nextLog, replaceDelivery } from './webhookdata.js';

// An empty log, by the filter shown.
const NONE = {
  '': 'No deliveries yet. Send a test event to see one here.',
  pending: 'Nothing waits to be sent.',
  delivered: 'Nothing delivered in the last 7 days.',
  failed: 'Nothing failed in the last 7 days.',
};

const REDELIVER_CODES = {
  webhook_disabled: 'This endpoint is turned off: turn it on (Edit) to redeliver.',
  delivery_not_found: 'That delivery is gone: the log keeps seven days.',
};

export class DeliveryLog {
  /** @param {{api, toast, webhook: {id, url}, onChange?: () => void}} deps  onChange: a redelivery may change the endpoint's health */
  constructor({ api, toast, webhook, onChange = () => {} }) {
    Object.assign(this, { api, toast, webhook, onChange });
    this.items = [];
    this.more = false;
    this.before = null;
    this.status = '';
    this.loading = false;
    this.seq = 0; // the latest read; an answer to an earlier one is dropped
    this.#build();
  }

  #build() {
    const id = `log-${this.webhook.id}`;
    this.el = {
      title: h('h4', { id: `${id}-title`, tabindex: '-1' }, 'Delivery log'),
      filter: h('select', { id: `${id}-status`, on: { change: () => this.#filter() } },
        DELIVERY_STATES.map((s) => h('option', { value: s.value }, s.text))),
      reload: h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'reload-log' }, on: { click: () => this.load() } }, 'Refresh'),
      state: h('p', { class: 'set-state', role: 'status' }),
      list: h('ul', { class: 'delivery-list', 'aria-labelledby': `${id}-title` }),
      error: h('p', { class: 'form-error', role: 'alert', hidden: true }),
      older: h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'older' }, hidden: true, on: { click: () => this.load({ older: true }) } }, 'Show older'),
    };
    const { el } = this;
    el.root = h('div', { class: 'delivery-log', id, role: 'region', 'aria-labelledby': `${id}-title` },
      h('div', { class: 'log-head' },
        el.title,
        h('div', { class: 'log-tools' },
          h('label', { for: el.filter.id }, 'Show'), el.filter, el.reload)),
      el.state, el.error, el.list, el.older);
  }

  /**
   * The newest page (`older`: the next one below those shown). Only the latest read counts: a
   * filter chosen while a page was on its way reads again, and the page before it is dropped.
   */
  async load({ older = false } = {}) {
    const { el } = this;
    if (older && this.loading) return; // "Show older" twice: once
    const seq = ++this.seq;
    this.loading = true;
    el.error.hidden = true;
    if (!older) el.state.textContent = 'Loading the deliveries…';
    const button = older ? el.older : el.reload;
    const query = { status: this.status || undefined, before: older ? this.before : undefined, limit: PAGE_SIZE };
    try {
      const page = await busy(button, 'Loading…', () => this.api.admin.webhookDeliveries(this.webhook.id, query));
      if (seq !== this.seq) return;
      Object.assign(this, nextLog(this.items, page.items || [], { older, limit: PAGE_SIZE }));
      el.state.textContent = this.items.length ? '' : NONE[this.status];
      this.render();
      if (older) this.#focusRow(page.items?.[0]?.id); // the first of the older ones: "Show older" may have gone
    } catch (err) {
      if (seq !== this.seq || signedOut(err)) return;
      el.state.textContent = '';
      this.#fail(explain(err, { codes: { invalid_status: 'The server does not know that filter.' }, fallback: "Couldn't load the deliveries." }).text);
    } finally {
      if (seq === this.seq) this.loading = false;
    }
  }

  #filter() {
    this.status = this.el.filter.value;
    this.items = [];
    this.more = false;
    this.before = null;
    this.load();
  }

  render() {
    const { el } = this;
    this.buttons = new Map();
    clear(el.list).append(...this.items.map((d) => this.#row(d)));
    el.older.hidden = !this.more;
  }

  #row(d) {
    const state = deliveryState(d);
    return h('li', { class: 'delivery', dataset: { id: d.id, state: d.state } },
      h('div', { class: 'delivery-top' },
        h('p', { class: 'delivery-event' }, h('span', {}, eventText(d.event_type)), ' ', h('code', {}, d.event_type)),
        h('span', { class: 'badge health', dataset: { tone: state.tone } }, icon(state.icon, { size: 14 }), state.label)),
      factList(deliveryFacts(d), 'delivery-facts'),
      h('div', { class: 'delivery-actions' }, this.#redeliverButton(d)));
  }

  #redeliverButton(d) {
    const button = h('button', { class: 'btn ghost small', type: 'button', dataset: { action: 'redeliver' },
      'aria-label': `Redeliver: ${eventText(d.event_type)}, ${fullDate(d.created_at)}`,
      on: { click: () => this.#redeliver(d, button) } }, 'Redeliver');
    this.buttons.set(d.id, button);
    return button;
  }

  #focusRow(id) {
    this.buttons.get(id)?.focus();
  }

  async #redeliver(delivery, button) {
    this.el.error.hidden = true;
    try {
      const again = await busy(button, 'Sending…', () => this.api.admin.redeliver(this.webhook.id, delivery.id));
      this.items = replaceDelivery(this.items, again || { ...delivery, state: 'pending' });
      this.render();
      this.#focusRow(delivery.id);
      this.toast('Queued again, same webhook-id.');
      this.onChange();
    } catch (err) {
      if (signedOut(err)) return;
      this.#fail(explain(err, { codes: REDELIVER_CODES, fallback: "Couldn't redeliver it." }).text);
    }
  }

  #fail(text) {
    this.el.error.textContent = text;
    this.el.error.hidden = false;
  }
}
