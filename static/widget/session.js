// Where the widget keeps the customer's session: localStorage of the chat
// origin (inside the iframe), so a reload or a second tab finds the same
// conversation. If storage is blocked (some privacy modes block it in
// third-party frames) the session lives in memory for this page view only.

const KEY = 'switchboard.session.v1';
const CONTACT_KEY = 'switchboard.contact.v1';
let memory = null;
let contactMemory = null;

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

/** {sessionId, conversationId} or null. */
export function loadSession() {
  if (!store) return memory;
  try {
    const value = JSON.parse(store.getItem(KEY) || 'null');
    if (value && typeof value.sessionId === 'string') return value;
  } catch {
    // unreadable: start over
  }
  return null;
}

export function saveSession(value) {
  memory = value;
  if (store) {
    try {
      store.setItem(KEY, JSON.stringify(value));
    } catch {
      // quota or blocked: memory only
    }
  }
}

export function clearSession() {
  memory = null;
  if (store) {
    try {
      store.removeItem(KEY);
    } catch {
      // ignore
    }
  }
}

/**
 * What the shopper told us about themselves, and what that did for one
 * conversation: {email, name, conversationId, contactEmail (the conversation's
 * contact as far as we know), prechatDone, offline ({email, name, status,
 * nextOpenAt, emailEnabled} once filed as an offline message), transcript
 * ({status, email})}. Kept beside the session so a reload shows the same.
 */
export function loadContact() {
  if (!store) return contactMemory;
  try {
    const value = JSON.parse(store.getItem(CONTACT_KEY) || 'null');
    if (value && typeof value === 'object') return value;
  } catch {
    // unreadable: start over
  }
  return null;
}

export function saveContact(value) {
  contactMemory = value;
  if (store) {
    try {
      store.setItem(CONTACT_KEY, JSON.stringify(value));
    } catch {
      // quota or blocked: memory only
    }
  }
}

/** Another tab started a new conversation (or cleared it): cb(newValue). */
export function onSessionChange(cb) {
  addEventListener('storage', (event) => {
    if (event.key !== KEY && event.key !== null) return;
    cb(loadSession());
  });
}
