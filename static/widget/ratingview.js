// Draws rating.js's state into index.html's rating card and its thank-you:
// the shop's question as the legend of five labelled radio buttons, the
// comment with its counter, Send and "No thanks". A render never clears what
// the shopper chose or typed (a failed send keeps it); another conversation
// starts blank. Focus: a survey that appears while the shopper's focus was
// lost (the message box it was in went away with the close) takes it; after a
// send the thank-you does; after "No thanks", "Start a new conversation".

import { $ } from '../js/dom.js';
import { charCount } from '../js/limits.js';
import { COMMENT_MAX_CHARS, SCORES, commentCount } from './rating.js';

// How few characters left are worth announcing (a counter read on every key would drown the typing).
const ANNOUNCE_LEFT = [100, 50, 20, 10, 0];

/**
 * What a screen reader is told when the comment goes from `before` to
 * `after` characters: "50 characters left" as it crosses one of the steps
 * above, else null.
 */
export function countAnnouncement(before, after, max = COMMENT_MAX_CHARS) {
  const was = max - before;
  const left = max - after;
  const step = ANNOUNCE_LEFT.find((n) => left <= n && was > n);
  if (step === undefined) return null;
  return left <= 0 ? 'No characters left' : `${left} ${left === 1 ? 'character' : 'characters'} left`;
}

/** Shows `text` in the error line `el` (hidden when empty) and marks `input` invalid. */
function showError(el, text, input = null) {
  el.hidden = !text;
  if (el.textContent !== (text || '')) el.textContent = text || '';
  if (!input) return;
  if (text) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

// The focused element is gone from view (hidden with the message box, or nothing is focused).
function focusLost() {
  const active = document.activeElement;
  return !active || active === document.body || active.offsetParent === null;
}

export class RatingView {
  /**
   * @param {import('./rating.js').Rating} rating
   * @param {{scrollIntoView: (node) => void, canFocus: () => boolean, focusAfter: () => void}} hooks
   *   canFocus: the chat is on screen (an iframe whose panel is closed must not take the focus);
   *   focusAfter: where the focus goes once the survey is dismissed.
   */
  constructor(rating, { scrollIntoView, canFocus = () => true, focusAfter = () => {} }) {
    this.rating = rating;
    this.scrollIntoView = scrollIntoView;
    this.canFocus = canFocus;
    this.focusAfter = focusAfter;
    this.drawnFor = null; // the conversation the survey's inputs belong to
    this.appeared = false; // the survey has just been drawn for a conversation
    this.counted = 0; // the comment's length at the last count
    const el = {
      form: $('rating'), question: $('rating-question'), scores: $('rating-scores'), scoreError: $('rating-score-error'),
      comment: $('rating-comment'), count: $('rating-count'), countLive: $('rating-count-live'), commentError: $('rating-comment-error'),
      error: $('rating-error'), dismiss: $('rating-dismiss'), send: $('rating-send'), thanks: $('rating-thanks'),
      radios: SCORES.map(({ score }) => $(`rating-score-${score}`)),
    };
    this.el = el;
    this.#wire();
  }

  #wire() {
    const { el, rating } = this;
    for (const radio of el.radios) radio.addEventListener('change', () => rating.clearError('score'));
    el.comment.addEventListener('input', () => {
      this.#count();
      rating.clearError('comment');
    });
    el.form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = await rating.submit({ score: this.#chosen(), comment: el.comment.value });
      if (!ok) this.#focusInvalid();
    });
    el.dismiss.addEventListener('click', () => rating.dismiss());
  }

  // The chosen score's value ("1"…"5"), or null.
  #chosen() {
    return this.el.radios.find((radio) => radio.checked)?.value ?? null;
  }

  #count() {
    const { el } = this;
    const n = charCount(el.comment.value);
    const max = this.rating.commentMax;
    // No limit is written in the page: widget-config's, once known (rating.js). maxlength
    // counts UTF-16 units, so it never lets more than the server's code points through;
    // submit() checks those.
    if (el.comment.getAttribute('maxlength') !== String(max)) el.comment.setAttribute('maxlength', String(max));
    el.count.textContent = commentCount(el.comment.value, max);
    const said = countAnnouncement(this.counted, n, max);
    this.counted = n;
    if (said) el.countLive.textContent = said;
  }

  // After a refused send: the choice or the comment that is wrong (its error describes it);
  // a refusal of the whole (its alert says why) back on Send, which was disabled meanwhile.
  #focusInvalid() {
    const { el, rating } = this;
    if (rating.errors.score) el.radios[0].focus();
    else if (rating.errors.comment) el.comment.focus();
    else if (rating.errors.form && !el.form.hidden) el.send.focus();
  }

  /** The card shown under the messages, if any (for the view's scrolling). */
  card() {
    return [this.el.form, this.el.thanks].find((node) => !node.hidden) || null;
  }

  /** Puts the focus on the survey (the chat opened on it); false when there is none. */
  focusSurvey() {
    if (this.el.form.hidden) return false;
    this.el.form.focus({ preventScroll: true });
    return true;
  }

  /** Draws the survey or the thank-you; returns which shows ('survey' | 'thanks' | null). */
  render() {
    const { el, rating } = this;
    const showing = rating.showing;
    el.form.hidden = showing !== 'survey';
    el.thanks.hidden = showing !== 'thanks';
    if (showing !== 'survey') return showing;
    const id = rating.chat.conversation.id;
    if (this.drawnFor !== id) {
      // Another conversation's survey: nothing chosen or typed carries over.
      this.drawnFor = id;
      this.appeared = true;
      for (const radio of el.radios) radio.checked = false;
      el.comment.value = '';
      el.countLive.textContent = '';
      this.counted = 0;
      this.#count();
    }
    if (el.question.textContent !== rating.question) el.question.textContent = rating.question;
    showError(el.scoreError, rating.errors.score);
    // (The fieldset's error is its description; aria-invalid is for the fields themselves.)
    if (rating.errors.score) el.scores.dataset.invalid = 'true';
    else el.scores.removeAttribute('data-invalid');
    showError(el.commentError, rating.errors.comment, el.comment);
    showError(el.error, rating.errors.form);
    el.send.disabled = rating.busy;
    el.send.textContent = rating.busy ? 'Sending…' : 'Send';
    el.dismiss.disabled = rating.busy;
    return showing;
  }

  /** After the page has scrolled for new messages: a survey that just appeared is shown whole; focus moves once. */
  afterRender() {
    const { el, rating } = this;
    if (this.appeared && !el.form.hidden) {
      this.appeared = false;
      this.scrollIntoView(el.form);
      if (this.canFocus() && focusLost()) el.form.focus({ preventScroll: true });
    }
    const which = rating.focus;
    if (!which) return;
    rating.focus = null;
    if (which === 'thanks' && !el.thanks.hidden) {
      this.scrollIntoView(el.thanks);
      el.thanks.focus({ preventScroll: true });
    } else if (which === 'after') {
      this.focusAfter();
    }
  }
}
