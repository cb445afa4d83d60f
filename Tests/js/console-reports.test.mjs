// The console's side of ratings and reports (issue 23): durations as people
// read them, the periods (presets counted in the shop's time zone, a custom
// range checked before asking, weeks past 60 days), the Reports address, the
// heat map's shades, the SVG charts (sized by viewBox, hidden from assistive
// technology, a table of the same numbers beside each, text only through text
// nodes), the tiles, the routes (the token in the header, the CSV as a Blob
// with its file name, the API's `detail` on a refusal), the Reports page
// itself against a fake API (loading, empty, refused, the CSV with the same
// filters), an agent's own numbers, and a rating on a row, in the header and
// from the `conversation.rated` event.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { Element, Text, installDom } from './fakedom.mjs';
import { load } from './load.mjs';

globalThis.addEventListener ??= () => {}; // chrome.js reaches sound.js

const data = await load('agent/reportdata.js');
const { barChart, columnChart, countScale, dataTable, durationScale, heatMap, labelEvery, lineChart } = await load('agent/charts.js');
const { reportsHash, reportsOf, viewOf } = await load('agent/routes.js');
const { reportsApi, query } = await load('agent/reportsapi.js');
const { ReportsView, agentRows, csatColumns, overviewTiles } = await load('agent/reportsview.js');
const { MyNumbers, myTiles } = await load('agent/mynumbers.js');
const { ratingKey, ratingLabel, ratingMarker, ratingOf, ratingShort, ratingText } = await load('agent/rating.js');
const { Inbox } = await load('agent/inbox.js');
const { applyEvent } = await load('agent/events.js');
const { ApiError } = await load('js/api.js');

const { duration, share, rate, average, count, parseDay, addDays, daysIn, todayIn, rangeOf, intervalOf, overviewParams, csvParams,
  periodName, rangeText, hourGrid, heatLevels, heatLevel, csvName, weekday, hourName } = data;

/** Text with its no-break spaces (between a number and its unit) as plain ones. */
const plain = (text) => (typeof text === 'string' ? text.replace(/\u00a0/g, ' ') : Array.isArray(text) ? text.map(plain) : text);

/** Every element below `node` (itself too) whose attribute `name` is `value` (any value when omitted). */
const all = (node, name, value) => [node, ...node.descendants()].filter((el) => el instanceof Element && el.hasAttribute(name) && (value === undefined || el.getAttribute(name) === value));
const byTag = (node, tag) => [...node.descendants()].filter((el) => el.tagName === tag.toUpperCase());

describe('reports: numbers as people read them', () => {
  test('durations: seconds, minutes with seconds, hours with minutes, days with hours; none is "—"', () => {
    assert.equal(plain(duration(0)), '0 s');
    assert.equal(plain(duration(45)), '45 s');
    assert.equal(plain(duration(60)), '1 min');
    assert.equal(plain(duration(250)), '4 min 10 s');
    assert.equal(plain(duration(3599)), '59 min 59 s');
    assert.equal(plain(duration(3600)), '1 h');
    assert.equal(plain(duration(3900)), '1 h 5 min');
    assert.equal(plain(duration(3929)), '1 h 5 min', 'an hour is not read to the second');
    assert.equal(plain(duration(86400 * 2 + 3 * 3600 + 59)), '2 d 3 h');
    assert.equal(plain(duration(86400)), '1 d');
    assert.equal(plain(duration(12.9)), '12 s', 'whole seconds, rounded down as the API does');
    for (const none of [null, undefined, '', NaN, 'soon']) assert.equal(plain(duration(none)), '—', String(none));
    assert.equal(duration(250), '4\u00a0min 10\u00a0s', 'a number never wraps away from its unit');
  });

  test('shares, rates, the CSAT average and counts', () => {
    assert.equal(share(1, 3), '33%');
    assert.equal(share(0, 10), '0%');
    assert.equal(share(3, 0), '—', 'nothing to be a share of');
    assert.equal(rate(0.42), '42%');
    assert.equal(rate(1), '100%');
    assert.equal(rate(null), '—');
    assert.equal(average(4.25), '4.25');
    assert.equal(average(4), '4.00');
    assert.equal(average(null), '—');
    assert.equal(count(12), '12');
    assert.equal(count(null), '—');
  });

  test('weekdays Monday first, hours on a 24-hour clock', () => {
    assert.equal(weekday(1, { long: true }), new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' }).format(Date.UTC(2024, 0, 1)));
    assert.equal(new Date(Date.UTC(2024, 0, 7)).getUTCDay(), 0, 'weekday 7 is a Sunday');
    assert.equal(hourName(0), '00:00');
    assert.equal(hourName(9), '09:00');
    assert.equal(hourName(23), '23:00');
  });
});

describe('reports: the period', () => {
  test('real dates only', () => {
    assert.equal(parseDay('2026-02-28') !== null, true);
    assert.equal(parseDay('2026-02-30'), null);
    assert.equal(parseDay('2026-2-3'), null);
    assert.equal(parseDay(''), null);
    assert.equal(addDays('2026-03-01', -1), '2026-02-28');
    assert.equal(addDays('2024-03-01', -1), '2024-02-29');
    assert.equal(daysIn('2026-11-01', '2026-11-30'), 30);
    assert.equal(daysIn('2026-11-01', '2026-11-01'), 1);
  });

  test('"today" is the shop\'s: late evening in New York is already tomorrow in Berlin', () => {
    const now = new Date('2026-11-21T23:30:00.000Z');
    assert.equal(todayIn('Europe/Berlin', now), '2026-11-22');
    assert.equal(todayIn('America/New_York', now), '2026-11-21');
    assert.match(todayIn('Not/AZone', now), /^\d{4}-\d{2}-\d{2}$/, 'an unknown zone: the browser\'s day');
  });

  test('the presets end today, today counted (7 days: today and the six before)', () => {
    assert.deepEqual(rangeOf({ range: '7' }, '2026-11-22'), { from: '2026-11-16', to: '2026-11-22', days: 7 });
    assert.deepEqual(rangeOf({ range: '30' }, '2026-03-01'), { from: '2026-01-31', to: '2026-03-01', days: 30 });
    assert.equal(rangeOf({ range: '90' }, '2026-11-22').from, '2026-08-25');
  });

  test('a custom range is checked before asking: both days, in order, at most 400 days', () => {
    assert.deepEqual(rangeOf({ range: 'custom', from: '2026-11-01', to: '2026-11-30' }, 'x'), { from: '2026-11-01', to: '2026-11-30', days: 30 });
    assert.match(rangeOf({ range: 'custom', from: '', to: '2026-11-30' }).problem, /first and the last day/);
    assert.match(rangeOf({ range: 'custom', from: '2026-11-30', to: '2026-11-01' }).problem, /before the first/);
    assert.match(rangeOf({ range: 'custom', from: '2025-01-01', to: '2026-11-30' }).problem, /at most 400 days/);
    assert.equal(rangeOf({ range: 'custom', from: '2025-10-27', to: '2026-11-30' }).days, 400, '400 days are fine');
  });

  test('charts by week past 60 days when automatic; a chosen interval stays', () => {
    assert.equal(intervalOf('auto', 60), 'day');
    assert.equal(intervalOf('auto', 61), 'week');
    assert.equal(intervalOf('auto', 90), 'week');
    assert.equal(intervalOf('day', 90), 'day');
    assert.equal(intervalOf('week', 7), 'week');
  });

  test('the overview\'s query: defaults left out; the CSV asks the same conversations without the interval', () => {
    const where = { range: '90', from: '', to: '', businessHours: true, label: 'l1', interval: 'auto' };
    const params = overviewParams(where, '2026-11-22');
    assert.deepEqual(params, { from: '2026-08-25', to: '2026-11-22', interval: 'week', business_hours: 'true', label: 'l1' });
    assert.deepEqual(csvParams(params), { from: '2026-08-25', to: '2026-11-22', business_hours: 'true', label: 'l1' });
    assert.equal(query(overviewParams({ range: '7', businessHours: false, label: '', interval: 'auto' }, '2026-11-22')), '?from=2026-11-16&to=2026-11-22&interval=day');
    assert.deepEqual(overviewParams({ range: 'custom', from: 'x', to: '' }, '2026-11-22').problem !== undefined, true);
  });

  test('what the numbers cover, in words', () => {
    const text = rangeText({ from: '2026-11-01', to: '2026-11-30', timezone: 'Europe/Berlin', interval: 'week', business_hours: true });
    assert.match(text, /2026.*–.*2026 · Europe\/Berlin time · by week · business hours only$/);
    assert.doesNotMatch(rangeText({ from: '2026-11-01', to: '2026-11-01', timezone: 'UTC', interval: 'day', business_hours: false }), /–|business/);
    assert.equal(rangeText(null), '');
    assert.match(periodName('2026-11-02', 'week'), /^Week of /);
  });
});

describe('reports: the address', () => {
  test('read back as written; defaults left out; unknown values fall back', () => {
    const where = { range: 'custom', from: '2026-11-01', to: '2026-11-30', businessHours: true, label: 'l/1', interval: 'week' };
    assert.deepEqual(reportsOf(reportsHash(where)), where);
    assert.equal(reportsHash({}), '#reports');
    assert.equal(reportsHash({ range: '90' }), '#reports?range=90');
    assert.equal(reportsHash({ range: '7', from: '2026-01-01', to: '2026-01-02' }), '#reports?range=7', 'dates only with custom');
    assert.deepEqual(reportsOf('#reports?range=365&interval=hour&bh=yes&evil=1'), { range: '30', from: '', to: '', businessHours: false, label: '', interval: 'auto' });
    assert.equal(reportsOf('#reportsx'), undefined);
    assert.equal(reportsOf('#chats'), undefined);
  });

  test('admins get Reports; everyone else their own numbers at the same address', () => {
    assert.deepEqual(viewOf('#reports?range=7', { admin: true }), { view: 'reports', range: '7', from: '', to: '', businessHours: false, label: '', interval: 'auto' });
    assert.deepEqual(viewOf('#reports?range=7&bh=1', { admin: false }), { view: 'mynumbers', businessHours: true });
  });
});

describe('reports: the busiest hours', () => {
  test('168 cells to 7 rows of 24, Monday first; bad cells ignored', () => {
    const rows = hourGrid([[1, 0, 3], [7, 23, 9], [8, 1, 5], [2, 24, 5], null, [3, 5, 'x']]);
    assert.equal(rows.length, 7);
    assert.ok(rows.every((r) => r.length === 24));
    assert.equal(rows[0][0], 3);
    assert.equal(rows[6][23], 9);
    assert.equal(rows.flat().reduce((a, b) => a + b, 0), 12);
  });

  test('shades: four levels of counts, each range said in the legend; levels no count reaches are left out', () => {
    assert.deepEqual(heatLevels(12), [{ level: 1, from: 1, to: 3 }, { level: 2, from: 4, to: 6 }, { level: 3, from: 7, to: 9 }, { level: 4, from: 10, to: 12 }]);
    assert.deepEqual(heatLevels(2), [{ level: 1, from: 1, to: 1 }, { level: 3, from: 2, to: 2 }]);
    assert.deepEqual(heatLevels(0), []);
    const levels = heatLevels(12);
    assert.equal(heatLevel(0, levels), 0);
    assert.equal(heatLevel(1, levels), 1);
    assert.equal(heatLevel(4, levels), 2);
    assert.equal(heatLevel(12, levels), 4);
    assert.equal(heatLevel(2, heatLevels(2)), 3);
  });
});

describe('reports: the CSV\'s file name', () => {
  test('the server\'s, kept to safe characters; else one from the dates', () => {
    assert.equal(csvName('attachment; filename="conversations-2026-11-01-2026-11-30.csv"'), 'conversations-2026-11-01-2026-11-30.csv');
    assert.equal(csvName('attachment; filename="../../etc/passwd.csv"'), 'etc_passwd.csv');
    assert.equal(csvName('attachment; filename="x.exe"', { from: '2026-11-01', to: '2026-11-30' }), 'conversations-2026-11-01-2026-11-30.csv');
    assert.equal(csvName(null, { from: '2026-11-01', to: '2026-11-30' }), 'conversations-2026-11-01-2026-11-30.csv');
    assert.equal(csvName(''), 'conversations.csv');
  });
});

describe('charts', () => {
  beforeEach(() => installDom());

  test('scales: whole count steps; duration steps people read (1 min, 5 min, 1 h …)', () => {
    assert.deepEqual(countScale(0), { max: 4, step: 1 });
    assert.deepEqual(countScale(3), { max: 3, step: 1 });
    assert.deepEqual(countScale(37), { max: 40, step: 10 });
    assert.deepEqual(countScale(130), { max: 150, step: 50 });
    assert.ok([60, 120, 300].includes(durationScale(250).step));
    assert.ok(durationScale(250).max >= 250);
    assert.deepEqual(durationScale(5000), { max: 5400, step: 1800 }, '0, 30 min, 1 h, 1 h 30 min');
    assert.deepEqual(durationScale(0), { max: 240, step: 60 });
    assert.equal(labelEvery(30, 300, 60), 6);
    assert.equal(labelEvery(5, 600, 60), 1);
  });

  test('a line chart: drawn for the width given, hidden from assistive technology, a path per series, a gap where a value is missing', () => {
    const chart = lineChart({
      labels: ['Nov 1', 'Nov 2', 'Nov 3', 'Nov 4'],
      series: [{ key: 'conversations', name: 'Conversations', values: [3, 5, 2, 8] }, { key: 'escalated', name: 'Asked for a person', values: [1, null, 1, 2] }],
      width: 340,
    });
    assert.equal(chart.tagName, 'SVG');
    assert.equal(chart.namespaceURI, 'http://www.w3.org/2000/svg');
    assert.equal(chart.getAttribute('viewBox'), '0 0 340 220');
    assert.equal(chart.getAttribute('aria-hidden'), 'true');
    const [conversations] = all(chart, 'data-series', 'conversations');
    const [escalated] = all(chart, 'data-series', 'escalated');
    const d = (g) => byTag(g, 'path')[0].getAttribute('d');
    assert.equal(d(conversations).match(/M/g).length, 1);
    assert.equal(d(escalated).match(/M/g).length, 2, 'the missing day breaks the line');
    assert.equal(byTag(conversations, 'circle').length, 4, 'circles for the first series');
    assert.equal(byTag(escalated, 'rect').length, 3, 'squares for the second: not colour alone');
    assert.equal(byTag(conversations, 'title')[3].textContent, 'Nov 4: 8 conversations');
    // Every number is inside the plot: no x beyond the width.
    for (const c of byTag(chart, 'circle')) assert.ok(Number(c.getAttribute('cx')) <= 340);
  });

  test('a bar chart leaves no bar where there is no value; durations on its axis', () => {
    const chart = barChart({ labels: ['a', 'b', 'c'], values: [250, null, 3900], name: 'median first response', width: 600, format: duration, scale: durationScale });
    assert.equal(all(chart, 'class', 'chart-bar').length, 2);
    const axis = byTag(chart, 'text').map((t) => plain(t.textContent));
    assert.ok(axis.includes('0 s'));
    assert.ok(axis.some((t) => / h$| min$/.test(t)), axis.join(','));
    assert.equal(plain(byTag(chart, 'title')[1].textContent), 'c: 1 h 5 min median first response');
  });

  test('columns carry their label and their count (and share) as text', () => {
    const chart = columnChart({ columns: csatColumns([1, 0, 2, 3, 4]), width: 600 });
    const texts = byTag(chart, 'text').map((t) => t.textContent);
    assert.deepEqual(texts.filter((t) => t.endsWith('★')), ['1 ★', '2 ★', '3 ★', '4 ★', '5 ★']);
    assert.ok(texts.includes('4 (40%)'));
    assert.ok(texts.includes('0 (0%)'));
    const narrow = byTag(columnChart({ columns: csatColumns([1, 0, 2, 3, 4]), width: 300 }), 'text').map((t) => t.textContent);
    assert.ok(narrow.includes('4'), 'a narrow chart keeps the counts, drops the shares');
  });

  test('the heat map: 168 cells shaded by level, each with its count in a tooltip', () => {
    const rows = hourGrid([[1, 9, 12], [5, 17, 4]]);
    const levels = heatLevels(12);
    const chart = heatMap({
      rows, rowNames: [1, 2, 3, 4, 5, 6, 7].map((n) => weekday(n)), columnNames: rows[0].map((_, h) => hourName(h)),
      level: (n) => heatLevel(n, levels), tip: (r, c, n) => `${r + 1}/${c}: ${n}`, width: 351,
    });
    const cells = all(chart, 'class', 'heat-cell');
    assert.equal(cells.length, 168);
    assert.equal(cells[9].getAttribute('data-level'), '4');
    assert.equal(cells[4 * 24 + 17].getAttribute('data-level'), '2');
    assert.equal(cells[0].getAttribute('data-level'), '0');
    assert.equal(byTag(cells[9], 'title')[0].textContent, '1/9: 12');
    assert.equal(chart.getAttribute('viewBox').split(' ')[2], '351');
    // On a phone the hour labels thin out instead of overlapping.
    const hours = byTag(chart, 'text').map((t) => t.textContent).filter((t) => t.endsWith(':00'));
    assert.ok(hours.length < 24 && hours.length >= 4, hours.join(','));
  });

  test('a chart\'s table: the same numbers, row headers, in a hidden box; text stays text', () => {
    const box = dataTable({ caption: 'Ratings', columns: ['Score', 'Ratings'], rows: [['<b>5</b> out of 5', '3']] });
    assert.equal(box.getAttribute('class'), 'sr-only');
    const [table] = byTag(box, 'table');
    assert.equal(byTag(table, 'caption')[0].textContent, 'Ratings');
    assert.deepEqual(byTag(table, 'th').map((th) => [th.textContent, th.getAttribute('scope')]), [['Score', 'col'], ['Ratings', 'col'], ['<b>5</b> out of 5', 'row']]);
    const rowHead = byTag(table, 'th')[2];
    assert.ok(rowHead.childNodes.length === 1 && rowHead.childNodes[0] instanceof Text);
    const visible = dataTable({ caption: 'Agents', columns: ['Agent'], rows: [['Sam']], visible: true, id: 't' });
    assert.equal(visible.tagName, 'TABLE');
    assert.equal(visible.getAttribute('class'), 'report-table');
  });

  test('labels in a chart are text nodes, never markup', () => {
    const chart = lineChart({ labels: ['<img src=x onerror=alert(1)>'], series: [{ key: 'k', name: 'N', values: [1] }], width: 300 });
    const label = byTag(chart, 'text').find((t) => t.textContent.startsWith('<img'));
    assert.ok(label && label.childNodes.every((n) => n instanceof Text));
  });
});

// --- an overview as the API answers it ----------------------------------------------------------

const OVERVIEW = {
  range: { from: '2026-11-16', to: '2026-11-22', timezone: 'Europe/Berlin', interval: 'day', business_hours: false },
  totals: { conversations: 40, bot_resolved: 18, escalated: 20, offline_messages: 3, closed: 36 },
  first_response: { median_seconds: 250, p90_seconds: 720, count: 17 },
  resolution: { median_seconds: 3900, p90_seconds: 9000, count: 15 },
  csat: { average: 4.25, count: 12, distribution: [1, 0, 2, 3, 6], response_rate: 0.8 },
  series: Array.from({ length: 7 }, (_, i) => ({
    start: `2026-11-${16 + i}`, conversations: i + 2, escalated: i, first_response_median_seconds: i % 3 ? 60 * i : null, csat_average: null,
  })),
  agents: [
    { agent: { id: 'a1', display_name: 'Sam <Rivera>' }, conversations: 12, first_response_median_seconds: 200, resolution_median_seconds: 3000, csat_average: 4.5 },
    { agent: { id: 'a2', display_name: 'Alex' }, conversations: 3, first_response_median_seconds: null, resolution_median_seconds: null, csat_average: null },
  ],
  busiest_hours: Array.from({ length: 168 }, (_, i) => [Math.floor(i / 24) + 1, i % 24, i === 33 ? 7 : i % 5 === 0 ? 1 : 0]),
};

describe('reports: tiles and the agents\' table', () => {
  test('the totals, with shares, medians with their 90th percentile, CSAT with count and response rate', () => {
    const tiles = Object.fromEntries(overviewTiles(OVERVIEW).map((t) => [t.key, t]));
    assert.deepEqual(Object.keys(tiles), ['conversations', 'bot_resolved', 'escalated', 'offline_messages', 'first_response', 'resolution', 'csat']);
    assert.equal(tiles.bot_resolved.value, '18');
    assert.equal(tiles.bot_resolved.sub, '45% of all');
    assert.equal(plain(tiles.first_response.value), '4 min 10 s');
    assert.equal(plain(tiles.first_response.sub), '90% within 12 min · 17 answered');
    assert.equal(plain(tiles.resolution.value), '1 h 5 min');
    assert.equal(tiles.csat.value, '4.25 / 5');
    assert.equal(tiles.csat.sub, '12 ratings · 80% of chats rated');
  });

  test('nothing measured: "—" and words, never "null"', () => {
    const empty = {
      ...OVERVIEW, totals: { conversations: 2, bot_resolved: 2, escalated: 0, offline_messages: 0, closed: 2 },
      first_response: { median_seconds: null, p90_seconds: null, count: 0 }, resolution: { median_seconds: null, p90_seconds: null, count: 0 },
      csat: { average: null, count: 0, distribution: [0, 0, 0, 0, 0], response_rate: null },
    };
    const tiles = overviewTiles(empty);
    assert.ok(tiles.every((t) => !/null|undefined|NaN/.test(`${t.value} ${t.sub}`)), JSON.stringify(tiles));
    assert.equal(tiles.find((t) => t.key === 'first_response').value, '—');
    assert.equal(tiles.find((t) => t.key === 'csat').sub, 'No ratings yet');
  });

  test('agents: a row each, in the API\'s order, "—" for what they have none of', () => {
    assert.deepEqual(agentRows(OVERVIEW.agents).map(plain), [['Sam <Rivera>', '12', '3 min 20 s', '50 min', '4.50 / 5'], ['Alex', '3', '—', '—', '—']]);
    assert.deepEqual(agentRows(undefined), []);
  });

  test('an agent\'s own numbers', () => {
    const tiles = myTiles({ conversations: 9, first_response_median_seconds: 95, resolution_median_seconds: null, csat_average: 4 });
    assert.deepEqual(tiles.map((t) => plain(t.value)), ['9', '1 min 35 s', '—', '4.00 / 5']);
    assert.equal(myTiles({ conversations: 0, first_response_median_seconds: null, resolution_median_seconds: null, csat_average: null })[3].sub, 'No ratings yet');
  });
});

// --- the routes -----------------------------------------------------------------------------------

describe('reportsapi.js', () => {
  const realFetch = globalThis.fetch;
  let calls;
  let answer;
  beforeEach(() => {
    calls = [];
    globalThis.fetch = async (url, init = {}) => {
      calls.push({ url: String(url), init });
      return answer();
    };
  });
  afterEach(() => { globalThis.fetch = realFetch; });
  const json = (status, body, headers = {}) => () => new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json', ...headers } });

  test('overview and my numbers: GETs with the token in the header, the filters in the query', async () => {
    answer = json(200, OVERVIEW);
    const api = reportsApi(() => 'tok-1');
    assert.equal((await api.overview({ from: '2026-11-16', to: '2026-11-22', interval: 'day', business_hours: 'true', label: 'l/1' })).totals.conversations, 40);
    await api.mine({ business_hours: undefined });
    assert.equal(calls[0].url, '/api/v1/admin/reports/overview?from=2026-11-16&to=2026-11-22&interval=day&business_hours=true&label=l%2F1');
    assert.equal(calls[0].init.headers.Authorization, 'Bearer tok-1');
    assert.equal(calls[1].url, '/api/v1/agent/reports/me');
  });

  test('the CSV: fetched with the token in the header (never in the address), a Blob with the server\'s file name', async () => {
    const csv = 'id,created_at\r\n"a","2026-11-16T10:00:00.000Z"\r\n';
    answer = () => new Response(csv, { status: 200, headers: { 'Content-Type': 'text/csv; charset=utf-8', 'Content-Disposition': 'attachment; filename="conversations-2026-11-16-2026-11-22.csv"' } });
    const { blob, filename } = await reportsApi(() => 'tok-2').csv({ from: '2026-11-16', to: '2026-11-22', label: 'l1' });
    assert.equal(calls[0].url, '/api/v1/admin/reports/conversations.csv?from=2026-11-16&to=2026-11-22&label=l1');
    assert.doesNotMatch(calls[0].url, /tok-2/);
    assert.equal(calls[0].init.headers.Authorization, 'Bearer tok-2');
    assert.equal(calls[0].init.headers.Accept, 'text/csv');
    assert.equal(await blob.text(), csv);
    assert.equal(filename, 'conversations-2026-11-16-2026-11-22.csv');
  });

  test('a refusal carries the API\'s detail; a 401 signs out first', async () => {
    answer = json(400, { code: 'invalid_range', detail: 'to: before from.' });
    let unauthorized = 0;
    const api = reportsApi(() => 't', () => { unauthorized += 1; });
    await assert.rejects(api.csv({ from: '2026-11-22', to: '2026-11-01' }), (err) => err instanceof ApiError && err.code === 'invalid_range' && err.detail === 'to: before from.');
    await assert.rejects(api.overview({}), (err) => err.status === 400 && err.detail === 'to: before from.');
    assert.equal(unauthorized, 0);
    answer = json(401, { code: 'invalid_token', detail: 'Sign in again.' });
    await assert.rejects(api.csv({}), (err) => err.status === 401);
    await assert.rejects(api.overview({}), (err) => err.status === 401);
    assert.equal(unauthorized, 2);
    answer = () => { throw new TypeError('network'); };
    await assert.rejects(api.csv({}), (err) => err.status === 0);
  });
});

// --- the page -------------------------------------------------------------------------------------

/** The elements the Reports page and My numbers find by id, in a fresh document. */
function reportsDom() {
  const doc = installDom();
  const ids = {
    div: ['login-main', 'pane', 'settings-view', 'contacts-view', 'search-view', 'reports-view', 'mynumbers-view', 'reports-from-field', 'reports-to-field',
      'reports-empty', 'reports-body', 'reports-charts', 'reports-agents-scroll'],
    h1: ['reports-title', 'mynumbers-title'],
    form: ['reports-filters', 'mynumbers-filters'],
    select: ['reports-range', 'reports-label', 'reports-interval'],
    input: ['reports-from', 'reports-to', 'reports-business-hours', 'mynumbers-business-hours'],
    button: ['reports-csv'],
    p: ['reports-range-text', 'reports-state', 'reports-error', 'mynumbers-range-text', 'mynumbers-state', 'mynumbers-error'],
    ul: ['reports-tiles', 'mynumbers-tiles'],
  };
  for (const [tag, list] of Object.entries(ids)) {
    for (const id of list) {
      const el = doc.createElement(tag);
      el.setAttribute('id', id);
      doc.body.append(el);
    }
  }
  return doc;
}

describe('the Reports page', () => {
  let doc;
  let asked;
  let answers;
  let toasts;
  let saved;
  const $ = (id) => doc.getElementById(id);
  const labels = { items: [{ id: 'l1', name: 'refund', color: '#d93025' }], load: async () => [], onChange: () => () => {} };
  const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
  const WHERE = { range: '7', from: '', to: '', businessHours: false, label: '', interval: 'auto' };

  beforeEach(() => {
    doc = reportsDom();
    asked = [];
    toasts = [];
    saved = [];
    answers = { overview: async () => OVERVIEW };
    globalThis.location = { hash: '', replace(hash) { this.hash = hash; } };
    globalThis.URL.createObjectURL = (blob) => { saved.push({ blob }); return 'blob:x'; };
    globalThis.URL.revokeObjectURL = () => {};
    Element.prototype.click ??= function click() {
      if (this.tagName === 'A') saved[saved.length - 1].name = this.getAttribute('download');
    };
  });

  const view = () => new ReportsView({
    api: { admin: { settings: async () => ({ availability: { timezone: 'Europe/Berlin' } }) } },
    reports: {
      overview: (params) => { asked.push(['overview', params]); return answers.overview(params); },
      csv: async (params) => { asked.push(['csv', params]); return { blob: new Blob(['id\r\n']), filename: 'conversations-a-b.csv' }; },
    },
    labels,
    toast: (text, kind = 'info') => toasts.push([kind, text]),
  });

  test('asks for the period in the shop\'s days and draws tiles, four charts with their tables, and the agents', async () => {
    const page = view();
    page.show(WHERE);
    assert.equal($('reports-view').hidden, false);
    assert.equal($('reports-view').getAttribute('role'), 'main');
    assert.equal($('reports-state').textContent, 'Counting…');
    await settle();
    await settle();
    const [[, params]] = asked;
    assert.equal(data.daysIn(params.from, params.to), 7);
    assert.equal(params.to, todayIn('Europe/Berlin'));
    assert.equal(params.interval, 'day');
    assert.equal($('reports-body').hidden, false);
    assert.equal($('reports-empty').hidden, true);
    assert.equal($('reports-tiles').childNodes.length, 7);
    assert.deepEqual(all($('reports-charts'), 'id').filter((el) => el.tagName === 'FIGURE').map((f) => f.id), ['chart-volume', 'chart-first-response', 'chart-csat', 'chart-hours']);
    for (const figure of byTag($('reports-charts'), 'figure')) {
      assert.equal(byTag(figure, 'svg').length, 1, figure.id);
      assert.equal(byTag(figure, 'svg')[0].getAttribute('aria-hidden'), 'true');
      assert.equal(byTag(figure, 'table').length, 1, `${figure.id}: a table of the same numbers`);
    }
    const agents = byTag($('reports-agents-scroll'), 'tbody')[0];
    assert.equal(agents.childNodes.length, 2);
    assert.equal(agents.childNodes[0].childNodes[0].textContent, 'Sam <Rivera>');
    assert.match($('reports-range-text').textContent, /Europe\/Berlin time · by day/);
    assert.equal($('reports-csv').disabled, false);
  });

  test('a range with no conversations: the empty state, no charts', async () => {
    answers.overview = async () => ({ ...OVERVIEW, totals: { conversations: 0, bot_resolved: 0, escalated: 0, offline_messages: 0, closed: 0 }, agents: [] });
    view().show(WHERE);
    await settle();
    await settle();
    assert.equal($('reports-empty').hidden, false);
    assert.equal($('reports-body').hidden, true);
    assert.equal($('reports-state').textContent, 'No conversations in this range.');
  });

  test('a refusal shows the API\'s detail; a custom range without its days asks nothing', async () => {
    answers.overview = async () => { throw new ApiError(404, 'label_not_found', 'label: no such label.'); };
    const page = view();
    page.show({ ...WHERE, label: 'gone' });
    await settle();
    await settle();
    assert.equal($('reports-error').hidden, false);
    assert.equal($('reports-error').textContent, 'label: no such label.');
    assert.equal($('reports-body').hidden, true);
    assert.equal($('reports-csv').disabled, true, 'no CSV of a report that was refused');
    page.show({ ...WHERE, range: 'custom', from: '2026-11-01', to: '' });
    await settle();
    assert.equal(asked.length, 1, 'nothing asked');
    assert.match($('reports-error').textContent, /first and the last day/);
    assert.equal($('reports-from-field').hidden, false);
  });

  test('the controls change the address (in place); the custom range starts from the period shown', async () => {
    const page = view();
    page.show(WHERE);
    await settle();
    await settle();
    $('reports-business-hours').checked = true;
    $('reports-business-hours').dispatchEvent({ type: 'change' });
    assert.equal(location.hash, '#reports?range=7&bh=1');
    $('reports-range').value = 'custom';
    $('reports-range').dispatchEvent({ type: 'change' });
    assert.equal(location.hash, `#reports?range=custom&from=${OVERVIEW.range.from}&to=${OVERVIEW.range.to}`);
    $('reports-label').value = 'l1';
    $('reports-label').dispatchEvent({ type: 'change' });
    assert.equal(location.hash, '#reports?range=7&label=l1');
    assert.deepEqual(byTag($('reports-label'), 'option').map((o) => o.textContent), ['All labels', 'refund']);
  });

  test('"Download CSV" asks for the same conversations (no interval) and saves the file', async () => {
    const page = view();
    page.show({ ...WHERE, businessHours: true, label: 'l1', interval: 'week' });
    await settle();
    await settle();
    const [[, params]] = asked;
    $('reports-csv').dispatchEvent({ type: 'click' });
    assert.equal($('reports-csv').textContent, 'Preparing CSV…');
    await settle();
    await settle();
    const [, [kind, csvAsked]] = asked;
    assert.equal(kind, 'csv');
    assert.deepEqual(csvAsked, { from: params.from, to: params.to, business_hours: 'true', label: 'l1' });
    assert.equal(saved.length, 1);
    assert.equal(saved[0].name, 'conversations-a-b.csv');
    assert.deepEqual(toasts, [['info', 'Downloaded conversations-a-b.csv.']]);
    assert.equal($('reports-csv').disabled, false);
  });

  test('signed out: nothing of the report stays', async () => {
    const page = view();
    page.show(WHERE);
    await settle();
    await settle();
    page.show(null);
    page.forget();
    assert.equal($('reports-view').hidden, true);
    assert.equal($('reports-tiles').childNodes.length, 0);
    assert.equal($('reports-body').hidden, true);
  });
});

describe('My numbers', () => {
  test('the last 30 days (the API\'s default), business hours on request, as tiles', async () => {
    const doc = reportsDom();
    const asked = [];
    globalThis.location = { hash: '', replace(hash) { this.hash = hash; } };
    const mine = new MyNumbers({
      reports: {
        mine: async (params) => {
          asked.push(params);
          return { range: { from: '2026-10-24', to: '2026-11-22', timezone: 'UTC' }, agent: { id: 'a', display_name: 'Sam' }, conversations: 4,
            first_response_median_seconds: 70, resolution_median_seconds: 4000, csat_average: null };
        },
      },
    });
    mine.show({ businessHours: false });
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.deepEqual(asked, [{ business_hours: undefined }]);
    const tiles = doc.getElementById('mynumbers-tiles');
    assert.equal(tiles.hidden, false);
    assert.deepEqual(tiles.childNodes.map((li) => li.getAttribute('data-tile')), ['conversations', 'first_response', 'resolution', 'csat']);
    assert.match(doc.getElementById('mynumbers-range-text').textContent, /^The last 30 days: .*UTC time$/);
    const box = doc.getElementById('mynumbers-business-hours');
    box.checked = true;
    box.dispatchEvent({ type: 'change' });
    assert.equal(location.hash, '#reports?bh=1');
  });
});

// --- ratings in the console -----------------------------------------------------------------------

describe('a rating in the console', () => {
  beforeEach(() => installDom());

  test('only a whole score of 1–5 is a rating; the comment is trimmed', () => {
    assert.deepEqual(ratingOf({ rating: { score: 4, comment: ' Quick, thanks ', created_at: 't' } }), { score: 4, comment: 'Quick, thanks', created_at: 't' });
    assert.equal(ratingOf({ rating: null }), null);
    assert.equal(ratingOf({}), null);
    assert.equal(ratingOf({ rating: { score: 6 } }), null);
    assert.equal(ratingOf({ rating: { score: 3.5 } }), null);
    assert.equal(ratingOf({ rating: { score: '4' } }), null);
    assert.equal(ratingOf({ rating: { score: 2 } }).comment, '');
  });

  test('the row\'s marker: "★ 4", labelled in words; the row\'s label and signature follow', () => {
    const rating = ratingOf({ rating: { score: 4, comment: '' } });
    const marker = ratingMarker(rating);
    assert.equal(marker.textContent, '★ 4');
    assert.equal(marker.getAttribute('role'), 'img');
    assert.equal(marker.getAttribute('aria-label'), 'Rated 4 out of 5');
    assert.equal(ratingMarker(null), null);
    assert.equal(ratingText(rating), ', rated 4 out of 5');
    assert.equal(ratingText(null), '');
    assert.equal(ratingShort(rating), 'Rated 4/5');
    assert.equal(ratingLabel(rating), 'Rated 4 out of 5');
    assert.notEqual(ratingKey(rating), ratingKey(ratingOf({ rating: { score: 4, comment: 'x' } })), 'a comment changes the row');
  });

  test('conversation.rated puts the rating on the chat; a later update without one keeps it; an unknown chat is left alone', () => {
    const ME = { id: 'me', display_name: 'Me' };
    const inbox = new Inbox(ME);
    const conv = { id: 'c1', status: 'closed', assigned_agent_id: 'me', created_at: '2026-11-21T10:00:00.000Z', updated_at: '2026-11-21T10:00:00.000Z', closed_at: '2026-11-21T10:10:00.000Z', rating: null };
    inbox.replace('closed', [conv]);
    const session = { inbox, me: ME, admin: false, hydrate: () => null };
    const rating = { score: 5, comment: 'Great help', created_at: '2026-11-21T10:11:00.000Z' };
    assert.equal(applyEvent(session, 'conversation.rated', { conversation_id: 'c1', rating }), true);
    assert.deepEqual(inbox.get('c1').rating, rating);
    const { rating: _none, ...summary } = conv; // a payload that says nothing of the rating
    applyEvent(session, 'conversation.updated', { conversation: { ...summary, updated_at: '2026-11-21T10:12:00.000Z' } });
    assert.equal(inbox.get('c1').rating?.score, 5);
    assert.equal(applyEvent(session, 'conversation.rated', { conversation_id: 'nope', rating }), false);
    assert.equal(inbox.get('nope'), null);
    assert.equal(applyEvent(session, 'conversation.rated', { conversation_id: 'c1' }), false, 'no rating: nothing to do');
  });
});
