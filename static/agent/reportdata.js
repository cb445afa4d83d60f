// The numbers of Reports (docs/API.md "Reports") as people read them, and the
// period they cover: durations ("4 min 10 s", "1 h 5 min", "—" for none),
// shares, the CSAT average; the days of "Last 7 / 30 / 90 days" counted in the
// shop's time zone (the API's `from`/`to` are shop days), a custom range
// checked before asking, and day or week charts (weeks past 60 days).
// Nothing here touches the page: reportsview.js and mynumbers.js draw it.

const DAY_MS = 86400000;

/** The presets of the period control, in days. */
export const PRESETS = ['7', '30', '90'];
/** The longest range the API answers (400 `invalid_range` beyond). */
export const MAX_DAYS = 400;
/** Longer ranges are charted by week when the interval is automatic. */
export const WEEKLY_AFTER_DAYS = 60;

const numberFmt = new Intl.NumberFormat(undefined);
// The API's two decimals, always both: averages side by side in a table line up.
const averageFmt = new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** A whole number as the browser's locale writes it ("1,234"); null or missing: "—". */
export const count = (n) => (typeof n === 'number' && Number.isFinite(n) ? numberFmt.format(n) : '—');

/**
 * A duration in whole seconds for people: "45 s", "4 min 10 s", "1 h 5 min", "2 d 3 h";
 * null (nothing to measure) is "—". Two units at most: an hour is not read to the second.
 */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || seconds === '' || !Number.isFinite(Number(seconds))) return '—';
  const s = Math.max(0, Math.floor(Number(seconds)));
  // A number keeps its unit on the same line (a no-break space between them): "14 min / s" never.
  const two = (big, bigUnit, small, smallUnit) => (small ? `${big}\u00a0${bigUnit} ${small}\u00a0${smallUnit}` : `${big}\u00a0${bigUnit}`);
  if (s < 60) return `${s}\u00a0s`;
  if (s < 3600) return two(Math.floor(s / 60), 'min', s % 60, 's');
  if (s < DAY_MS / 1000) return two(Math.floor(s / 3600), 'h', Math.floor((s % 3600) / 60), 'min');
  return two(Math.floor(s / 86400), 'd', Math.floor((s % 86400) / 3600), 'h');
}

/** `part` of `whole` as a rounded percentage ("42%"); "—" when there is no whole. */
export function share(part, whole) {
  if (!whole || typeof part !== 'number') return '—';
  return `${Math.round((100 * part) / whole)}%`;
}

/** A rate the API gives as a fraction (0.42) as "42%"; null: "—". */
export const rate = (fraction) => (typeof fraction === 'number' && Number.isFinite(fraction) ? `${Math.round(fraction * 100)}%` : '—');

/** The CSAT average out of 5 ("4.25", "4.00"); null (no ratings): "—". */
export const average = (value) => (typeof value === 'number' && Number.isFinite(value) ? averageFmt.format(value) : '—');

// --- days ("YYYY-MM-DD", shop time) ------------------------------------------------------

/** The UTC midnight of a "YYYY-MM-DD" (a real date only), or null. */
export function parseDay(day) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(day ?? ''));
  if (!m) return null;
  const t = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(t).toISOString().slice(0, 10) === day ? t : null; // no 2026-02-30
}

const formatDay = (t) => new Date(t).toISOString().slice(0, 10);

/** `day` moved by `n` days. */
export const addDays = (day, n) => formatDay(parseDay(day) + n * DAY_MS);

/** How many days from `from` to `to`, both counted (1 for one day; 0 or less when `to` comes first). */
export const daysIn = (from, to) => Math.round((parseDay(to) - parseDay(from)) / DAY_MS) + 1;

/** Today's date in time zone `timeZone` (the shop's), "YYYY-MM-DD"; an unknown zone: the browser's. */
export function todayIn(timeZone, now = new Date()) {
  let parts;
  try {
    parts = new Intl.DateTimeFormat('en-US', { timeZone: timeZone || undefined, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  } catch {
    parts = new Intl.DateTimeFormat('en-US', { year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(now);
  }
  const part = (type) => parts.find((p) => p.type === type)?.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/**
 * The days `where` ({range: '7'|'30'|'90'|'custom', from, to}) covers, with `today` the shop's:
 * {from, to, days}, or {problem} for a custom range the API would refuse.
 */
export function rangeOf(where, today) {
  if (PRESETS.includes(where.range)) {
    const days = Number(where.range);
    return { from: addDays(today, 1 - days), to: today, days };
  }
  const { from, to } = where;
  if (!parseDay(from) || !parseDay(to)) return { problem: 'Choose the first and the last day of the period.' };
  const days = daysIn(from, to);
  if (days < 1) return { problem: 'The last day comes before the first. Swap them.' };
  if (days > MAX_DAYS) return { problem: `Choose at most ${MAX_DAYS} days.` };
  return { from, to, days };
}

/** The charts' interval: the one chosen, or (automatic) weeks for ranges over WEEKLY_AFTER_DAYS. */
export const intervalOf = (chosen, days) => (chosen === 'day' || chosen === 'week' ? chosen : days > WEEKLY_AFTER_DAYS ? 'week' : 'day');

/**
 * The query of GET admin/reports/overview for `where` (see routes.js reportsOf), or {problem}.
 * Defaults are left out (business hours off, every label).
 */
export function overviewParams(where, today) {
  const range = rangeOf(where, today);
  if (range.problem) return range;
  return {
    from: range.from,
    to: range.to,
    interval: intervalOf(where.interval, range.days),
    business_hours: where.businessHours ? 'true' : undefined,
    label: where.label || undefined,
  };
}

/** The CSV's query: the same conversations as the overview (the CSV has no interval). */
export function csvParams(params) {
  const { interval, ...rest } = params;
  return rest;
}

// --- days as people read them ------------------------------------------------------------

const shortFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
const longFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });
const yearFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', year: 'numeric', timeZone: 'UTC' });

/** "Nov 3" (an axis label). */
export const shortDay = (day) => shortFmt.format(parseDay(day));

/** A series entry's name: "Tue, Nov 3, 2026", or for weeks "Week of Nov 2, 2026". */
export const periodName = (day, interval) => (interval === 'week' ? `Week of ${yearFmt.format(parseDay(day))}` : longFmt.format(parseDay(day)));

/** What the numbers cover: "Nov 3, 2026 – Dec 2, 2026 · Europe/Berlin time · by day · business hours only". */
export function rangeText(range) {
  if (!range?.from || !range?.to) return '';
  const days = range.from === range.to ? yearFmt.format(parseDay(range.from)) : `${yearFmt.format(parseDay(range.from))} – ${yearFmt.format(parseDay(range.to))}`;
  return [days, range.timezone ? `${range.timezone} time` : null, range.interval === 'week' ? 'by week' : range.interval === 'day' ? 'by day' : null,
    range.business_hours ? 'business hours only' : null].filter(Boolean).join(' · ');
}

// Monday 2024-01-01 and the six days after it: the weekday names of the heat map, Monday first.
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' });
const weekdayLongFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', timeZone: 'UTC' });
/** Weekday `n` (1 Monday … 7 Sunday), short ("Mon") or long ("Monday"). */
export const weekday = (n, { long = false } = {}) => (long ? weekdayLongFmt : weekdayFmt).format(Date.UTC(2024, 0, n));

/** Hour `h` of the day as a clock reads it in 24 hours: "09:00". */
export const hourName = (h) => `${String(h).padStart(2, '0')}:00`;

// --- the busiest hours --------------------------------------------------------------------

/** The 168 cells [weekday, hour, conversations] as rows[weekday-1][hour] (missing cells: 0). */
export function hourGrid(cells) {
  const rows = Array.from({ length: 7 }, () => new Array(24).fill(0));
  for (const cell of Array.isArray(cells) ? cells : []) {
    const [day, hour, n] = cell || [];
    if (Number.isInteger(day) && day >= 1 && day <= 7 && Number.isInteger(hour) && hour >= 0 && hour < 24 && typeof n === 'number') rows[day - 1][hour] = n;
  }
  return rows;
}

/**
 * The heat map's shades for a busiest cell of `max`: up to `steps` levels, each
 * {level, from, to} (conversations, both counted); levels no count can reach are left out.
 */
export function heatLevels(max, steps = 4) {
  const levels = [];
  let from = 1;
  for (let level = 1; level <= steps && max > 0; level++) {
    const to = Math.ceil((level * max) / steps);
    if (to >= from) {
      levels.push({ level, from, to });
      from = to + 1;
    }
  }
  return levels;
}

/** The level of a cell of `n` conversations among `levels` (0: none). */
export function heatLevel(n, levels) {
  if (!(n > 0)) return 0;
  return (levels.find((l) => n <= l.to) || levels[levels.length - 1])?.level || 0;
}

// --- the CSV ---------------------------------------------------------------------------------

/**
 * The file name the server gives (Content-Disposition's filename="…"), kept to safe
 * characters; without one, "conversations-FROM-TO.csv".
 */
export function csvName(disposition, { from, to } = {}) {
  const m = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition || '');
  let name = '';
  if (m) {
    try {
      name = decodeURIComponent(m[1]);
    } catch {
      name = m[1];
    }
  }
  name = name.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '');
  if (name && /\.csv$/i.test(name)) return name;
  return from && to ? `conversations-${from}-${to}.csv` : 'conversations.csv';
}
