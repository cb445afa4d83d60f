// "Transfer": hands the open chat to a colleague or back to the queue, with a
// note for the next person (stored as a private note). The dialog lists the
// team (GET agent/agents) with each one's presence and load; someone at their
// limit is shown as full and cannot be chosen, except by an admin who ticks
// "Assign even though full" (force). What the server refuses (agent_full,
// agent_unavailable, not_holder, …) is said in the dialog in its own words.

import { $, clear, h } from '../js/dom.js';
import { tooLong } from '../js/limits.js';
import { busy, clearInvalid, explain, showError, signedOut } from './forms.js';
import { limits } from './limits.js';
import { presenceOf } from './team.js';

export const QUEUE = 'queue';

/**
 * Who the chat can go to: every enabled agent but its holder, with presence and load.
 * [{id, name, presence: [text, tone], load: "2 of 5 chats", full, selectable}]; a full
 * agent is selectable by admins only (with force).
 */
export function transferTargets(agents, { holderId, admin }) {
  return agents
    .filter((a) => !a.disabled && a.id !== holderId)
    .map((a) => {
      const full = a.active_chats >= a.max_active_chats;
      return {
        id: a.id,
        name: a.display_name,
        presence: presenceOf(a),
        load: `${a.active_chats} of ${a.max_active_chats} chats${full ? ' · full' : ''}`,
        full,
        selectable: !full || admin,
      };
    });
}

/** The POST body for choice `to` (an agent id, or QUEUE). */
export function transferBody(to, { note = '', force = false } = {}) {
  const text = note.trim() ? note : undefined;
  if (to === QUEUE) return { to: QUEUE, note: text };
  return { to_agent_id: to, note: text, force: force || undefined };
}

export class TransferDialog {
  /**
   * @param {{api, me, toast, onStart: (id, to) => void, onDone: (conversation) => void, signal?: AbortSignal}} deps
   *   onStart: the transfer of chat `id` to `to` (an agent id or QUEUE) is being sent.
   */
  constructor({ api, me, toast, onStart = () => {}, onDone, signal }) {
    Object.assign(this, { api, me, toast, onStart, onDone });
    this.sent = new Map(); // conversation id -> when this dialog last sent its transfer (ms)
    this.el = {
      dialog: $('transfer-dialog'), form: $('transfer-form'), title: $('transfer-title'), list: $('transfer-list'),
      state: $('transfer-state'), forceRow: $('transfer-force-row'), force: $('transfer-force'), note: $('transfer-note'),
      error: $('transfer-error'), submit: $('transfer-submit'), cancel: $('transfer-cancel'),
    };
    this.conv = null;
    this.targets = [];
    this.el.cancel.addEventListener('click', () => this.el.dialog.close(), { signal });
    this.el.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.#submit();
    }, { signal });
    this.el.list.addEventListener('change', () => {
      this.#chosen();
      showError(this.el.error, '');
    }, { signal });
  }

  get admin() {
    return this.me.role === 'admin';
  }

  /** Whether this console transferred chat `id` just now (its conversation.transferred is no news). */
  sentHere(id, now = Date.now()) {
    return now - (this.sent.get(id) ?? -Infinity) < 15000;
  }

  /** Opens the dialog for conversation `conv`; the team's load is read fresh. */
  async open(conv) {
    const { el } = this;
    this.conv = conv;
    el.form.reset();
    clearInvalid(el.form);
    showError(el.error, '');
    el.title.textContent = `Transfer the chat with ${conv.contact?.name || conv.customer?.display_name || 'this customer'}`;
    el.dialog.showModal();
    el.note.focus(); // until the team is there: then the first choice
    await this.#loadTeam(conv);
    if (this.conv === conv && el.dialog.open && document.activeElement === el.note && !el.note.value) {
      el.list.querySelector('input[name="transfer-to"]:not(:disabled)')?.focus();
    }
  }

  /** The team's presence and load, read fresh (on opening, and after a refusal about someone's load). */
  async #loadTeam(conv) {
    const { el } = this;
    const chosen = this.#choice();
    el.forceRow.hidden = true;
    el.force.checked = false;
    clear(el.list);
    el.state.textContent = 'Loading the team…';
    try {
      const { items } = await this.api.agents();
      if (this.conv !== conv) return;
      this.targets = transferTargets(items, { holderId: conv.assigned_agent_id, admin: this.admin });
      el.state.textContent = this.targets.length ? '' : 'Nobody else on the team can take chats right now.';
      this.#draw(conv, chosen);
    } catch (err) {
      if (!signedOut(err)) el.state.textContent = explain(err, { fallback: "Couldn't load the team." }).text;
    }
  }

  #draw(conv, chosen) {
    const option = (value, label, facts, { disabled = false, tone = null } = {}) => h('li', {},
      h('label', { class: `transfer-option${disabled ? ' full' : ''}`, for: `transfer-to-${value}` },
        h('input', { type: 'radio', name: 'transfer-to', id: `transfer-to-${value}`, value, disabled }),
        tone === null ? null : h('span', { class: 'transfer-dot', dataset: { tone }, 'aria-hidden': 'true' }),
        h('span', { class: 'transfer-who' }, h('span', { class: 'transfer-name' }, label), h('span', { class: 'transfer-facts' }, facts))));
    const options = this.targets.map((t) => option(t.id, t.name, `${t.presence[0]} · ${t.load}`, { disabled: !t.selectable, tone: t.presence[1] }));
    if (conv.assigned_agent_id) options.push(option(QUEUE, 'Back to the queue', 'Whoever is free picks it up'));
    this.el.list.append(...options);
    const again = chosen && this.el.list.querySelector(`input[value="${CSS.escape(chosen)}"]`);
    if (again && !again.disabled) again.checked = true;
    this.#chosen();
  }

  #choice() {
    return this.el.list.querySelector('input[name="transfer-to"]:checked')?.value || null;
  }

  // A full agent chosen by an admin: "Assign even though full" appears (and is needed).
  #chosen() {
    const target = this.targets.find((t) => t.id === this.#choice());
    this.el.forceRow.hidden = !(target?.full && this.admin);
    if (this.el.forceRow.hidden) this.el.force.checked = false;
  }

  async #submit() {
    const { el, conv } = this;
    const to = this.#choice();
    showError(el.error, '');
    if (!to) return showError(el.error, 'Choose who takes the chat over, or the queue.');
    const target = this.targets.find((t) => t.id === to);
    if (target?.full && !el.force.checked) {
      el.force.focus();
      return showError(el.error, `${target.name} is full. Tick “Assign even though full” to give them the chat anyway.`);
    }
    if (tooLong(el.note.value, limits().message_max_chars)) {
      el.note.focus();
      return showError(el.error, `The note is too long: at most ${limits().message_max_chars} characters.`);
    }
    this.sent.set(conv.id, Date.now());
    this.onStart(conv.id, to);
    try {
      const answer = await busy(el.submit, 'Transferring…', () => this.api.transfer(conv.id, transferBody(to, { note: el.note.value, force: el.force.checked })));
      el.dialog.close();
      this.toast(to === QUEUE ? 'The chat is back in the queue.' : `The chat is with ${target?.name || 'them'} now.`);
      this.onDone(answer.conversation);
    } catch (err) {
      if (signedOut(err)) return;
      const { text } = explain(err, { fallback: "Couldn't transfer the chat." });
      if (err.code === 'agent_full' || err.code === 'agent_unavailable') await this.#loadTeam(conv); // their load, read again
      showError(el.error, text);
    }
  }
}
