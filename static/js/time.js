// Dates as people read them, in the browser's locale and time zone.

const clockFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });
const shortDayFmt = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });
const fullFmt = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

const toDate = (iso) => (iso instanceof Date ? iso : new Date(iso));

/** "14:05" / "2:05 PM". */
export const clock = (iso) => clockFmt.format(toDate(iso));

/** "21 Nov 2026, 14:05" for title attributes. */
export const fullDate = (iso) => fullFmt.format(toDate(iso));

/** A local-date key ("2026-11-21") for grouping by day. */
export function dayKey(iso) {
  const d = toDate(iso);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** "Today", "Yesterday" or "Saturday, November 21". */
export function dayLabel(iso) {
  const d = toDate(iso);
  const today = new Date();
  const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1);
  if (dayKey(d) === dayKey(today)) return 'Today';
  if (dayKey(d) === dayKey(yesterday)) return 'Yesterday';
  return dayFmt.format(d);
}

/** A compact age for lists: "now", "4m", "2h 5m", "3d", or a date past a week. */
export function age(iso, now = Date.now()) {
  const secs = Math.max(0, Math.floor((now - toDate(iso).getTime()) / 1000));
  if (secs < 45) return 'now';
  const mins = Math.round(secs / 60);
  if (mins < 60) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 24) return mins % 60 ? `${hours}h ${mins % 60}m` : `${hours}h`;
  const days = Math.floor(hours / 24);
  if (days < 7) return `${days}d`;
  return shortDayFmt.format(toDate(iso));
}

/** "waiting 4 min" style text for the queue. */
export function waited(iso, now = Date.now()) {
  const secs = Math.max(0, Math.floor((now - toDate(iso).getTime()) / 1000));
  if (secs < 60) return 'just now';
  const mins = Math.floor(secs / 60);
  if (mins < 60) return `${mins} min`;
  const hours = Math.floor(mins / 60);
  return `${hours} h ${mins % 60} min`;
}
