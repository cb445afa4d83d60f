// What the widget says about who is there: the typical reply time in words,
// when the shop is back (in the shopper's own locale and time zone, via Intl),
// and the plain sentences around "Leave a message". Pure functions of the
// availability (config.js parseAvailability) and the shopper's contact; no DOM.

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const dateFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' });

/** "Usually replies in about 5 minutes"; '' when nobody knows (null). */
export function replyTimeInWords(seconds) {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) return '';
  if (seconds < 60) return 'Usually replies in under a minute';
  const minutes = Math.round(seconds / 60);
  if (minutes < 2) return 'Usually replies in about a minute';
  if (minutes < 10) return `Usually replies in about ${minutes} minutes`;
  const five = Math.round(minutes / 5) * 5;
  if (five < 60) return `Usually replies in about ${five} minutes`;
  const hours = Math.round(seconds / 3600);
  if (hours <= 1) return 'Usually replies in about an hour';
  if (hours < 24) return `Usually replies in about ${hours} hours`;
  const days = Math.round(seconds / 86400);
  return days <= 1 ? 'Usually replies in about a day' : `Usually replies in about ${days} days`;
}

// Calendar days from `now` to `date`, in the shopper's time zone.
function daysBetween(now, date) {
  const a = new Date(now.getFullYear(), now.getMonth(), now.getDate());
  const b = new Date(date.getFullYear(), date.getMonth(), date.getDate());
  return Math.round((b - a) / 86400000);
}

/** "today at 9:00 AM", "tomorrow at 09:00", "Monday at 09:00", "Monday, December 7 at 09:00"; null without a time. */
export function whenBack(iso, now = new Date()) {
  if (!iso) return null;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return null;
  const at = timeFmt.format(date);
  const days = daysBetween(now, date);
  if (days <= 0) return `today at ${at}`;
  if (days === 1) return `tomorrow at ${at}`;
  if (days < 7) return `${weekdayFmt.format(date)} at ${at}`;
  return `${dateFmt.format(date)} at ${at}`;
}

/** One line under "Leave a message" in the quick actions: why it is not "Talk to a person". */
export function leaveHint(av) {
  if (av.status === 'closed') {
    const back = whenBack(av.nextOpenAt);
    return back ? `We're closed — back ${back}.` : "We're closed right now.";
  }
  return "Nobody's available right now.";
}

/**
 * The form's opening words: the shop's away message, unless it promises an
 * e-mail the server cannot send; then when we are back.
 */
export function leaveIntro(av, { changed = false } = {}) {
  const parts = [];
  if (changed) parts.push('Sorry — the team just stepped away.');
  const promisesMail = /e-?mail/i.test(av.awayMessage);
  const how = av.emailEnabled ? 'by e-mail' : 'here in this chat';
  if (av.awayMessage && (av.emailEnabled || !promisesMail)) parts.push(av.awayMessage);
  else if (av.status === 'closed') parts.push(`We're closed right now. Write to us and we'll answer ${how}.`);
  else parts.push(`Nobody's available right now. Write to us and we'll answer ${how}.`);
  if (av.status === 'closed') {
    const back = whenBack(av.nextOpenAt);
    if (back) parts.push(`We're back ${back}.`);
  }
  return parts.join(' ');
}

/**
 * The confirmation after an offline message was filed: when and how the
 * shopper hears back. `filed`: {name, email, status, nextOpenAt, emailEnabled}.
 */
export function filedText(filed) {
  const thanks = filed.name ? `Thanks, ${filed.name}.` : 'Thanks!';
  const back = filed.status === 'closed' ? whenBack(filed.nextOpenAt) : null;
  if (filed.emailEnabled) {
    const when = back ? ` — we're back ${back}.` : ' as soon as someone is free.';
    return `${thanks} We'll answer by e-mail at ${filed.email}${when}`;
  }
  const when = back ? `we're back ${back} and will answer here in this chat` : 'someone will answer here in this chat as soon as they can';
  return `${thanks} Your message is with our team — ${when}. We have your e-mail (${filed.email}) in case we need it.`;
}

/** The header line while the bot is all there is (null: the shop's own subtitle). */
export function headerStatus(av) {
  if (av.status === 'away') return "We're away right now";
  if (av.status === 'closed') return "We're closed right now";
  return null;
}

/** How long a holder who acted in the chat (claimed it, wrote, typed) counts as there whatever their presence says. */
export const HOLDER_ACTIVE_MS = 5 * 60_000;

/**
 * The header while the team has the chat (status "agent"): what it says, whose
 * initials it shows and whether they are shown as there (the green dot).
 * `conv`: {assigned_agent_id, assigned_agent_name, assigned_agent_presence};
 * `seen`: {agentId, at (ms)} when this page last saw the holder act in the
 * chat (chat.js; null when it did not, or when it saw them go offline since).
 *
 * Nobody holds it: the queue's words. The holder online, or acting here within
 * HOLDER_ACTIVE_MS (an agent who set themselves "offline" keeps their open
 * chats and works on: they are there all the same): their name and the dot.
 * Otherwise (signed out, consoles closed, or offline and silent): their name
 * without the dot, and that someone else will take over. A presence the server
 * did not send (undefined: an older server, or a holder this page learnt of
 * from an event without it) counts as there: routing gives chats only to
 * people who are.
 * @returns {{text: string, name: string, present: boolean}|{text: string, name: null, present: false}}
 */
export function holderStatus(conv, { seen = null, now = Date.now() } = {}) {
  const holder = conv?.assigned_agent_id;
  if (!holder) return { text: 'Waiting for the next available person…', name: null, present: false };
  const name = conv.assigned_agent_name || null;
  const presence = conv.assigned_agent_presence;
  const acting = Boolean(seen && seen.agentId === holder && now - seen.at >= 0 && now - seen.at < HOLDER_ACTIVE_MS);
  if (presence === 'online' || presence === undefined || acting) {
    return { text: `You're chatting with ${name || 'a support agent'}`, name: name || 'a support agent', present: true };
  }
  return { text: `${name || 'Your support agent'} is away — we'll find someone else`, name: name || 'a support agent', present: false };
}

/** The header line while an offline message waits. */
export function filedStatus(filed) {
  return filed.emailEnabled ? "We'll answer by e-mail" : "We'll answer here as soon as we can";
}

/** What the transcript request did. */
export function transcriptText({ status, email }) {
  return status === 'on_close'
    ? `We'll e-mail the transcript to ${email} when this chat ends.`
    : `The transcript is on its way to ${email}.`;
}
