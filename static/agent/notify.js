// Desktop notifications (the Notification API) for what needs an agent while
// the console's tab is not in front. The browser is asked only from a click
// (the bell, or "Turn on" in the one-time offer: alerts.js), never on load;
// the agent's choice is kept in this browser.

const KEY = 'switchboard.console.notify';

function kept() {
  try {
    return localStorage.getItem(KEY) === 'on';
  } catch {
    return false;
  }
}

function keep(on) {
  try {
    localStorage.setItem(KEY, on ? 'on' : 'off');
  } catch {
    // not kept
  }
}

let wanted = kept();

export const notificationsSupported = () => typeof Notification === 'function';

/** The browser said no (only its site settings can change that). */
export const notificationsBlocked = () => notificationsSupported() && Notification.permission === 'denied';

/** Wanted and allowed. */
export const notificationsOn = () => wanted && notificationsSupported() && Notification.permission === 'granted';

/** Asks the browser if it has not been asked (call it from a click). Resolves to whether they are on. */
export async function turnOnNotifications() {
  if (!notificationsSupported()) return false;
  let permission = Notification.permission;
  if (permission === 'default') {
    try {
      permission = await Notification.requestPermission();
    } catch {
      permission = 'denied';
    }
  }
  wanted = permission === 'granted';
  keep(wanted);
  return wanted;
}

export function turnOffNotifications() {
  wanted = false;
  keep(false);
}

/**
 * Shows a notification unless the agent is looking at the console; clicking it brings the
 * tab to the front and runs `onClick`. `tag`: one notification per conversation, replaced.
 */
export function notify(title, { body = '', tag, onClick } = {}) {
  if (!notificationsOn() || (document.visibilityState === 'visible' && document.hasFocus())) return null;
  try {
    const n = new Notification(title, { body, tag });
    n.onclick = () => {
      window.focus();
      onClick?.();
      n.close();
    };
    return n;
  } catch {
    return null; // where only a service worker may show them (Chrome on Android)
  }
}

/**
 * Whether the one-time offer of alerts still has something to offer: not answered yet,
 * and the sound is off or desktop notifications could still be turned on.
 */
export function alertsToOffer({ answered, sound, supported = notificationsSupported(), on = notificationsOn(), blocked = notificationsBlocked() }) {
  if (answered) return false;
  return !sound || (supported && !on && !blocked);
}
