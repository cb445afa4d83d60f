// Where the widget keeps the customer's session: localStorage of the chat
// origin (inside the iframe), so a reload or a second tab finds the same
// conversation. If storage is blocked (some privacy modes block it in
// third-party frames) the session lives in memory for this page view only.

const KEY = 'switchboard.session.v1';
const CONTACT_KEY = 'switchboard.contact.v1';
const RATINGS_KEY = 'switchboard.ratings.v1';
const RATINGS_KEPT = 50; // the newest dismissed conversations remembered (older ones are long closed)
const memory = new Map(); // key → value, when storage is blocked (and the last value written)

function storage() {
  try {
    const s = window.localStorage;
    const probe = `${KEY}.probe`;
    s.setItem(probe, '1');
    s.removeItem(probe);
    return s;
  } catch {
    return null;
  }
}

const store = storage();

// The value under `key` if `valid` accepts it, else null (unreadable or absent: start over).
function read(key, valid) {
  if (!store) return memory.get(key) ?? null;
  try {
    const value = JSON.parse(store.getItem(key) || 'null');
    if (value && valid(value)) return value;
  } catch {
    // unreadable: start over
  }
  return null;
}

// `value` under `key` (null removes it); memory only when storage refuses (quota, blocked).
function write(key, value) {
  memory.set(key, value);
  if (!store) return;
  try {
    if (value === null) store.removeItem(key);
    else store.setItem(key, JSON.stringify(value));
  } catch {
    // memory only
  }
}

/** {sessionId, conversationId} or null. */
export function loadSession() {
  return read(KEY, (value) => typeof value.sessionId === 'string');
}

export function saveSession(value) {
  write(KEY, value);
}

export function clearSession() {
  write(KEY, null);
}

/**
 * What the shopper told us about themselves, and what that did for one
 * conversation: {email, name, conversationId, contactEmail (the conversation's
 * contact as far as we know), prechatDone, offlinePending (queued while nobody
 * was there, the message not yet left), offline ({email, name, status,
 * nextOpenAt, emailEnabled} once filed as an offline message), transcript
 * ({status, email})}. Kept beside the session so a reload shows the same.
 */
export function loadContact() {
  return read(CONTACT_KEY, (value) => typeof value === 'object');
}

export function saveContact(value) {
  write(CONTACT_KEY, value);
}

/** The conversations whose rating question the shopper dismissed ("No thanks"): never asked again. */
export function loadDismissedRatings() {
  const value = read(RATINGS_KEY, (v) => Array.isArray(v.dismissed));
  return (value?.dismissed || []).filter((id) => typeof id === 'string');
}

export function dismissRating(conversationId) {
  const kept = loadDismissedRatings().filter((id) => id !== conversationId);
  kept.push(conversationId);
  write(RATINGS_KEY, { dismissed: kept.slice(-RATINGS_KEPT) });
}

/** Another tab started a new conversation (or cleared it): cb(newValue). */
export function onSessionChange(cb) {
  addEventListener('storage', (event) => {
    if (event.key !== KEY && event.key !== null) return;
    cb(loadSession());
  });
}
