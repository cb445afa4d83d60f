// Settings → Bot texts: the assistant's name, its welcome, what it says when
// no FAQ matches — one fallback for each availability (someone online, nobody
// online, outside the hours) — and the words that ask for a person
// (PATCH /api/v1/admin/settings). A server without the newer settings shows
// only what it has, and says so.

import { $ } from '../js/dom.js';
import { tooLong } from '../js/limits.js';
import { clearInvalid, invalid, loadSettings, onSubmit, saveSettings, showError } from './forms.js';
import { limits } from './limits.js';

/**
 * "Human, talk to ,, human" → ["human", "talk to"]: comma-separated, trimmed, inner spaces
 * collapsed, lower-cased (as the server keeps them), each once.
 */
export function parsePhrases(text) {
  const seen = new Set();
  const phrases = [];
  for (const part of String(text).split(',')) {
    const phrase = part.trim().replace(/\s+/g, ' ').toLowerCase();
    if (phrase && !seen.has(phrase)) {
      seen.add(phrase);
      phrases.push(phrase);
    }
  }
  return phrases;
}

/**
 * What is wrong with `phrases` under the server's limits (agent/me: `human_phrases_max`,
 * `human_phrase_max_chars`; unknown ones are the server's to check), or null.
 */
export function phrasesProblem(phrases, { human_phrases_max: most, human_phrase_max_chars: longest } = limits()) {
  if (Number.isInteger(most) && phrases.length > most) return `Words that ask for a person: at most ${most}, separated by commas.`;
  const long = phrases.find((p) => tooLong(p, longest));
  return long ? `Words that ask for a person: “${long}” is too long (at most ${longest} characters each).` : null;
}

export class BotTexts {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('bot-form'), name: $('bot-name'), welcome: $('bot-welcome'), fallback: $('bot-fallback'),
      away: $('bot-away-fallback'), closed: $('bot-closed-fallback'), phrases: $('bot-phrases'),
      newFields: [$('bot-away-field'), $('bot-closed-field'), $('bot-phrases-field')], unsupported: $('bot-unsupported'),
      error: $('bot-error'), save: $('bot-save'),
    };
    this.supported = true;
    onSubmit(this.el.form, () => this.#submit());
  }

  show() {
    const { el } = this;
    return loadSettings(this.store, el, (s) => {
      el.name.value = s.bot_name;
      el.welcome.value = s.welcome_message;
      el.fallback.value = s.fallback_message;
      // The fallbacks per availability and the phrases come together (issue 25's server).
      this.supported = typeof s.away_fallback_message === 'string' && Array.isArray(s.human_phrases);
      for (const field of el.newFields) field.hidden = !this.supported;
      el.unsupported.hidden = this.supported;
      if (!this.supported) return;
      el.away.value = s.away_fallback_message;
      el.closed.value = s.closed_fallback_message || '';
      el.phrases.value = s.human_phrases.join(', ');
    });
  }

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const body = { bot_name: el.name.value.trim(), welcome_message: el.welcome.value.trim(), fallback_message: el.fallback.value.trim() };
    const required = [[body.bot_name, el.name, 'Give the assistant a name.'],
      [body.welcome_message, el.welcome, 'Write the welcome message.'],
      [body.fallback_message, el.fallback, 'Write what the assistant says when no FAQ matches while someone is online.']];
    if (this.supported) {
      Object.assign(body, {
        away_fallback_message: el.away.value.trim(),
        closed_fallback_message: el.closed.value.trim(),
        human_phrases: parsePhrases(el.phrases.value),
      });
      required.push([body.away_fallback_message, el.away, 'Write what the assistant says when no FAQ matches while nobody is online.'],
        [body.closed_fallback_message, el.closed, 'Write what the assistant says when no FAQ matches outside your hours.']);
    }
    const missing = required.find(([v]) => !v);
    if (missing) {
      showError(el.error, missing[2]);
      return invalid(missing[1]);
    }
    const phrases = this.supported ? phrasesProblem(body.human_phrases) : null;
    if (phrases) {
      showError(el.error, phrases);
      return invalid(el.phrases);
    }
    const saved = await saveSettings(this.store, el, body, {
      done: 'Bot texts saved. New chats use them.',
      toast: this.toast,
      fields: {
        bot_name: { input: el.name, label: 'Bot name' },
        welcome_message: { input: el.welcome, label: 'Welcome message' },
        fallback_message: { input: el.fallback, label: 'Fallback while someone is online' },
        away_fallback_message: { input: el.away, label: 'Fallback while nobody is online' },
        closed_fallback_message: { input: el.closed, label: 'Fallback outside your hours' },
        human_phrases: { input: el.phrases, label: 'Words that ask for a person' },
      },
    });
    // The phrases as the server keeps them (lower-cased, each once).
    if (saved && Array.isArray(saved.human_phrases)) el.phrases.value = saved.human_phrases.join(', ');
  }
}
