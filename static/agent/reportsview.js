// Reports, for admins (#reports?range=…&bh=1&label=…&interval=…; docs/API.md
// "Reports"): a period (the last 7, 30 or 90 days in the shop's time zone, or
// two dates), business hours only, a label and the charts' interval choose
// what GET admin/reports/overview counts; the address holds the choice, so a
// report can be bookmarked and Back works. The answer shows as tiles (totals,
// first response and resolution medians with their 90th percentile, CSAT),
// charts (charts.js: conversations and escalations per period, the first
// response's median per period, the CSAT distribution, the busiest hours),
// each with a table of the same numbers for screen readers, and a table of
// the agents. "Download CSV" fetches the same conversations with the token
// (reportsapi.js) and saves them. Nothing in range: an empty state; a refusal:
// the API's own words.

import { $, clear, h } from '../js/dom.js';
import { barChart, columnChart, dataTable, durationScale, heatMap, heatSwatch, lineChart } from './charts.js';
import { setMain } from './chrome.js';
import { saveFile } from './download.js';
import { explain, showError, signedOut } from './forms.js';
import { labelsKey } from './labels.js';
import {
  average, count, csvParams, duration, heatLevel, heatLevels, hourGrid, hourName, overviewParams, periodName, rangeText,
  rate, share, shortDay, todayIn, weekday,
} from './reportdata.js';
import { reportsHash } from './routes.js';

// Redraw the charts when their boxes change width by more than this (px).
const REDRAW_SLACK = 8;

/** One tile: its name, its number, and a line under it. */
export function tile({ key, label, value, sub }) {
  return h('li', { class: 'report-tile', dataset: { tile: key } },
    h('p', { class: 'tile-label' }, label),
    h('p', { class: 'tile-value' }, value),
    sub ? h('p', { class: 'tile-sub' }, sub) : null);
}

/** "90% within 12 min · 123 answered" under a median ('' with nothing measured). */
function spread({ p90_seconds: p90, count: n }, what) {
  if (!n) return `None ${what} yet`;
  return `90% within ${duration(p90)} · ${count(n)} ${what}`;
}

/** The overview's totals as tiles ({key, label, value, sub}). */
export function overviewTiles(report) {
  const { totals, first_response: first, resolution, csat } = report;
  return [
    { key: 'conversations', label: 'Conversations', value: count(totals.conversations), sub: `${count(totals.closed)} closed` },
    { key: 'bot_resolved', label: 'Resolved by the bot', value: count(totals.bot_resolved), sub: `${share(totals.bot_resolved, totals.conversations)} of all` },
    { key: 'escalated', label: 'Asked for a person', value: count(totals.escalated), sub: `${share(totals.escalated, totals.conversations)} of all` },
    { key: 'offline_messages', label: 'Offline messages', value: count(totals.offline_messages), sub: 'Left while nobody was there' },
    { key: 'first_response', label: 'First response, median', value: duration(first.median_seconds), sub: spread(first, 'answered') },
    { key: 'resolution', label: 'Resolution, median', value: duration(resolution.median_seconds), sub: spread(resolution, 'resolved') },
    {
      key: 'csat', label: 'Customer satisfaction', value: csat.average === null ? '—' : `${average(csat.average)} / 5`,
      sub: csat.count ? `${count(csat.count)} ${csat.count === 1 ? 'rating' : 'ratings'} · ${rate(csat.response_rate)} of chats rated` : 'No ratings yet',
    },
  ];
}

/** The agents' table: a row each, most conversations first (as the API orders them). */
export function agentRows(agents) {
  return (agents || []).map((a) => [a.agent?.display_name || 'Agent', count(a.conversations), duration(a.first_response_median_seconds),
    duration(a.resolution_median_seconds), a.csat_average === null || a.csat_average === undefined ? '—' : `${average(a.csat_average)} / 5`]);
}

/** The CSAT distribution as columns, "1 ★" … "5 ★". */
export const csatColumns = (distribution) => [1, 2, 3, 4, 5].map((score) => ({ key: String(score), label: `${score} ★`, value: distribution?.[score - 1] || 0 }));

export class ReportsView {
  /**
   * @param {{api, reports: ReturnType<import('./reportsapi.js').reportsApi>, labels: import('./labels.js').LabelStore,
   *          toast: (text, kind?) => void}} deps  api: agentApi (the shop's time zone, from Settings)
   */
  constructor({ api, reports, labels, toast }) {
    Object.assign(this, { api, reports, labels, toast });
    this.where = null; // the report shown (routes.js reportsOf)
    this.key = '';
    this.zone = null; // the shop's time zone, once known
    this.params = null; // the query of the report shown (the CSV asks the same)
    this.report = null;
    this.token = 0;
    this.charts = []; // [{box, draw(width), width}]
    this.el = {
      view: $('reports-view'), title: $('reports-title'), form: $('reports-filters'), range: $('reports-range'),
      fromField: $('reports-from-field'), toField: $('reports-to-field'), from: $('reports-from'), to: $('reports-to'),
      label: $('reports-label'), interval: $('reports-interval'), hours: $('reports-business-hours'), csv: $('reports-csv'),
      rangeText: $('reports-range-text'), state: $('reports-state'), error: $('reports-error'), empty: $('reports-empty'),
      body: $('reports-body'), tiles: $('reports-tiles'), chartsBox: $('reports-charts'), agents: $('reports-agents-scroll'),
    };
    const { el } = this;
    el.form.addEventListener('submit', (event) => event.preventDefault());
    el.range.addEventListener('change', () => {
      const next = { range: el.range.value };
      // Custom starts from the period shown, for a day or two to change.
      if (next.range === 'custom') Object.assign(next, { from: this.shown?.from || '', to: this.shown?.to || '' });
      this.#choose(next);
    });
    for (const input of [el.from, el.to]) input.addEventListener('change', () => this.#choose({ from: el.from.value, to: el.to.value }));
    el.label.addEventListener('change', () => this.#choose({ label: el.label.value }));
    el.interval.addEventListener('change', () => this.#choose({ interval: el.interval.value }));
    el.hours.addEventListener('change', () => this.#choose({ businessHours: el.hours.checked }));
    el.csv.addEventListener('click', () => this.#csv());
    labels.onChange(() => this.#labelOptions());
    if (typeof ResizeObserver === 'function') this.resizer = new ResizeObserver(() => this.#redraw());
  }

  /** Shows the report of `where` ({range, from, to, businessHours, label, interval}), or hides it (null). */
  show(where) {
    const { el } = this;
    const wasShown = this.where !== null;
    el.view.hidden = !where;
    this.where = where;
    if (!where) {
      this.resizer?.disconnect();
      return;
    }
    setMain('reports-view');
    this.labels.load().catch(() => {}); // the label filter's choices
    this.#controls();
    const key = JSON.stringify(where);
    if (key !== this.key) {
      this.key = key;
      this.#load();
    }
    this.resizer?.observe(el.chartsBox);
    if (!wasShown) el.title.focus({ preventScroll: true });
  }

  /** Signed out: nothing of this report stays. */
  forget() {
    this.token++;
    this.key = '';
    this.zone = null;
    this.params = null;
    this.report = null;
    this.shown = null;
    clear(this.el.tiles);
    clear(this.el.chartsBox);
    clear(this.el.agents);
    this.charts = [];
    this.el.body.hidden = true;
    this.el.empty.hidden = true;
  }

  // A control changed: the address takes the new choice (in place: Back leaves Reports).
  #choose(change) {
    if (!this.where) return;
    location.replace(reportsHash({ ...this.where, ...change }));
  }

  #controls() {
    const { el, where } = this;
    el.range.value = where.range;
    const custom = where.range === 'custom';
    el.fromField.hidden = el.toField.hidden = !custom;
    if (custom) {
      el.from.value = where.from;
      el.to.value = where.to;
    }
    el.interval.value = where.interval;
    el.hours.checked = where.businessHours;
    this.#labelOptions();
  }

  #labelOptions() {
    const { el } = this;
    const labels = this.labels.items || [];
    const wanted = this.where?.label || '';
    const sig = `${labelsKey(labels)}|${wanted}`;
    if (sig !== this.labelSig) {
      this.labelSig = sig;
      clear(el.label).append(h('option', { value: '' }, 'All labels'), ...labels.map((l) => h('option', { value: l.id }, l.name)));
      // A label not known (deleted, or not read yet) stays chosen: the server says whether it exists.
      if (wanted && !labels.some((l) => l.id === wanted)) el.label.append(h('option', { value: wanted }, 'A deleted label'));
    }
    el.label.value = wanted;
  }

  /** Today in the shop's time zone (Settings → Hours), else in the browser's. */
  async #today() {
    if (!this.zone) {
      try {
        this.zone = (await this.api.admin.settings())?.availability?.timezone || null;
      } catch (err) {
        if (signedOut(err)) throw err;
      }
    }
    return todayIn(this.zone);
  }

  async #load() {
    const { el, where } = this;
    const token = ++this.token;
    showError(el.error, '');
    el.state.textContent = 'Counting…';
    el.state.dataset.quiet = 'false';
    el.body.setAttribute('aria-busy', 'true');
    el.csv.disabled = true;
    let params;
    try {
      params = overviewParams(where, await this.#today());
      if (token !== this.token) return;
      if (params.problem) {
        this.#failed(params.problem);
        return;
      }
      const report = await this.reports.overview(params);
      if (token !== this.token) return;
      this.params = params;
      this.report = report;
      this.zone = report.range?.timezone || this.zone;
      this.shown = { from: report.range?.from || params.from, to: report.range?.to || params.to };
      this.#render();
    } catch (err) {
      if (token !== this.token || signedOut(err)) return;
      this.#failed(explain(err, { fallback: "Couldn't read the report. Try again." }).text);
    }
  }

  #failed(text) {
    const { el } = this;
    this.params = null;
    el.state.textContent = '';
    el.rangeText.textContent = '';
    el.body.hidden = true;
    el.body.removeAttribute('aria-busy');
    el.empty.hidden = true;
    showError(el.error, text);
  }

  #render() {
    const { el, report } = this;
    const none = !report.totals?.conversations;
    el.body.removeAttribute('aria-busy');
    el.csv.disabled = false;
    el.rangeText.textContent = rangeText(report.range);
    el.state.textContent = none ? 'No conversations in this range.' : `${count(report.totals.conversations)} ${report.totals.conversations === 1 ? 'conversation' : 'conversations'}.`;
    // The empty state says it on screen; the live region still says it to screen readers.
    el.state.dataset.quiet = String(none);
    el.empty.hidden = !none;
    el.body.hidden = none;
    if (none) return;
    clear(el.tiles).append(...overviewTiles(report).map(tile));
    this.#renderCharts();
    clear(el.agents).append(report.agents?.length
      ? dataTable({
        caption: 'Agents', visible: true, id: 'reports-agents-table',
        columns: ['Agent', 'Conversations', 'First response, median', 'Resolution, median', 'Satisfaction'], rows: agentRows(report.agents),
      })
      : h('p', { class: 'report-none' }, 'No agent held or answered these conversations.'));
  }

  // --- charts ------------------------------------------------------------------------------

  #renderCharts() {
    const { report } = this;
    const interval = report.range?.interval === 'week' ? 'week' : 'day';
    const series = report.series || [];
    const labels = series.map((s) => shortDay(s.start));
    const names = series.map((s) => periodName(s.start, interval));
    const period = interval === 'week' ? 'Week' : 'Day';
    const per = interval === 'week' ? 'per week' : 'per day';
    const charts = [];

    // Conversations and escalations.
    const volume = [
      { key: 'conversations', name: 'Conversations', values: series.map((s) => s.conversations) },
      { key: 'escalated', name: 'Asked for a person', values: series.map((s) => s.escalated) },
    ];
    charts.push({
      id: 'chart-volume', title: `Conversations ${per}`, wide: true,
      legend: h('ul', { class: 'chart-legend' }, volume.map((s) => h('li', { dataset: { series: s.key } },
        h('span', { class: 'legend-key', 'aria-hidden': 'true' }), s.name))),
      draw: (width) => lineChart({ labels, names, series: volume, width }),
      table: dataTable({ caption: `Conversations and requests for a person ${per}`, columns: [period, 'Conversations', 'Asked for a person'],
        rows: series.map((s, i) => [names[i], count(s.conversations), count(s.escalated)]) }),
    });

    // The first response's median.
    const medians = series.map((s) => s.first_response_median_seconds ?? null);
    const answered = medians.some((v) => typeof v === 'number');
    const gaps = medians.some((v) => typeof v !== 'number');
    charts.push({
      id: 'chart-first-response', title: `First response, median ${per}`,
      sub: answered && gaps ? `No bar: nobody was answered that ${interval}.` : null,
      none: answered ? null : 'No chat was answered in this range.',
      draw: (width) => barChart({ labels, names, values: medians, name: 'median first response', width, format: duration, scale: durationScale }),
      table: dataTable({ caption: `First response, median ${per}`, columns: [period, 'First response, median'], rows: series.map((s, i) => [names[i], duration(medians[i])]) }),
    });

    // The CSAT distribution.
    const columns = csatColumns(report.csat?.distribution);
    const rated = columns.reduce((sum, c) => sum + c.value, 0);
    charts.push({
      id: 'chart-csat', title: 'Ratings',
      sub: rated ? `${count(rated)} ${rated === 1 ? 'rating' : 'ratings'}, from 1 (worst) to 5 (best)` : null,
      none: rated ? null : 'No ratings in this range.',
      draw: (width) => columnChart({ columns, width }),
      table: dataTable({ caption: 'Ratings by score', columns: ['Score', 'Ratings', 'Share'],
        rows: columns.map((c) => [`${c.key} out of 5`, count(c.value), share(c.value, rated)]) }),
    });

    // The busiest hours.
    const grid = hourGrid(report.busiest_hours);
    const max = Math.max(0, ...grid.flat());
    const levels = heatLevels(max);
    const zone = report.range?.timezone ? ` (${report.range.timezone} time)` : '';
    charts.push({
      id: 'chart-hours', title: 'Busiest hours', wide: true,
      sub: `New conversations by weekday and hour${zone}.`,
      legend: h('ul', { class: 'heat-legend', 'aria-label': 'Shades' },
        h('li', {}, heatSwatch(0), 'None'),
        levels.map((l) => h('li', {}, heatSwatch(l.level), l.from === l.to ? count(l.from) : `${count(l.from)}–${count(l.to)}`))),
      draw: (width) => heatMap({
        rows: grid, rowNames: [1, 2, 3, 4, 5, 6, 7].map((d) => weekday(d)), columnNames: grid[0].map((_, hour) => hourName(hour)),
        level: (n) => heatLevel(n, levels), width,
        tip: (r, c, n) => `${weekday(r + 1, { long: true })} ${hourName(c)}–${hourName((c + 1) % 24)}: ${count(n)} ${n === 1 ? 'conversation' : 'conversations'}`,
      }),
      table: dataTable({ caption: `New conversations by weekday and hour${zone}`, columns: ['Weekday', ...grid[0].map((_, hour) => hourName(hour))],
        rows: grid.map((row, r) => [weekday(r + 1, { long: true }), ...row.map(count)]) }),
    });

    clear(this.el.chartsBox);
    this.charts = charts.map((spec) => {
      const box = h('div', { class: 'chart-box', dataset: { chart: spec.id.replace(/^chart-/, '') } });
      this.el.chartsBox.append(h('figure', { class: `report-card chart-card${spec.wide ? ' wide' : ''}`, id: spec.id, 'aria-labelledby': `${spec.id}-title` },
        h('figcaption', { class: 'chart-head' },
          h('h2', { class: 'report-card-title', id: `${spec.id}-title` }, spec.title),
          spec.sub ? h('p', { class: 'report-card-sub' }, spec.sub) : null),
        spec.none ? h('p', { class: 'report-none' }, spec.none) : [spec.legend || null, box],
        spec.table));
      return { box, draw: spec.none ? null : spec.draw, width: 0 };
    });
    this.#redraw(true);
  }

  // Each chart drawn for its box's width (again when that changed: a resize, a phone turned).
  #redraw(force = false) {
    for (const chart of this.charts) {
      if (!chart.draw) continue;
      const width = Math.round(chart.box.clientWidth) || 600;
      if (!force && Math.abs(width - chart.width) <= REDRAW_SLACK) continue;
      chart.width = width;
      clear(chart.box).append(chart.draw(width));
    }
  }

  // --- the CSV -------------------------------------------------------------------------------

  async #csv() {
    const { el } = this;
    if (!this.params || el.csv.disabled) return;
    const before = el.csv.textContent;
    el.csv.disabled = true;
    el.csv.textContent = 'Preparing CSV…';
    try {
      const { blob, filename } = await this.reports.csv(csvParams(this.params));
      saveFile(blob, filename);
      this.toast(`Downloaded ${filename}.`);
    } catch (err) {
      if (!signedOut(err)) this.toast(explain(err, { fallback: "Couldn't download the CSV. Try again." }).text, 'error');
    } finally {
      el.csv.disabled = false;
      el.csv.textContent = before;
    }
  }
}
