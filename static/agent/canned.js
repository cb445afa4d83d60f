// Canned replies (docs/API.md "Canned replies"): the team's and the agent's own,
// read once per signed-in console (and again after an edit in Settings), and
// filtered here by the rule the server uses for `?q=`, so the composer's list
// follows every keystroke without a request. Also: which `/query` the agent is
// typing in the composer.

import { ReadOnceStore } from './store.js';

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
export class CannedStore extends ReadOnceStore {
  constructor(api) {
    super(() => api.cannedReplies(), (a, b) => a.shortcut.localeCompare(b.shortcut) || a.scope.localeCompare(b.scope));
    this.api = api;
  }
}
