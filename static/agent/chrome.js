// The console's chrome around the lists: the top bar (who is signed in, the
// presence switch, the alerts bell) and the toasts.

import { $, h, hueFor, icon, initials } from '../js/dom.js';
import { alertsLabel } from './alerts.js';
import { soundEnabled } from './sound.js';

/**
 * Which view is the page's one main landmark: the sign-in card, the
 * conversation pane, Settings, Contacts, the search results, Reports or an agent's own numbers (the others are
 * hidden, and carry no role).
 */
export function setMain(id) {
  for (const name of ['login-main', 'pane', 'settings-view', 'contacts-view', 'search-view', 'reports-view', 'mynumbers-view']) {
    // A page of only some of the views (a test's) lacks the others: nothing to take the role from.
    if (name === id) $(name).setAttribute('role', 'main');
    else $(name)?.removeAttribute('role');
  }
}

/** Swaps the sign-in screen for the console of agent `me`. */
export function showConsole(me) {
  setMain('pane');
  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('me-name').textContent = me.display_name;
  $('my-account').setAttribute('aria-label', `${me.display_name}: my e-mail`);
  $('me-avatar').textContent = initials(me.display_name);
  $('me-avatar').style.setProperty('--hue', String(hueFor(me.display_name)));
  $('open-settings').hidden = me.role !== 'admin';
  $('open-replies').hidden = me.role === 'admin';
  // One address (#reports): Reports for admins, everyone else's own numbers.
  const reports = me.role === 'admin' ? 'Reports' : 'My numbers';
  $('open-reports-label').textContent = reports;
  $('open-reports').setAttribute('aria-label', reports);
  $('open-reports').title = reports;
}

export function renderPresence(presence) {
  const online = presence === 'online';
  const button = $('presence');
  button.setAttribute('aria-checked', String(online));
  button.dataset.presence = presence;
  $('presence-label').textContent = online ? 'Online' : 'Offline';
  button.title = online ? 'You are online: click to stop taking new chats' : 'You are offline: click to go online';
}

/** The bell: alerts (a sound, and desktop notifications where allowed) on or off. */
export function renderSoundButton() {
  const on = soundEnabled();
  const button = $('sound');
  button.replaceChildren(icon(on ? 'bell' : 'bellOff'));
  button.setAttribute('aria-pressed', String(on));
  button.title = alertsLabel();
}

/**
 * A short note in the top bar; errors stay a little longer. The newest replaces the one
 * before: the bar has room for one.
 */
export function toast(text, kind = 'info') {
  const node = h('div', { class: `toast ${kind}` }, kind === 'error' ? icon('alert', { size: 18 }) : icon('check', { size: 18 }), h('span', {}, text));
  $('toasts').replaceChildren(node);
  setTimeout(() => node.classList.add('leaving'), kind === 'error' ? 5000 : 3200);
  setTimeout(() => node.remove(), kind === 'error' ? 5400 : 3600);
}
