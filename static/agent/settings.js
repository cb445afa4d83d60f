// The console's Settings area, for admins: FAQs, bot texts, appearance, the
// sites that may show the chat, hours & e-mail, the team (with the routing of
// the chats of agents who are away), customers' sign-in, the integrations with the
// shop's systems (webhooks, API keys) and the team's labels; for every agent,
// the team's canned replies (admins edit them) and their own, one section at a
// time. The address says which (#settings/team, routes.js), so the top bar's
// "Settings" is a link and the browser's Back works; the chat lists keep updating underneath. A section may have a
// leave(), called when another one (or the chats) takes its place.

import { $ } from '../js/dom.js';
import { wireAddAgent } from './admin.js';
import { Appearance } from './appearance.js';
import { BotTexts } from './bottexts.js';
import { CannedSettings } from './cannedsettings.js';
import { setMain } from './chrome.js';
import { FaqEditor } from './faqs.js';
import { HoursSettings } from './hours.js';
import { Integrations } from './integrations.js';
import { LabelSettings } from './labelsettings.js';
import { AGENT_SECTIONS, SECTIONS } from './routes.js';
import { RoutingSettings } from './routingform.js';
import { CsatSettings } from './csatform.js';
import { SignIn } from './signin.js';
import { Team } from './team.js';
import { WidgetSites } from './widgetsites.js';

/** The shop's Settings (GET/PATCH /api/v1/admin/settings), shared by the sections. */
class SettingsStore {
  constructor(api) {
    this.api = api;
    this.value = null;
    this.pending = null;
    this.listeners = [];
  }

  get() {
    return this.value;
  }

  /** A fresh read (one at a time). */
  load() {
    this.pending ||= this.api.admin.settings()
      .then((value) => this.#set(value))
      .finally(() => { this.pending = null; });
    return this.pending;
  }

  async save(patch) {
    return this.#set(await this.api.admin.updateSettings(patch));
  }

  onChange(callback) {
    this.listeners.push(callback);
  }

  #set(value) {
    this.value = value;
    for (const callback of this.listeners) callback(value);
    return value;
  }
}

export class SettingsView {
  /**
   * @param {{api, me: () => object|null, toast, canned: import('./canned.js').CannedStore,
   *          labels: import('./labels.js').LabelStore}} deps
   */
  constructor({ api, me, toast, canned, labels }) {
    this.me = me;
    const store = new SettingsStore(api);
    this.team = new Team({ api, me, toast });
    const routing = new RoutingSettings({ store, toast });
    const bot = new BotTexts({ store, toast });
    const csat = new CsatSettings({ store, toast });
    this.sections = {
      faqs: new FaqEditor({ api, store, toast }),
      // The bot's texts, and the question after a chat a person answered.
      bot: { show: () => Promise.all([bot.show(), csat.show()]) },
      appearance: new Appearance({ store, toast }),
      hours: new HoursSettings({ store, toast }),
      // The team, and what happens to the chats of someone who is away.
      team: { show: () => Promise.all([this.team.show(), routing.show()]) },
      widget: new WidgetSites({ api, store, toast }),
      signin: new SignIn({ api, store, toast }),
      integrations: new Integrations({ api, toast }),
      labels: new LabelSettings({ api, store: labels, toast }),
      replies: new CannedSettings({ api, store: canned, me, toast, scope: 'team', section: 'replies' }),
      myreplies: new CannedSettings({ api, store: canned, me, toast, scope: 'personal', section: 'myreplies' }),
    };
    wireAddAgent({ api, me, toast, onAdded: () => this.team.show() });
    this.current = null;
    $('settings-title').tabIndex = -1;
  }

  /** Signed out: unsaved edits are not the next admin's, nor is a new secret or key. */
  forget() {
    this.sections.hours.reset();
    this.sections.widget.reset();
    this.sections.signin.leave();
    this.sections.integrations.leave();
  }

  /** An agent's presence or details changed (agent.presence.changed): the team list follows. */
  agentChanged(agent) {
    this.team.update(agent);
  }

  /** Shows `section` of Settings, or hides Settings (null: console.js shows what takes their place). */
  show(section) {
    const open = Boolean(section);
    const wasOpen = this.current !== null;
    $('settings-view').hidden = !open;
    if (!open) {
      if (wasOpen) this.sections[this.current].leave?.();
      this.current = null;
      return;
    }
    setMain('settings-view');
    const admin = this.me()?.role === 'admin';
    for (const link of document.querySelectorAll('.settings-nav a')) {
      link.hidden = !admin && !AGENT_SECTIONS.includes(link.dataset.section);
      if (link.dataset.section === section) link.setAttribute('aria-current', 'page');
      else link.removeAttribute('aria-current');
    }
    for (const name of SECTIONS) $(`section-${name}`).hidden = name !== section;
    if (this.current === section) return;
    if (wasOpen) this.sections[this.current].leave?.();
    this.current = section;
    $('settings-view').scrollTop = 0;
    this.sections[section].show();
    if (!wasOpen) $('settings-title').focus({ preventScroll: true });
  }
}
