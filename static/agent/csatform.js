// Settings → Bot texts → "Ratings after a chat": whether the widget asks
// customers to rate a chat a person answered, and with which question
// (`csat {enabled, question}`, docs/API.md "Ratings").

import { $ } from '../js/dom.js';
import { charCount } from '../js/limits.js';
import { clearInvalid, invalid, loadSettings, onSubmit, saveSettings, showError } from './forms.js';

export const QUESTION_MAX_CHARS = 200;

/** The question as it would be saved, or an error to show: {question} | {error}. */
export function checkQuestion(text) {
  const question = String(text).trim();
  if (!question) return { error: 'Question: write the question customers see.' };
  if (charCount(question) > QUESTION_MAX_CHARS) return { error: `Question: at most ${QUESTION_MAX_CHARS} characters.` };
  return { question };
}

export class CsatSettings {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('csat-form'), enabled: $('csat-enabled'), question: $('csat-question'),
      unsupported: $('csat-unsupported'), error: $('csat-error'), save: $('csat-save'),
    };
    onSubmit(this.el.form, () => this.#submit());
  }

  show() {
    const { el } = this;
    return loadSettings(this.store, el, (s) => {
      const csat = s.csat;
      const supported = Boolean(csat) && typeof csat.enabled === 'boolean';
      el.unsupported.hidden = supported;
      el.enabled.disabled = el.question.disabled = el.save.disabled = !supported;
      el.enabled.checked = supported && csat.enabled;
      el.question.value = supported ? String(csat.question ?? '') : '';
    });
  }

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const checked = checkQuestion(el.question.value);
    if (checked.error) {
      showError(el.error, checked.error);
      return invalid(el.question);
    }
    const enabled = el.enabled.checked;
    await saveSettings(this.store, el, { csat: { enabled, question: checked.question } }, {
      done: enabled ? 'Saved: customers are asked to rate chats a person answered.' : 'Saved: customers are not asked for ratings.',
      toast: this.toast,
      fields: { 'csat.question': { input: el.question, label: 'Question' } },
    });
  }
}
