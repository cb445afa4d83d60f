// An agent's own numbers (#reports for agents who are not admins; GET
// agent/reports/me): over the last 30 days, the conversations they held, the
// median of their first responses and of their resolutions, and their
// customers' average rating, as the Reports tiles (reportsview.js) show them;
// "Business hours only" counts waits within the opening hours.

import { $, clear } from '../js/dom.js';
import { setMain } from './chrome.js';
import { explain, showError, signedOut } from './forms.js';
import { average, count, duration, rangeText } from './reportdata.js';
import { reportsHash } from './routes.js';
import { tile } from './reportsview.js';

/** The caller's row as tiles ({key, label, value, sub}). */
export function myTiles(mine) {
  return [
    { key: 'conversations', label: 'Conversations', value: count(mine.conversations), sub: 'That you held' },
    { key: 'first_response', label: 'First response, median', value: duration(mine.first_response_median_seconds), sub: 'Of the chats you answered first' },
    { key: 'resolution', label: 'Resolution, median', value: duration(mine.resolution_median_seconds), sub: 'From the request for a person to the close' },
    {
      key: 'csat', label: 'Customer satisfaction', value: mine.csat_average === null || mine.csat_average === undefined ? '—' : `${average(mine.csat_average)} / 5`,
      sub: mine.csat_average === null || mine.csat_average === undefined ? 'No ratings yet' : 'Average rating of your chats',
    },
  ];
}

export class MyNumbers {
  /** @param {{reports: ReturnType<import('./reportsapi.js').reportsApi>}} deps */
  constructor({ reports }) {
    this.reports = reports;
    this.where = null;
    this.key = '';
    this.token = 0;
    this.el = {
      view: $('mynumbers-view'), title: $('mynumbers-title'), form: $('mynumbers-filters'), hours: $('mynumbers-business-hours'),
      rangeText: $('mynumbers-range-text'), state: $('mynumbers-state'), error: $('mynumbers-error'), tiles: $('mynumbers-tiles'),
    };
    this.el.form.addEventListener('submit', (event) => event.preventDefault());
    this.el.hours.addEventListener('change', () => {
      if (this.where) location.replace(reportsHash({ businessHours: this.el.hours.checked }));
    });
  }

  /** Shows the numbers ({businessHours}), or hides them (null). */
  show(where) {
    const { el } = this;
    const wasShown = this.where !== null;
    el.view.hidden = !where;
    this.where = where;
    if (!where) return;
    setMain('mynumbers-view');
    el.hours.checked = where.businessHours;
    const key = JSON.stringify(where);
    if (key !== this.key) {
      this.key = key;
      this.#load();
    }
    if (!wasShown) el.title.focus({ preventScroll: true });
  }

  /** Signed out: nothing of these numbers stays. */
  forget() {
    this.token++;
    this.key = '';
    clear(this.el.tiles);
    this.el.tiles.hidden = true;
  }

  async #load() {
    const { el } = this;
    const token = ++this.token;
    showError(el.error, '');
    el.state.textContent = 'Counting…';
    try {
      // The API's default period: the 30 days ending today, in the shop's time zone.
      const mine = await this.reports.mine({ business_hours: this.where.businessHours ? 'true' : undefined });
      if (token !== this.token) return;
      el.state.textContent = '';
      el.rangeText.textContent = mine.range ? `The last 30 days: ${rangeText({ ...mine.range, interval: null })}` : 'The last 30 days';
      clear(el.tiles).append(...myTiles(mine).map(tile));
      el.tiles.hidden = false;
    } catch (err) {
      if (token !== this.token || signedOut(err)) return;
      el.state.textContent = '';
      el.tiles.hidden = true;
      showError(el.error, explain(err, { fallback: "Couldn't read your numbers. Try again." }).text);
    }
  }
}
