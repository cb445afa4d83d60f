// Settings → Integrations (admins): how the shop's other systems connect to the
// desk. Webhooks tell them what happens (webhooks.js); API keys let them write to
// customers as the shop (apikeys.js). This module only lays out the section and
// passes show() and leave() on; each part keeps its own state.

import { $, h } from '../js/dom.js';
import { ApiKeySettings } from './apikeys.js';
import { WebhookSettings } from './webhooks.js';

export class Integrations {
  /** @param {{api, toast}} deps */
  constructor({ api, toast }) {
    const section = $('section-integrations');
    const hooks = h('div', { class: 'integrations-part' });
    const keys = h('div', { class: 'integrations-part' });
    section.append(
      h('div', { class: 'set-head' },
        h('div', {},
          h('h2', { id: 'integrations-title' }, 'Integrations'),
          h('p', { class: 'set-sub' }, 'Connect your shop’s own systems: webhooks tell them what happens here, and with an API key they can write to customers as the shop.'))),
      h('div', { class: 'integrations' }, hooks, keys));
    this.webhooks = new WebhookSettings({ api, toast, root: hooks });
    this.apiKeys = new ApiKeySettings({ api, toast, root: keys });
  }

  show() {
    return Promise.all([this.webhooks.show(), this.apiKeys.show()]);
  }

  /** Another section (or sign-out) takes its place: the secrets and keys shown once go. */
  leave() {
    this.webhooks.leave();
    this.apiKeys.leave();
  }
}
