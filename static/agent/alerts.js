// Alerts: the chime (sound.js) and a desktop notification (notify.js) when a
// chat needs the agent: a new chat in the queue, one assigned to them, a
// customer's message. The bell in the top bar turns both on or off; a
// one-time offer in the sidebar proposes them after the agent's first click
// in the console (never on load: the browser asks about notifications only
// on a click, and the sound may only start after one).

import { $ } from '../js/dom.js';
import { alertsToOffer, notificationsBlocked, notificationsOn, notificationsSupported, notify, turnOffNotifications, turnOnNotifications } from './notify.js';
import { chime, setSound, soundEnabled } from './sound.js';

const ANSWERED = 'switchboard.console.alerts-offer';

/** Turns the sound and desktop notifications on or off (call it from a click). Resolves to {sound, desktop}. */
export async function setAlerts(on) {
  setSound(on);
  if (!on) {
    turnOffNotifications();
    return { sound: false, desktop: false };
  }
  return { sound: true, desktop: await turnOnNotifications() };
}

/** What the bell does now, in words (its title). */
export function alertsLabel() {
  if (!soundEnabled()) return 'Alerts are off: click for a sound and a desktop notification when a chat needs you';
  if (notificationsOn()) return 'Alerts are on: a sound and a desktop notification when a chat needs you';
  const why = notificationsBlocked() ? ' (this browser blocks desktop notifications for this site)'
    : notificationsSupported() ? '' : ' (this browser shows no desktop notifications)';
  return `Alerts are on: a sound when a chat needs you${why}`;
}

/** A chat needs the agent: the chime, and a notification while the console is not in front. */
export function alertAgent(title, options) {
  chime();
  notify(title, options);
}

/** What the turned-on alerts amount to, in a toast. */
export function alertsDone({ sound, desktop }) {
  if (!sound) return 'Alerts are off.';
  if (desktop) return 'Alerts are on: a sound and a desktop notification when a chat needs you.';
  if (notificationsBlocked()) return 'The sound is on. Desktop notifications are blocked for this site in your browser’s settings.';
  return 'The sound is on.';
}

function answered() {
  try {
    return localStorage.getItem(ANSWERED) === 'yes';
  } catch {
    return false;
  }
}

function answer() {
  try {
    localStorage.setItem(ANSWERED, 'yes');
  } catch {
    // asked again next time
  }
}

/**
 * The one-time offer (#alerts-offer): shown after the agent's first click in a signed-in
 * console when alertsToOffer() says so; "Turn on" or "Not now" answers it for good.
 */
export class AlertsOffer {
  /** @param {{toast, onChange: () => void}} deps  onChange: the alerts changed (draw the bell again) */
  constructor({ toast, onChange }) {
    this.toast = toast;
    this.onChange = onChange;
    this.el = { box: $('alerts-offer'), on: $('alerts-on'), no: $('alerts-no') };
    this.el.on.addEventListener('click', async () => {
      answer();
      this.hide();
      const result = await setAlerts(true);
      this.onChange();
      this.toast(alertsDone(result));
    });
    this.el.no.addEventListener('click', () => {
      answer();
      this.hide();
      this.toast('No alerts. The bell at the top turns them on whenever you like.');
    });
  }

  /** A console started: offer after its first click (until `signal` aborts: signed out). */
  arm(signal) {
    this.hide();
    const app = $('app-view');
    const first = () => {
      if (signal.aborted || !alertsToOffer({ answered: answered(), sound: soundEnabled() })) return;
      this.el.box.hidden = false;
    };
    app.addEventListener('click', first, { once: true, signal });
  }

  /** The agent chose with the bell: answered, and out of the way. */
  answer() {
    answer();
    this.hide();
  }

  hide() {
    this.el.box.hidden = true;
  }
}
