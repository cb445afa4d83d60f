// Canned replies (docs/API.md "Canned replies"): the team's and the agent's own,
// read once per signed-in console (and again after an edit in Settings), and
// filtered here by the rule the server uses for `?q=`, so the composer's list
// follows every keystroke without a request. Also: which `/query` the agent is
// typing in the composer.

/** Words as the server splits them: runs of letters and digits. */
export const wordsOf = (text) => String(text).match(/[\p{L}\p{N}]+/gu) || [];

/**
 * The server's `q` rule: the start of the shortcut (with or without its "/"), or every
 * word of the query starts a word of the title or the content (any case).
 */
export function matchesQuery(reply, query) {
  const q = String(query || '').trim().toLowerCase();
  if (!q) return true;
  if (reply.shortcut.startsWith(q.startsWith('/') ? q.slice(1) : q)) return true;
  const words = wordsOf(`${reply.title} ${reply.content}`.toLowerCase());
  return wordsOf(q).every((term) => words.some((word) => word.startsWith(term)));
}

/** The replies `query` finds, in the order given (the server's: by shortcut). */
export const filterReplies = (replies, query) => replies.filter((reply) => matchesQuery(reply, query));

// A query longer than this is not a shortcut being typed: the list stays shut.
const QUERY_MAX = 60;

/**
 * The `/query` typed just before `caret`: a "/" at the start of the text or after a space
 * or line break, then anything but a line break up to the caret. Returns {start, end,
 * query} (start: the "/"'s index) or null. "and/or", "24/7" and a URL's slashes are not one.
 */
export function slashToken(text, caret) {
  const before = String(text).slice(0, caret);
  const lineStart = before.lastIndexOf('\n') + 1;
  for (let i = before.length - 1; i >= lineStart && before.length - i <= QUERY_MAX + 1; i--) {
    if (before[i] !== '/' || (i > 0 && !/\s/.test(before[i - 1]))) continue;
    const query = before.slice(i + 1);
    return /^\s/.test(query) ? null : { start: i, end: caret, query };
  }
  return null;
}

/** `text` with the token replaced by `insert`; `caret` is where the insert ends. */
export function replaceToken(text, token, insert) {
  return { text: text.slice(0, token.start) + insert + text.slice(token.end), caret: token.start + insert.length };
}

/** The canned replies this agent may use, read once and kept (CannedReply objects, by shortcut). */
export class CannedStore {
  constructor(api) {
    this.api = api;
    this.items = null; // null: not read yet
    this.pending = null;
    this.generation = 0; // a read that answers after forget() is dropped
    this.listeners = new Set();
  }

  /** The list, read on first use; a failed read is tried again next time. */
  load() {
    if (this.items) return Promise.resolve(this.items);
    const generation = this.generation;
    this.pending ||= this.api.cannedReplies()
      .then(({ items }) => (generation === this.generation ? this.#set(items) : []))
      .finally(() => { if (generation === this.generation) this.pending = null; });
    return this.pending;
  }

  /** Read again (after an edit here, or to show what others changed). */
  reload() {
    this.generation++;
    this.items = null;
    this.pending = null;
    return this.load();
  }

  /** The list changed: `callback(items)`. Returns a function that stops listening. */
  onChange(callback) {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Signed out: nothing of this agent's replies stays for the next one. */
  forget() {
    this.generation++;
    this.items = null;
    this.pending = null;
  }

  #set(items) {
    this.items = [...items].sort((a, b) => a.shortcut.localeCompare(b.shortcut) || a.scope.localeCompare(b.scope));
    for (const callback of this.listeners) callback(this.items);
    return this.items;
  }
}
