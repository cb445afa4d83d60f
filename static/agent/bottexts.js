// Settings → Bot texts: the assistant's name, welcome and fallback messages
// (PATCH /api/v1/admin/settings).

import { $ } from '../js/dom.js';
import { clearInvalid, invalid, loadSettings, onSubmit, saveSettings, showError } from './forms.js';

export class BotTexts {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('bot-form'), name: $('bot-name'), welcome: $('bot-welcome'), fallback: $('bot-fallback'),
      error: $('bot-error'), save: $('bot-save'),
    };
    onSubmit(this.el.form, () => this.#submit());
  }

  show() {
    const { el } = this;
    return loadSettings(this.store, el, (s) => {
      el.name.value = s.bot_name;
      el.welcome.value = s.welcome_message;
      el.fallback.value = s.fallback_message;
    });
  }

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const body = { bot_name: el.name.value.trim(), welcome_message: el.welcome.value.trim(), fallback_message: el.fallback.value.trim() };
    const missing = [[body.bot_name, el.name, 'Give the assistant a name.'],
      [body.welcome_message, el.welcome, 'Write the welcome message.'],
      [body.fallback_message, el.fallback, 'Write what the assistant says when no FAQ matches.']].find(([v]) => !v);
    if (missing) {
      showError(el.error, missing[2]);
      return invalid(missing[1]);
    }
    await saveSettings(this.store, el, body, {
      done: 'Bot texts saved. New chats use them.',
      toast: this.toast,
      fields: {
        bot_name: { input: el.name, label: 'Bot name' },
        welcome_message: { input: el.welcome, label: 'Welcome message' },
        fallback_message: { input: el.fallback, label: 'Fallback message' },
      },
    });
  }
}
