// What the chat looks like: the shop's own settings (GET
// /api/v1/customer/widget-config, public), under what the embedding script
// tag overrides (data-title, data-greeting, data-color, data-position; the
// loader passes them in the URL hash). The result themes this page and is
// sent to the host page, which draws the launcher and the greeting bubble.

import { customerApi } from '../js/api.js';
import { applyAccent, normalizeColor } from '../js/color.js';

export const DEFAULT_TITLE = 'Chat with us';
export const DEFAULT_BOT_NAME = 'Assistant';

/** The settings before the server has answered (or when it cannot). */
export function initialConfig(overrides) {
  return {
    brandName: '',
    botName: DEFAULT_BOT_NAME,
    title: overrides.title || DEFAULT_TITLE,
    subtitle: "We're here to help",
    greeting: overrides.greeting || '',
    color: normalizeColor(overrides.color) || '',
    position: overrides.position || 'right',
  };
}

/** The server's settings merged under `overrides`; the initial ones when the server cannot answer. */
export async function loadConfig(overrides) {
  const config = initialConfig(overrides);
  let server;
  try {
    server = await customerApi(() => '').widgetConfig();
  } catch {
    return config;
  }
  const w = server.widget || {};
  return {
    brandName: server.brand_name || '',
    botName: server.bot_name || DEFAULT_BOT_NAME,
    title: overrides.title || w.title || DEFAULT_TITLE,
    subtitle: typeof w.subtitle === 'string' ? w.subtitle : config.subtitle,
    greeting: overrides.greeting || w.greeting || '',
    color: config.color || normalizeColor(w.color) || '',
    position: overrides.position || (w.position === 'left' ? 'left' : 'right'),
  };
}

/** Themes this page with `config` (the accent; the header text is the view's). */
export function applyTheme(config) {
  if (config.color) applyAccent(config.color);
}
