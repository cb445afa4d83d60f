// The weekly opening hours editor of Settings → Hours & e-mail: one row per
// day (Monday first), each with any number of ranges (two time inputs and a
// remove button) and "Add hours". The API's shape is {"mon": [["09:00",
// "17:00"]], …}; a range may run past midnight and belongs to the day it
// starts. An end of midnight is sent as "24:00" (a time input cannot show
// 24:00, so it shows 00:00), which keeps "00:00–00:00" meaning the whole day.
// With no hours on any day the chat is always open, and each day reads
// "Open all day" until hours are added (then a day without any is "Closed").

import { clear, h, icon } from '../js/dom.js';

export const DAYS = [
  ['mon', 'Monday'], ['tue', 'Tuesday'], ['wed', 'Wednesday'], ['thu', 'Thursday'],
  ['fri', 'Friday'], ['sat', 'Saturday'], ['sun', 'Sunday'],
];
export const DAY_NAMES = Object.fromEntries(DAYS);

const FIRST_RANGE = ['09:00', '17:00'];

/** "9:00" / "24:00" from the API → what a time input can show ("09:00" / "00:00"). */
function shown(time) {
  const m = /^(\d{1,2}):(\d{2})/.exec(String(time || ''));
  if (!m) return '';
  const hour = Number(m[1]) % 24;
  return `${String(hour).padStart(2, '0')}:${m[2]}`;
}

export class WeekHours {
  /** @param {HTMLElement} root  @param {() => void} onChange  any edit (for the unsaved-changes state) */
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.week = Object.fromEntries(DAYS.map(([day]) => [day, []]));
  }

  /** Shows `hours` ({mon: [[start, end]], …}; missing days are closed). */
  set(hours) {
    this.week = Object.fromEntries(DAYS.map(([day]) => [day, (hours?.[day] || []).map(([a, b]) => [shown(a), shown(b)])]));
    this.render();
  }

  /** The hours to send: every day, ranges as ["HH:MM", "HH:MM"] (an end of 00:00 as "24:00"). */
  value() {
    return Object.fromEntries(DAYS.map(([day]) => [day, this.week[day].map(([a, b]) => [a, b === '00:00' ? '24:00' : b])]));
  }

  /** True when no day has hours (the chat is always open). */
  get empty() {
    return DAYS.every(([day]) => this.week[day].length === 0);
  }

  /** The first range with a time left blank: {day, input}, or null. */
  incomplete() {
    for (const [day] of DAYS) {
      const i = this.week[day].findIndex(([a, b]) => !a || !b);
      if (i >= 0) return { day, input: this.input(day, i, this.week[day][i][0] ? 'end' : 'start') };
    }
    return null;
  }

  /** The time input of `day`'s range `i` ('start' or 'end'), or the day's "Add hours" button when it has none. */
  input(day, i = 0, which = 'start') {
    const row = this.root.querySelector(`[data-day="${day}"]`);
    return row?.querySelector(`[data-range="${i}"] [data-end="${which}"]`) || row?.querySelector('[data-action="add"]') || null;
  }

  render() {
    clear(this.root).append(...DAYS.map(([day, name]) => this.#day(day, name)));
  }

  #day(day, name) {
    const ranges = this.week[day];
    const nameId = `hours-day-${day}`;
    return h('div', { class: 'hours-day', role: 'group', 'aria-labelledby': nameId, dataset: { day } },
      h('p', { class: 'hours-day-name', id: nameId }, name),
      h('div', { class: 'hours-day-ranges' },
        ranges.length ? ranges.map((range, i) => this.#range(day, name, range, i)) : this.#noHours()),
      h('button', {
        class: 'btn ghost small hours-day-add', type: 'button', 'aria-label': `Add hours on ${name}`, dataset: { action: 'add' },
        on: { click: () => this.#add(day) },
      }, icon('plus', { size: 16 }), 'Add hours'));
  }

  // A day without hours: closed, unless no day has any (then the chat is always open, and
  // every day says so rather than "Closed" under a line that says "always open").
  #noHours() {
    const open = this.empty;
    return h('p', { class: 'hours-day-closed', dataset: { open: String(open) } }, open ? 'Open all day' : 'Closed');
  }

  #range(day, name, [start, end], i) {
    const nth = this.week[day].length > 1 ? ` (${i + 1})` : '';
    const time = (which, value, label) => h('input', {
      type: 'time', value, 'aria-label': label, dataset: { end: which }, required: true,
      on: {
        input: (event) => {
          this.week[day][i][which === 'start' ? 0 : 1] = event.target.value;
          this.onChange();
        },
      },
    });
    return h('div', { class: 'hours-range', dataset: { range: String(i) } },
      time('start', start, `${name}${nth} opens at`),
      h('span', { class: 'hours-range-to', 'aria-hidden': 'true' }, 'to'),
      time('end', end, `${name}${nth} closes at`),
      h('button', {
        class: 'icon-btn hours-range-remove', type: 'button', 'aria-label': `Remove ${name}${nth} hours`, title: 'Remove these hours',
        dataset: { action: 'remove' }, on: { click: () => this.#remove(day, i) },
      }, icon('close', { size: 18 })));
  }

  #add(day) {
    const ranges = this.week[day];
    ranges.push(ranges.length ? ['', ''] : [...FIRST_RANGE]);
    this.render();
    this.onChange();
    this.input(day, ranges.length - 1, 'start')?.focus();
  }

  #remove(day, i) {
    this.week[day].splice(i, 1);
    this.render();
    this.onChange();
    const left = this.week[day].length;
    const row = this.root.querySelector(`[data-day="${day}"]`);
    (left ? row.querySelector(`[data-range="${Math.min(i, left - 1)}"] [data-action="remove"]`) : row.querySelector('[data-action="add"]'))?.focus();
  }
}
