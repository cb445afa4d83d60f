// Small SVG charts for Reports, drawn with createElementNS (never parsed from
// strings): lines over days or weeks, bars (with gaps where there is no
// value), five labelled columns, and a weekday × hour heat map. Each is drawn
// for the width its box has (viewBox in pixels, so text stays readable on a
// phone; the stylesheet lets it scale between redraws). Colours come from the
// stylesheet through classes and data-* (reports.css), never inline styles,
// and no chart says anything by colour alone: lines differ by dash and marker
// too, columns carry their labels and counts. The SVGs are hidden from
// assistive technology: dataTable() gives each the same numbers as a table.

import { h } from '../js/dom.js';

const SVG_NS = 'http://www.w3.org/2000/svg';
const FONT = 12; // the stylesheet's size of chart text, for room estimates
const CHAR = 7; // about a character's width at FONT

/** An SVG element with attributes (numbers rounded to 0.1) and children (strings: text). */
export function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    el.setAttribute(name, typeof value === 'number' ? String(Math.round(value * 10) / 10) : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === 'string' || typeof child === 'number' ? document.createTextNode(String(child)) : child);
  }
  return el;
}

/** The chart's frame: sized by viewBox, hidden from assistive technology (its table says it). */
function frame(width, height, kind) {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'chart', 'data-kind': kind, 'aria-hidden': 'true', focusable: 'false' });
}

// --- scales ---------------------------------------------------------------------------------

/** A count axis up to at least `max`: {max, step}, whole steps of 1, 2 or 5 × 10ⁿ, about `ticks` of them. */
export function countScale(max, ticks = 4) {
  if (!(max > 0)) return { max: ticks, step: 1 };
  const raw = max / ticks;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const step = Math.max(1, (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag);
  return { max: Math.ceil(max / step) * step, step };
}

// Steps a duration axis may take, in seconds: round to people (1 min, 15 min, 1 h, 1 d …).
const DURATION_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 432000, 864000];

/** A duration axis up to at least `max` seconds: {max, step}, with at most `ticks` steps. */
export function durationScale(max, ticks = 4) {
  if (!(max > 0)) return { max: 60 * ticks, step: 60 };
  const step = DURATION_STEPS.find((s) => max / s <= ticks) || Math.ceil(max / ticks / 86400) * 86400;
  return { max: Math.ceil(max / step) * step, step };
}

/** Which of `n` labels to write along `room` pixels (every k-th; the last is always written when it fits). */
export function labelEvery(n, room, labelWidth) {
  const fit = Math.max(1, Math.floor(room / labelWidth));
  return Math.max(1, Math.ceil(n / fit));
}

function yAxis(chart, { scale, format, left, right, top, bottom }) {
  const g = svg('g', { class: 'chart-axis' });
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) {
    const y = bottom - ((bottom - top) * v) / scale.max;
    g.append(
      svg('line', { class: v === 0 ? 'chart-base' : 'chart-grid', x1: left, x2: right, y1: y, y2: y }),
      svg('text', { x: left - 8, y: y + FONT / 3, 'text-anchor': 'end' }, format(v)),
    );
  }
  chart.append(g);
}

function xLabels(chart, { labels, xs, bottom, width, room }) {
  const longest = Math.max(...labels.map((l) => l.length), 1) * CHAR + 12;
  const every = labelEvery(labels.length, room, longest);
  const g = svg('g', { class: 'chart-axis' });
  labels.forEach((label, i) => {
    if (i % every !== 0) return;
    const x = Math.min(Math.max(xs[i], longest / 2), width - longest / 2);
    g.append(svg('text', { x, y: bottom + FONT + 8, 'text-anchor': 'middle' }, label));
  });
  chart.append(g);
}

/** The left margin a set of axis labels needs. */
const marginFor = (texts) => Math.max(...texts.map((t) => t.length), 1) * CHAR + 14;

function ticksOf(scale) {
  const out = [];
  for (let v = 0; v <= scale.max + 1e-9; v += scale.step) out.push(v);
  return out;
}

// --- lines ----------------------------------------------------------------------------------

/**
 * Lines over the periods of a series.
 * @param {{labels: string[], names?: string[], series: {key: string, name: string, values: (number|null)[]}[],
 *          width: number, height?: number, format?: (v) => string, scale?: typeof countScale}} spec
 *   labels: the x axis ("Nov 3"); names: each period's full name for the points' tooltips;
 *   a null value breaks its line.
 */
export function lineChart({ labels, names = labels, series, width, height = 220, format = String, scale: scaleOf = countScale }) {
  const max = Math.max(0, ...series.flatMap((s) => s.values.filter((v) => typeof v === 'number')));
  const scale = scaleOf(max);
  const left = marginFor(ticksOf(scale).map(format));
  const right = width - 12;
  const top = 10;
  const bottom = height - FONT - 14;
  const n = labels.length;
  const xs = labels.map((_, i) => (n === 1 ? (left + right) / 2 : left + ((right - left) * i) / (n - 1)));
  const y = (v) => bottom - ((bottom - top) * v) / scale.max;
  const chart = frame(width, height, 'line');
  yAxis(chart, { scale, format, left, right, top, bottom });
  xLabels(chart, { labels, xs, bottom, width, room: right - left });
  const dots = n <= 62; // markers for each period while they stay apart
  series.forEach((s, si) => {
    const g = svg('g', { class: 'chart-series', 'data-series': s.key });
    let d = '';
    let pen = false;
    s.values.forEach((v, i) => {
      if (typeof v !== 'number') {
        pen = false;
        return;
      }
      d += `${pen ? 'L' : 'M'}${Math.round(xs[i] * 10) / 10} ${Math.round(y(v) * 10) / 10} `;
      pen = true;
    });
    if (d) g.append(svg('path', { class: 'chart-line', d: d.trim() }));
    if (dots || n === 1) {
      s.values.forEach((v, i) => {
        if (typeof v !== 'number') return;
        const tip = svg('title', {}, `${names[i]}: ${format(v)} ${s.name.toLowerCase()}`);
        // Markers differ by shape as well as colour: circles for the first series, squares after.
        g.append(si === 0 ? svg('circle', { class: 'chart-dot', cx: xs[i], cy: y(v), r: 3 }, tip)
          : svg('rect', { class: 'chart-dot', x: xs[i] - 3, y: y(v) - 3, width: 6, height: 6 }, tip));
      });
    }
    chart.append(g);
  });
  return chart;
}

// --- bars -----------------------------------------------------------------------------------

/**
 * One bar per period; a null value leaves its place empty.
 * @param {{labels: string[], names?: string[], values: (number|null)[], name: string, width: number, height?: number,
 *          format?: (v) => string, scale?: typeof countScale}} spec
 */
export function barChart({ labels, names = labels, values, name, width, height = 220, format = String, scale: scaleOf = countScale }) {
  const max = Math.max(0, ...values.filter((v) => typeof v === 'number'));
  const scale = scaleOf(max);
  const left = marginFor(ticksOf(scale).map(format));
  const right = width - 12;
  const top = 10;
  const bottom = height - FONT - 14;
  const n = Math.max(1, labels.length);
  const slot = (right - left) / n;
  const barWidth = Math.max(1, Math.min(36, slot * 0.7));
  const xs = labels.map((_, i) => left + slot * (i + 0.5));
  const chart = frame(width, height, 'bar');
  yAxis(chart, { scale, format, left, right, top, bottom });
  xLabels(chart, { labels, xs, bottom, width, room: right - left });
  const g = svg('g', { class: 'chart-series', 'data-series': 'bars' });
  values.forEach((v, i) => {
    if (typeof v !== 'number') return;
    const hgt = ((bottom - top) * v) / scale.max;
    g.append(svg('rect', { class: 'chart-bar', x: xs[i] - barWidth / 2, y: bottom - hgt, width: barWidth, height: Math.max(hgt, v > 0 ? 1 : 0) },
      svg('title', {}, `${names[i]}: ${format(v)} ${name}`)));
  });
  chart.append(g);
  return chart;
}

/**
 * A few labelled columns (the CSAT distribution): each with its label under it and its count
 * (and share of all) over it, so nothing depends on the colour.
 * @param {{columns: {key: string, label: string, value: number}[], width: number, height?: number}} spec
 */
export function columnChart({ columns, width, height = 200 }) {
  const total = columns.reduce((sum, c) => sum + (c.value || 0), 0);
  const max = Math.max(1, ...columns.map((c) => c.value || 0));
  const left = 8;
  const right = width - 8;
  const top = FONT + 14;
  const bottom = height - FONT - 14;
  const slot = (right - left) / columns.length;
  const barWidth = Math.min(64, slot * 0.6);
  const chart = frame(width, height, 'columns');
  chart.append(svg('line', { class: 'chart-base', x1: left, x2: right, y1: bottom, y2: bottom }));
  columns.forEach((c, i) => {
    const x = left + slot * (i + 0.5);
    const hgt = ((bottom - top) * (c.value || 0)) / max;
    const pct = total ? ` (${Math.round((100 * c.value) / total)}%)` : '';
    chart.append(svg('g', { class: 'chart-column', 'data-key': c.key },
      svg('rect', { class: 'chart-bar', x: x - barWidth / 2, y: bottom - hgt, width: barWidth, height: hgt }),
      svg('text', { class: 'chart-value', x, y: bottom - hgt - 6, 'text-anchor': 'middle' }, slot > 70 ? `${c.value}${pct}` : String(c.value)),
      svg('text', { class: 'chart-label', x, y: bottom + FONT + 8, 'text-anchor': 'middle' }, c.label)));
  });
  return chart;
}

// --- the heat map ---------------------------------------------------------------------------

/**
 * Rows × columns of cells, each shaded by its level (reports.css [data-level]).
 * @param {{rows: number[][], rowNames: string[], columnNames: string[],
 *          level: (n) => number, tip: (row, column, n) => string, width: number}} spec
 */
export function heatMap({ rows, rowNames, columnNames, level, tip, width }) {
  const left = marginFor(rowNames) - 6;
  const columns = columnNames.length;
  const cell = Math.max(6, (width - left - 4) / columns);
  const cellHeight = Math.min(Math.max(cell, 16), 28);
  const top = FONT + 10;
  const height = top + cellHeight * rows.length + 2;
  const every = labelEvery(columns, cell * columns, 5 * CHAR + 8);
  const chart = frame(width, height, 'heat');
  const labels = svg('g', { class: 'chart-axis' });
  columnNames.forEach((name, c) => {
    if (c % every === 0) labels.append(svg('text', { x: left + cell * c, y: FONT, 'text-anchor': 'start' }, name));
  });
  rowNames.forEach((name, r) => labels.append(svg('text', { x: left - 8, y: top + cellHeight * r + cellHeight / 2 + FONT / 3, 'text-anchor': 'end' }, name)));
  chart.append(labels);
  const gap = cell > 10 ? 2 : 1;
  rows.forEach((row, r) => {
    const g = svg('g', { class: 'heat-row', 'data-row': r + 1 });
    row.forEach((n, c) => {
      g.append(svg('rect', { class: 'heat-cell', 'data-level': level(n), x: left + cell * c, y: top + cellHeight * r, width: cell - gap, height: cellHeight - gap, rx: 2 },
        svg('title', {}, tip(r, c, n))));
    });
    chart.append(g);
  });
  return chart;
}

/** A legend's sample of heat level `level` (decorative: the legend's text says what it means). */
export const heatSwatch = (level) => h('span', { class: 'heat-swatch', dataset: { level }, 'aria-hidden': 'true' });

// --- the same numbers as text -------------------------------------------------------------------

/**
 * A table of what a chart shows, for screen readers (and anyone with the styles off): the
 * first cell of each row is its header. `visible` keeps it on screen (the agents' table).
 * @param {{caption: string, columns: string[], rows: (string|number)[][], visible?: boolean, id?: string}} spec
 */
export function dataTable({ caption, columns, rows, visible = false, id = null }) {
  const table = h('table', { class: visible ? 'report-table' : 'chart-table', id },
    h('caption', { class: visible ? 'sr-only' : null }, caption),
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((row) => h('tr', {}, row.map((cell, i) => (i === 0 ? h('th', { scope: 'row' }, String(cell)) : h('td', {}, String(cell))))))));
  // Hidden in a box of its own: a table never shrinks below its content, a 1-px div does (and clips it).
  return visible ? table : h('div', { class: 'sr-only' }, table);
}
