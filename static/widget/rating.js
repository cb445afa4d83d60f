// The shop's question after a chat a person answered (docs/API.md, "Ratings"):
// five labelled scores and an optional comment, sent once, or dismissed for
// good. Asked when widget-config's `csat.enabled` and the conversation's
// `can_rate` (closed, an agent wrote in it, not rated yet) are both true; the
// bot's own chats never have `can_rate`. State and the call only: ratingview.js
// draws it; the conversation stays chat.js's.

import { ApiError } from '../js/api.js';
import { charCount } from '../js/limits.js';
import { dismissRating, loadDismissedRatings } from './session.js';

export const DEFAULT_QUESTION = 'How did we do?';
/** The contract's limit (docs/API.md, Rating), until widget-config's `limits.rating_comment_max_chars` is known. */
export const COMMENT_MAX_CHARS = 1000;
const QUESTION_MAX_CHARS = 200;

/** The five choices, each with its words: the score is never told by colour or a face alone. */
export const SCORES = Object.freeze([
  { score: 1, word: 'Very bad' },
  { score: 2, word: 'Bad' },
  { score: 3, word: 'OK' },
  { score: 4, word: 'Good' },
  { score: 5, word: 'Very good' },
]);

/**
 * widget-config's `csat`, checked member by member. A server without it (one
 * older than ratings, or no answer at all) asks nothing: its conversations
 * carry no `can_rate` either, and a rating it does not take would only fail.
 */
export function parseCsat(raw) {
  const csat = raw && typeof raw === 'object' ? raw : {};
  const question = typeof csat.question === 'string' ? csat.question.trim() : '';
  return {
    enabled: csat.enabled === true,
    question: question && charCount(question) <= QUESTION_MAX_CHARS ? question : DEFAULT_QUESTION,
  };
}

/** Whether the question is asked for `conversation` (the customer's view of it). */
export function shouldAsk({ csat, conversation, dismissed = false }) {
  return Boolean(csat?.enabled && conversation && conversation.status === 'closed' && conversation.can_rate === true && !dismissed);
}

/** The score as the server takes it (a whole number 1–5), or null. */
export function validScore(value) {
  const n = typeof value === 'string' && /^[1-5]$/.test(value) ? Number(value) : value;
  return Number.isInteger(n) && n >= 1 && n <= 5 ? n : null;
}

/** "12 / 1000": the comment's length as the server counts it (docs/API.md "Text": code points). */
export function commentCount(text, max = COMMENT_MAX_CHARS) {
  return `${charCount(text)} / ${max}`;
}

export class Rating {
  /** @param {import('./chat.js').Chat} chat  @param {{onChange: () => void}} hooks */
  constructor(chat, { onChange }) {
    this.chat = chat;
    this.onChange = onChange;
    this.csat = parseCsat(null);
    this.busy = false;
    this.errors = {}; // {score?, comment?, form?}: what the shopper is told, until they change it
    this.thanked = null; // the conversation whose rating was taken in this page view (its thank-you stays)
    this.focus = null; // 'thanks' | 'after': where the view moves the focus once, after a send or a dismissal
  }

  #changed() {
    this.onChange();
  }

  /** widget-config's `csat` (config.js keeps it raw). */
  configure(csat) {
    this.csat = parseCsat(csat);
    this.#changed();
  }

  get question() {
    return this.csat.question;
  }

  /** The server's limit for a comment (widget-config's `limits`), or the contract's until it is known. */
  get commentMax() {
    const max = this.chat.limits?.rating_comment_max_chars;
    return Number.isInteger(max) && max > 0 ? max : COMMENT_MAX_CHARS;
  }

  /** What is shown under the closed conversation: 'survey', 'thanks' or null. */
  get showing() {
    const conv = this.chat.conversation;
    if (!conv || this.chat.state.phase !== 'ready') return null;
    if (this.thanked === conv.id) return 'thanks';
    const dismissed = loadDismissedRatings().includes(conv.id);
    return shouldAsk({ csat: this.csat, conversation: conv, dismissed }) ? 'survey' : null;
  }

  /** The shopper changed the field `field` ('score' | 'comment'): its error, and the form's, go. */
  clearError(field) {
    if (!this.errors[field] && !this.errors.form) return;
    this.errors = { ...this.errors, [field]: undefined, form: undefined };
    this.#changed();
  }

  /** "No thanks": nothing is sent, and this conversation is not asked again (this browser). */
  dismiss() {
    const conv = this.chat.conversation;
    if (!conv || this.busy) return;
    dismissRating(conv.id);
    this.errors = {};
    this.focus = 'after';
    this.#changed();
  }

  /**
   * Sends the rating. Resolves to true when it is taken (201, or 409
   * already_rated: another tab sent it, or an answer that was lost) and the
   * thank-you shows; false when the shopper is told what is wrong, with
   * what they chose and typed kept.
   */
  async submit({ score, comment = '' }) {
    const conv = this.chat.conversation;
    if (!conv || this.busy || this.showing !== 'survey') return false;
    const chosen = validScore(score);
    const text = String(comment).trim();
    const errors = {};
    if (chosen === null) errors.score = 'Choose a score from 1 to 5.';
    const max = this.commentMax;
    if (charCount(text) > max) errors.comment = `Please keep your comment to ${max} characters.`;
    this.errors = errors;
    if (errors.score || errors.comment) {
      this.#changed();
      return false;
    }
    this.busy = true;
    this.#changed();
    try {
      await this.chat.api.rate(conv.id, { score: chosen, comment: text });
      this.#taken(conv.id);
      return true;
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0);
      if (e.status === 409 && e.code === 'already_rated') {
        this.#taken(conv.id);
        return true;
      }
      this.errors = { form: e.detail };
      return false;
    } finally {
      this.busy = false;
      this.#changed();
    }
  }

  #taken(conversationId) {
    this.thanked = conversationId;
    this.errors = {};
    this.focus = 'thanks';
  }
}
