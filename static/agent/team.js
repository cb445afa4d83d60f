// Settings → Team: everyone who can sign in (GET /api/v1/agent/agents), with
// their role, presence ("Away since 14:02" once their last console closed;
// live from agent.presence.changed), load and last sign of life; admins edit
// the role, capacity and name (PATCH /api/v1/admin/agents/{id}), disable or
// enable an agent (disabling signs them out at once), set a new password,
// and, on a desk that sends e-mail, invite an agent to choose their own
// (invitation.js). Adding an agent is admin.js.

import { $, clear, h, hueFor, initials } from '../js/dom.js';
import { age, clock, dayKey, fullDate } from '../js/time.js';
import { confirmDialog } from './confirm.js';
import { busy, clearInvalid, explain, invalid, showApiError, showError, signedOut } from './forms.js';
import { invitationLine, inviteAction } from './invitation.js';
import { capacityProblem, passwordProblem } from './limits.js';

const lastAdmin = (agent) => `${agent.display_name} is the last active admin. Make another agent an admin first, so that someone can still manage the desk.`;

/** "Just now", "4m ago", "Nov 28" or "Never" (the lists' compact age of a last sign of life). */
export function lastSeen(iso) {
  if (!iso) return 'Never';
  const a = age(iso);
  if (a === 'now') return 'Just now';
  return /^\d/.test(a) ? `${a} ago` : a;
}

const shortDay = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' });

/** "Away since 14:02" today, "Away since Nov 28, 14:02" before. */
export function awaySince(iso, now = new Date()) {
  const at = new Date(iso);
  return dayKey(at) === dayKey(now) ? `Away since ${clock(at)}` : `Away since ${shortDay.format(at)}, ${clock(at)}`;
}

/** The presence badge of `agent`: [text, tone, title]. */
export function presenceOf(agent) {
  if (agent.presence === 'online' && !agent.disabled) return ['Online', 'online', null];
  if (agent.away_since && !agent.disabled) return [awaySince(agent.away_since), 'away', `Their console closed; away since ${fullDate(agent.away_since)}`];
  return ['Offline', '', null];
}

export class Team {
  /** @param {{api, me: () => object, toast}} deps */
  constructor({ api, me, toast }) {
    Object.assign(this, { api, me, toast });
    this.agents = [];
    this.el = { list: $('team-list'), state: $('team-state'), error: $('team-error') };
    this.#wireEdit();
    this.#wireReset();
  }

  async show() {
    showError(this.el.error, '');
    if (!this.agents.length) this.el.state.textContent = 'Loading the team…';
    try {
      this.agents = (await this.api.agents()).items;
      this.el.state.textContent = '';
    } catch (err) {
      if (!signedOut(err)) this.el.state.textContent = explain(err, { fallback: "Couldn't load the team." }).text;
    }
    this.render();
  }

  render() {
    this.mail = this.me()?.email_enabled === true; // whether the cards offer invitations
    clear(this.el.list).append(...this.agents.map((a) => this.#card(a)));
  }

  /**
   * An agent changed elsewhere (agent.presence.changed carries the whole Agent):
   * only that card is drawn again, and keyboard focus stays on its button.
   */
  update(agent) {
    if ((this.me()?.email_enabled === true) !== this.mail) return this.render(); // GET me answered: every card may change
    const i = this.agents.findIndex((a) => a.id === agent?.id);
    if (i < 0) return;
    this.agents[i] = { ...this.agents[i], ...agent };
    const old = this.el.list.querySelector(`li[data-id="${CSS.escape(agent.id)}"]`);
    if (!old) return;
    const focused = old.contains(document.activeElement) ? document.activeElement.dataset.action : null;
    const card = this.#card(this.agents[i]);
    old.replaceWith(card);
    if (focused) card.querySelector(`[data-action="${focused}"]`)?.focus({ preventScroll: true });
  }

  #card(agent) {
    const you = agent.id === this.me()?.id;
    const name = agent.display_name;
    const avatar = h('span', { class: 'avatar agent-avatar', 'aria-hidden': 'true' }, initials(name));
    avatar.style.setProperty('--hue', String(hueFor(name)));
    const [presence, tone, presenceTitle] = presenceOf(agent);
    const invited = invitationLine(agent);
    const invite = inviteAction(agent, this.mail);
    return h('li', { class: `agent${agent.disabled ? ' disabled' : ''}`, dataset: { id: agent.id, username: agent.username } },
      h('div', { class: 'agent-top' }, avatar,
        h('div', { class: 'agent-who' },
          h('p', { class: 'agent-name' }, name, you ? ' (you)' : ''),
          h('p', { class: 'agent-user' }, agent.username))),
      h('div', { class: 'agent-badges' },
        h('span', { class: 'badge', dataset: { tone: agent.role === 'admin' ? 'admin' : '' } }, agent.role === 'admin' ? 'Admin' : 'Agent'),
        h('span', { class: 'badge agent-presence', dataset: { tone }, title: presenceTitle }, presence),
        agent.disabled ? h('span', { class: 'badge', dataset: { tone: 'off' } }, 'Disabled') : null),
      invited ? h('p', { class: 'agent-invited' }, invited) : null,
      h('dl', { class: 'agent-facts' },
        h('dt', {}, 'Open chats'), h('dd', {}, `${agent.active_chats} of ${agent.max_active_chats}`),
        h('dt', {}, 'Last seen'), h('dd', { title: agent.last_seen_at ? fullDate(agent.last_seen_at) : null }, lastSeen(agent.last_seen_at)),
        'email' in agent ? [h('dt', {}, 'E-mail'), h('dd', { class: 'agent-email' },
          agent.email ? `${agent.email}${agent.email_notifications ? ' · gets offline messages' : ''}` : 'Not given')] : null),
      h('div', { class: 'agent-actions' },
        h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Edit ${name}`, dataset: { action: 'edit' },
          on: { click: () => this.#openEdit(agent) } }, 'Edit'),
        h('button', { class: 'btn ghost small', type: 'button', 'aria-label': `Reset the password of ${name}`, dataset: { action: 'reset' },
          on: { click: () => this.#openReset(agent) } }, 'Reset password'),
        invite ? h('button', { class: 'btn ghost small', type: 'button', 'aria-label': invite.label, dataset: { action: 'invite' },
          on: { click: (event) => this.#invite(agent, event.currentTarget) } }, invite.text) : null,
        h('button', { class: `btn ${agent.disabled ? 'ghost' : 'danger'} small`, type: 'button', 'aria-label': `${agent.disabled ? 'Enable' : 'Disable'} ${name}`,
          dataset: { action: 'toggle' }, on: { click: () => this.#toggle(agent) } }, agent.disabled ? 'Enable' : 'Disable')));
  }

  #replace(agent) {
    const i = this.agents.findIndex((a) => a.id === agent.id);
    if (i >= 0) this.agents[i] = { ...this.agents[i], ...agent };
    this.render();
    return this.el.list.querySelector(`li[data-id="${CSS.escape(agent.id)}"]`);
  }

  async #toggle(agent) {
    showError(this.el.error, '');
    const disable = !agent.disabled;
    if (disable) {
      const sure = await confirmDialog({
        title: `Disable ${agent.display_name}?`,
        text: `${agent.display_name} is signed out at once and can't sign in or take chats until enabled again. Their open chats stay assigned to them.`,
        ok: 'Disable',
      });
      if (!sure) return;
    }
    try {
      const updated = await this.api.admin.updateAgent(agent.id, { disabled: disable });
      this.#replace(updated)?.querySelector('[data-action="toggle"]')?.focus();
      this.toast(disable ? `${agent.display_name} is disabled and signed out.` : `${agent.display_name} can sign in again.`);
    } catch (err) {
      if (signedOut(err)) return;
      showApiError(this.el.error, err, { codes: { last_admin: lastAdmin(agent) }, fallback: "Couldn't change the agent." });
    }
  }

  /** An invitation to the agent's e-mail, then the list read again (the new link's expiry). */
  async #invite(agent, button) {
    showError(this.el.error, '');
    try {
      const sent = await busy(button, 'Sending…', () => this.api.admin.invite(agent.id));
      this.toast(`Invitation sent to ${sent.email}`);
      await this.show();
      this.el.list.querySelector(`li[data-id="${CSS.escape(agent.id)}"] [data-action="invite"]`)?.focus();
    } catch (err) {
      if (signedOut(err)) return;
      showApiError(this.el.error, err, { fallback: "Couldn't send the invitation." });
    }
  }

  // --- edit: name, role, capacity -----------------------------------------------

  #wireEdit() {
    const dialog = $('edit-agent-dialog');
    const form = $('edit-agent-form');
    const f = { display: $('edit-agent-display'), role: $('edit-agent-role'), chats: $('edit-agent-chats') };
    const error = $('edit-agent-error');
    $('edit-agent-cancel').addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const agent = this.editing;
      clearInvalid(form);
      const chats = Number(f.chats.value);
      if (!f.display.value.trim()) return showError(error, 'Enter the name customers will see.') || invalid(f.display);
      const tooMany = capacityProblem(chats);
      if (tooMany) return showError(error, tooMany) || invalid(f.chats);
      const body = {};
      if (f.display.value.trim() !== agent.display_name) body.display_name = f.display.value.trim();
      if (f.role.value !== agent.role) body.role = f.role.value;
      if (chats !== agent.max_active_chats) body.max_active_chats = chats;
      try {
        const updated = Object.keys(body).length ? await busy($('edit-agent-submit'), 'Saving…', () => this.api.admin.updateAgent(agent.id, body)) : agent;
        dialog.close();
        this.#replace(updated)?.querySelector('[data-action="edit"]')?.focus();
        if (Object.keys(body).length) this.toast(`Saved ${updated.display_name}.`);
      } catch (err) {
        if (signedOut(err)) return;
        showApiError(error, err, {
          codes: { last_admin: { text: lastAdmin(agent), input: f.role } },
          fields: { display_name: { input: f.display, label: 'Display name' }, max_active_chats: { input: f.chats, label: 'Max. chats' } },
        });
      }
    });
    this.editFields = f;
    this.editError = error;
  }

  #openEdit(agent) {
    this.editing = agent;
    const f = this.editFields;
    $('edit-agent-title').textContent = `Edit ${agent.display_name}`;
    f.display.value = agent.display_name;
    f.role.value = agent.role;
    f.chats.value = String(agent.max_active_chats);
    clearInvalid($('edit-agent-form'));
    showError(this.editError, '');
    $('edit-agent-dialog').showModal();
    f.display.focus();
  }

  // --- a new password -----------------------------------------------------------------

  #wireReset() {
    const dialog = $('reset-dialog');
    const form = $('reset-form');
    const input = $('reset-password');
    const error = $('reset-error');
    $('reset-cancel').addEventListener('click', () => dialog.close());
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const agent = this.resetting;
      clearInvalid(form);
      const weak = passwordProblem(input.value);
      if (weak) return showError(error, weak) || invalid(input);
      try {
        await busy($('reset-submit'), 'Setting…', () => this.api.admin.resetPassword(agent.id, input.value));
        dialog.close();
        form.reset();
        this.toast(`${agent.display_name} has a new password and was signed out everywhere.`);
      } catch (err) {
        if (signedOut(err)) return;
        showApiError(error, err, { fields: { password: { input, label: 'Password' } } });
      }
    });
  }

  #openReset(agent) {
    this.resetting = agent;
    $('reset-title').textContent = `New password for ${agent.display_name}`;
    $('reset-form').reset();
    clearInvalid($('reset-form'));
    showError($('reset-error'), '');
    $('reset-dialog').showModal();
    $('reset-password').focus();
  }
}
