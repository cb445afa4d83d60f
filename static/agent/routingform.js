// Settings → Team → "Routing": after how many minutes away an agent's open
// chats go back to the queue (`routing.return_after_minutes`; 0: never).
// An agent is away when every console of theirs has been closed for a while
// (Team shows "Away since"); signing out asks them instead (logout.js).

import { $ } from '../js/dom.js';
import { clearInvalid, invalid, loadSettings, onSubmit, saveSettings, showError } from './forms.js';

/** The minutes typed, as the whole number to send, or null when it is not one ≥ 0. */
export function minutesValue(text) {
  const t = String(text).trim();
  return /^\d+$/.test(t) ? Number(t) : null;
}

export class RoutingSettings {
  /** @param {{store, toast}} deps  store: the shared Settings (settings.js) */
  constructor({ store, toast }) {
    Object.assign(this, { store, toast });
    this.el = {
      form: $('routing-form'), minutes: $('routing-return'), unsupported: $('routing-unsupported'),
      error: $('routing-error'), save: $('routing-save'),
    };
    onSubmit(this.el.form, () => this.#submit());
  }

  show() {
    const { el } = this;
    return loadSettings(this.store, el, (s) => {
      const minutes = s.routing?.return_after_minutes;
      const supported = Number.isInteger(minutes);
      el.unsupported.hidden = supported;
      el.minutes.disabled = el.save.disabled = !supported;
      el.minutes.value = supported ? String(minutes) : '';
    });
  }

  async #submit() {
    const { el } = this;
    clearInvalid(el.form);
    const minutes = minutesValue(el.minutes.value);
    if (minutes === null) {
      showError(el.error, 'Minutes: a whole number, like 5 (0: never).');
      return invalid(el.minutes);
    }
    await saveSettings(this.store, el, { routing: { return_after_minutes: minutes } }, {
      done: minutes === 0 ? 'Saved: chats of agents who are away stay theirs.'
        : `Saved: chats of agents away for ${minutes} minute${minutes === 1 ? '' : 's'} go back to the queue.`,
      toast: this.toast,
      fields: { 'routing.return_after_minutes': { input: el.minutes, label: 'Minutes' } },
    });
  }
}
