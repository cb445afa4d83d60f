// The FAQ editor's form: add one (POST /api/v1/admin/faqs) or edit one
// (PATCH). Keywords are typed comma-separated and sent as an array. The slug
// is the optional "Link name" under "More options": left empty, the server
// makes one from the question (the field shows which as its placeholder).
// Opening the form brings it into view and puts the cursor in the question.

import { $ } from '../js/dom.js';
import { tooLong } from '../js/limits.js';
import { busy, clearInvalid, invalid, onSubmit, showApiError, showError, signedOut } from './forms.js';
import { limits } from './limits.js';

/** "refund, send back ,, Refund" → ["refund", "send back"] (the server also lower-cases and dedupes). */
export function parseKeywords(text) {
  const seen = new Set();
  return text.split(',').map((k) => k.trim()).filter((k) => k && !seen.has(k.toLowerCase()) && seen.add(k.toLowerCase()));
}

/**
 * The slug the server makes from `question` (FAQ.slug(from:) in SwitchboardCore): lower-case
 * ASCII letters and digits, words joined by single hyphens (an apostrophe joins, anything
 * else separates), whole words up to `max` characters; "faq" when no word is left. The
 * server adds "-2", "-3"… when that one is taken.
 */
export function slugFrom(question, max = 60) {
  const words = [];
  let current = '';
  for (const ch of String(question).toLowerCase()) {
    if (/[a-z0-9]/.test(ch)) current += ch;
    else if (ch !== "'" && ch !== '’' && current) {
      words.push(current);
      current = '';
    }
  }
  if (current) words.push(current);
  let slug = '';
  for (const word of words) {
    const next = slug ? `${slug}-${word}` : word;
    if (next.length > max) break;
    slug = next;
  }
  return slug || (words[0] || 'faq').slice(0, max);
}

/**
 * How far to scroll a box (its rect `box`) to show an element (its rect `rect`) `margin` px
 * inside it: to its top for 'start'; for 'nearest' just enough to show all of it, or its top
 * when it is taller than the box. 0 when it shows already.
 */
export function revealBy(rect, box, block = 'nearest', margin = 16) {
  const top = rect.top - box.top - margin;
  if (block === 'start' || top < 0 || rect.height > box.height - 2 * margin) return top;
  const bottom = rect.bottom - box.bottom + margin;
  return bottom > 0 ? bottom : 0;
}

export class FaqForm {
  /**
   * @param {{api, toast, onSaved: (faq, created: boolean) => void, onInput: () => void, onClose: () => void}} deps
   *   onInput: a field changed (redraw the preview); onClose: the form was hidden.
   */
  constructor(deps) {
    Object.assign(this, deps);
    this.faq = null; // the FAQ being edited; null while adding
    this.el = {
      form: $('faq-form'), title: $('faq-form-title'), question: $('faq-question'), answer: $('faq-answer'),
      keywords: $('faq-keywords'), slug: $('faq-slug'), more: $('faq-more'), enabled: $('faq-enabled'), error: $('faq-error'),
      save: $('faq-save'), cancel: $('faq-cancel'),
    };
    const { el } = this;
    el.form.addEventListener('input', () => {
      this.#suggestSlug();
      this.onInput();
    });
    onSubmit(el.form, () => this.#submit());
    el.cancel.addEventListener('click', () => this.close());
    el.form.addEventListener('keydown', (event) => {
      if (event.key === 'Escape') this.close();
    });
  }

  get isOpen() {
    return !this.el.form.hidden;
  }

  /** Opens the form for `faq`, or empty to add one. */
  open(faq = null) {
    const { el } = this;
    this.faq = faq;
    el.title.textContent = faq ? 'Edit FAQ' : 'Add an FAQ';
    el.save.textContent = faq ? 'Save changes' : 'Add FAQ';
    el.question.value = faq?.question || '';
    el.answer.value = faq?.answer || '';
    el.keywords.value = (faq?.keywords || []).join(', ');
    el.slug.value = faq?.slug || '';
    el.more.open = false;
    this.#suggestSlug();
    el.enabled.checked = faq ? faq.enabled : true;
    clearInvalid(el.form);
    showError(el.error, '');
    el.form.hidden = false;
    this.onInput(); // the preview above the form follows it: drawn before the form is scrolled to
    // Wherever the form is (below the list on one column, under the preview beside it),
    // bring all of it into view, then the cursor into the question. Only Settings' own scroll
    // box moves (scrollIntoView would scroll the page's frame too, and the top bar out of view).
    const scroller = $('settings-view');
    scroller.scrollTop += revealBy(el.form.getBoundingClientRect(), scroller.getBoundingClientRect(), narrow() ? 'start' : 'nearest');
    el.question.focus({ preventScroll: true });
  }

  // An empty "Link name" shows what it will be: made from the question for a new FAQ,
  // unchanged for one being edited (an empty field is not sent).
  #suggestSlug() {
    const { el } = this;
    const question = el.question.value.trim();
    el.slug.placeholder = this.faq ? this.faq.slug : question ? slugFrom(question, limits().faq_slug_max_chars) : '';
  }

  close() {
    if (!this.isOpen) return;
    this.el.form.hidden = true;
    this.faq = null;
    this.onClose();
  }

  /** What the form says now (for the preview). */
  values() {
    const { el } = this;
    return {
      question: el.question.value.trim(),
      answer: el.answer.value.trim(),
      keywords: parseKeywords(el.keywords.value),
      slug: el.slug.value.trim().toLowerCase(),
      enabled: el.enabled.checked,
    };
  }

  async #submit() {
    const { el, faq } = this;
    const v = this.values();
    clearInvalid(el.form);
    if (!v.question) return this.#fail('Write the question shoppers will tap.', el.question);
    if (!v.answer) return this.#fail('Write the answer the assistant gives.', el.answer);
    const keywords = this.#keywordProblem(v.keywords);
    if (keywords) return this.#fail(keywords, el.keywords);
    if (v.slug && !/^[a-z0-9]+(-[a-z0-9]+)*$/.test(v.slug)) {
      return this.#fail('Link name: lowercase letters and digits, words joined by single hyphens (like “return-policy”), or leave it empty.', el.slug);
    }
    showError(el.error, '');
    const body = { question: v.question, answer: v.answer, keywords: v.keywords, enabled: v.enabled };
    if (v.slug) body.slug = v.slug;
    try {
      const saved = await busy(el.save, 'Saving…', () => (faq ? this.api.admin.updateFaq(faq.id, body) : this.api.admin.createFaq(body)));
      el.form.hidden = true;
      this.faq = null;
      this.onSaved(saved, !faq);
    } catch (err) {
      if (signedOut(err)) return;
      if (v.slug) el.more.open = true; // a refused link name is shown, under "More options"
      showApiError(el.error, err, {
        fields: {
          question: { input: el.question, label: 'Question' }, answer: { input: el.answer, label: 'Answer' },
          keywords: { input: el.keywords, label: 'Keywords' }, slug: { input: el.slug, label: 'Link name' },
        },
        codes: {
          slug_taken: { text: `Another FAQ already uses the link name “${v.slug}”. Choose another, or leave it empty to make one from the question.`, input: el.slug },
          faq_limit: Number.isInteger(limits().faqs_max)
            ? `There are ${limits().faqs_max} FAQs already, the most there can be. Delete one first.`
            : 'There are as many FAQs as there can be. Delete one first.',
          faq_not_found: 'Someone deleted this FAQ meanwhile. Cancel, and add it again if you still need it.',
        },
      });
    }
  }

  // The server's limits on keywords (agent/me), in the form's words; null when they fit.
  #keywordProblem(keywords) {
    const { faq_keywords_max: most, faq_keyword_max_chars: longest } = limits();
    if (Number.isInteger(most) && keywords.length > most) return `Keywords: at most ${most}, separated by commas.`;
    const long = keywords.find((k) => tooLong(k, longest));
    return long ? `Keywords: “${long}” is too long (at most ${longest} characters each).` : null;
  }

  #fail(text, input) {
    if (input === this.el.slug) this.el.more.open = true;
    showError(this.el.error, text);
    invalid(input);
  }
}

// One column (the form under the list): its top goes to the top.
const narrow = () => matchMedia('(max-width: 1000px)').matches;
