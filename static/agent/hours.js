// Settings → Hours & e-mail: where offline messages go (notify_email), the
// shop's time zone, weekly opening hours (weekhours.js), closed dates, the
// away message, whether the launcher hides while closed, and the pre-chat
// form; one PATCH /api/v1/admin/settings {notify_email, availability}.
// Edits survive a visit to another section; the page asks before it is left
// with changes unsaved, and "Discard changes" puts the saved values back.

import { widgetConfig } from '../js/api.js';
import { $, clear, h, icon } from '../js/dom.js';
import { busy, clearInvalid, explain, invalid, loadSettings, onSubmit, showError, signedOut } from './forms.js';
import { DAYS, DAY_NAMES, WeekHours } from './weekhours.js';

const browserZone = () => {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
};

/** Is `zone` a time zone this browser knows? */
function knownZone(zone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

const dateLabel = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
/** "2026-12-25" → "Fri, December 25, 2026" (the date itself, in no time zone). */
const formatDate = (ymd) => dateLabel.format(new Date(`${ymd}T00:00:00Z`));

const minutes = (hhmm) => {
  const [h, m] = hhmm.split(':').map(Number);
  return h * 60 + m;
};

/**
 * "It is Monday 14:05 there: open." for the form's zone, hours and closed
 * dates, so a wrong zone shows at once. The server decides for real; this
 * reads the same rules (a range past midnight belongs to the day it starts).
 */
export function describeNow({ timezone, hours, closedDates }, now = new Date()) {
  if (!timezone || !knownZone(timezone)) return '';
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
    timeZone: timezone, weekday: 'short', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(now).map((p) => [p.type, p.value]));
  const day = parts.weekday.slice(0, 3).toLowerCase();
  const date = `${parts.year}-${parts.month}-${parts.day}`;
  const at = Number(parts.hour) * 60 + Number(parts.minute);
  const there = `It is ${DAY_NAMES[day]} ${parts.hour}:${parts.minute} there`;
  if (closedDates.includes(date)) return `${there}: closed today (a closed date).`;
  const all = Object.values(hours).flat();
  if (all.length === 0) return `${there}: no hours set, so the chat is always open.`;
  const order = DAYS.map(([d]) => d);
  const yesterday = order[(order.indexOf(day) + 6) % 7];
  const complete = (r) => r[0] && r[1];
  const open = (hours[day] || []).filter(complete).some(([a, b]) => {
    const [s, e] = [minutes(a), minutes(b)];
    return s < e ? at >= s && at < e : at >= s;
  }) || (hours[yesterday] || []).filter(complete).some(([a, b]) => minutes(b) < minutes(a) && at < minutes(b));
  return `${there}: ${open ? 'open' : 'closed'}.`;
}

export class HoursSettings {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('hours-form'), notify: $('hours-notify'), away: $('hours-away'), prechat: $('hours-prechat'),
      tz: $('hours-tz'), tzList: $('hours-tz-list'), now: $('hours-now'), week: $('hours-week'), hide: $('hours-hide'),
      dates: $('hours-dates'), date: $('hours-date'), dateAdd: $('hours-date-add'),
      mailOff: $('hours-mail-off'), error: $('hours-error'), unsaved: $('hours-unsaved'), discard: $('hours-discard'), save: $('hours-save'),
    };
    this.closedDates = [];
    this.saved = null; // the form's values as last loaded or saved (JSON), to tell unsaved changes
    this.loaded = false;
    const { el } = this;
    this.week = new WeekHours(el.week, () => this.#changed());
    el.form.addEventListener('input', () => this.#changed());
    el.form.addEventListener('change', () => this.#changed());
    onSubmit(el.form, () => this.#submit());
    el.dateAdd.addEventListener('click', () => this.#addDate());
    el.date.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') {
        event.preventDefault();
        this.#addDate();
      }
    });
    el.discard.addEventListener('click', () => {
      this.#fill(this.store.get());
      el.save.focus();
      this.toast('Changes discarded.');
    });
    // Leaving the page (reload, another address, closing the tab) with changes unsaved: the browser asks.
    addEventListener('beforeunload', (event) => {
      if (this.dirty) event.preventDefault();
    });
    // Another section saved: show the new values unless the admin is editing here.
    store.onChange((settings) => {
      if (this.loaded && !this.dirty) this.#fill(settings);
    });
    this.#fillZones();
  }

  get dirty() {
    return this.saved !== null && JSON.stringify(this.#values()) !== this.saved;
  }

  async show() {
    const { el } = this;
    if (this.dirty) return; // keep the edits made before visiting another section
    this.#mailNote();
    await loadSettings(this.store, el, (settings) => this.#fill(settings));
  }

  // Whether the server can send e-mail at all (the public widget-config says so): if not, the
  // admin learns that offline messages only wait in the queue.
  async #mailNote() {
    try {
      const config = await widgetConfig();
      this.el.mailOff.hidden = config?.availability?.email_enabled !== false;
    } catch {
      this.el.mailOff.hidden = true;
    }
  }

  /** Signed out: forget unsaved edits (the next admin starts from the saved values). */
  reset() {
    this.saved = null;
    this.loaded = false;
    this.#changed();
  }

  #fillZones() {
    const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
    const list = zones.includes('UTC') ? zones : ['UTC', ...zones];
    this.el.tzList.append(...list.map((zone) => h('option', { value: zone })));
  }

  #fill(settings) {
    if (!settings) return;
    const { el } = this;
    const a = settings.availability || {};
    el.notify.value = settings.notify_email || '';
    el.away.value = a.away_message || '';
    el.prechat.value = ['off', 'ask', 'require_email'].includes(a.prechat) ? a.prechat : 'off';
    el.tz.value = a.timezone || browserZone();
    el.hide.checked = Boolean(a.hide_when_closed);
    this.week.set(a.hours || {});
    this.closedDates = [...new Set(a.closed_dates || [])].sort();
    this.#renderDates();
    showError(el.error, '');
    clearInvalid(el.form);
    this.saved = JSON.stringify(this.#values());
    this.loaded = true;
    this.#changed();
  }

  #values() {
    const { el } = this;
    return {
      notify_email: el.notify.value.trim() || null,
      availability: {
        timezone: el.tz.value.trim(),
        hours: this.week.value(),
        closed_dates: [...this.closedDates],
        away_message: el.away.value.trim(),
        hide_when_closed: el.hide.checked,
        prechat: el.prechat.value,
      },
    };
  }

  // Any edit: the unsaved-changes note, the Discard button and the "right now" line.
  #changed() {
    const { el } = this;
    const dirty = this.dirty;
    el.unsaved.textContent = dirty ? 'Unsaved changes' : '';
    el.discard.hidden = !dirty;
    const v = this.#values().availability;
    const tz = v.timezone;
    el.now.textContent = !tz ? '' : knownZone(tz)
      ? describeNow({ timezone: tz, hours: this.week.week, closedDates: v.closed_dates })
      : `“${tz}” is not a time zone this browser knows. Pick one from the list, like Europe/Berlin.`;
    el.now.classList.toggle('warn', Boolean(tz) && !knownZone(tz));
  }

  // --- closed dates -------------------------------------------------------------------

  #renderDates() {
    const { el } = this;
    const today = new Date().toISOString().slice(0, 10);
    clear(el.dates).append(...this.closedDates.map((ymd) => h('li', { class: `closed-date${ymd < today ? ' past' : ''}`, dataset: { date: ymd } },
      h('span', { class: 'closed-date-text' }, formatDate(ymd), ymd < today ? h('span', { class: 'closed-date-past' }, ' (past)') : null),
      h('button', {
        class: 'icon-btn', type: 'button', 'aria-label': `Remove ${formatDate(ymd)}`, title: 'Remove this date',
        dataset: { action: 'remove-date' }, on: { click: () => this.#removeDate(ymd) },
      }, icon('close', { size: 18 })))));
    if (!this.closedDates.length) el.dates.append(h('li', { class: 'closed-none' }, 'No closed dates.'));
  }

  #addDate() {
    const { el } = this;
    const ymd = el.date.value;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(ymd)) {
      showError(el.error, 'Closed dates: pick a whole date first, then press Add date.');
      invalid(el.date);
      return;
    }
    showError(el.error, '');
    if (!this.closedDates.includes(ymd)) this.closedDates = [...this.closedDates, ymd].sort();
    el.date.value = '';
    this.#renderDates();
    this.#changed();
    el.date.focus();
  }

  #removeDate(ymd) {
    const i = this.closedDates.indexOf(ymd);
    this.closedDates = this.closedDates.filter((d) => d !== ymd);
    this.#renderDates();
    this.#changed();
    const buttons = this.el.dates.querySelectorAll('[data-action="remove-date"]');
    (buttons[Math.min(i, buttons.length - 1)] || this.el.date).focus();
  }

  // --- save -----------------------------------------------------------------------------

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const body = this.#values();
    const blank = this.week.incomplete();
    if (!body.availability.timezone) return this.#fail('Time zone: choose one, like Europe/Berlin.', el.tz);
    if (blank) return this.#fail(`${DAY_NAMES[blank.day]}: fill in both times of each range, or remove it.`, blank.input);
    if (!body.availability.away_message) return this.#fail('Write the away message shoppers see while nobody is there.', el.away);
    showError(el.error, '');
    try {
      const saved = await busy(el.save, 'Saving…', () => this.store.save(body));
      this.#fill(saved);
      this.toast('Hours & e-mail saved. Shoppers see them the next time a page loads.');
    } catch (err) {
      if (signedOut(err)) return;
      const { text, input } = this.#explain(err);
      showError(el.error, text);
      if (input) invalid(input);
    }
  }

  // The API's 400 names the member ("availability.hours.mon: …"): say it in the form's words.
  #explain(err) {
    const { el } = this;
    const day = /^availability\.hours\.([a-z]{3})\b/.exec(err?.detail || '')?.[1];
    if (day && DAY_NAMES[day]) {
      return {
        text: `${DAY_NAMES[day]}: each range needs a closing time different from its opening time (it may run past midnight, like 22:00–02:00).`,
        input: this.week.input(day),
      };
    }
    return explain(err, {
      fields: {
        notify_email: { input: el.notify, label: 'Shop e-mail' },
        'availability.timezone': { input: el.tz, label: 'Time zone' },
        'availability.hours': { input: this.week.input('mon'), label: 'Opening hours' },
        'availability.closed_dates': { input: el.date, label: 'Closed dates' },
        'availability.away_message': { input: el.away, label: 'Away message' },
        'availability.hide_when_closed': { input: el.hide, label: 'Hide the chat launcher' },
        'availability.prechat': { input: el.prechat, label: 'Pre-chat form' },
      },
      codes: { invalid_email: { text: "Shop e-mail: that doesn't look like an e-mail address.", input: el.notify } },
    });
  }

  #fail(text, input) {
    showError(this.el.error, text);
    if (input) invalid(input);
  }
}
