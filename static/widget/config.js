// What the chat looks like: the shop's own settings (GET
// /api/v1/customer/widget-config, public), under what the embedding script
// tag overrides (data-title, data-greeting, data-color, data-position; the
// loader passes them in the URL hash). The result themes this page and is
// sent to the host page, which draws the launcher and the greeting bubble.
// `availability` (whether anyone is there, and what the widget offers when
// nobody is) is read again now and then: see availability.js. `csat` (the
// question after a chat) is rating.js's to read. `attachments` (whether files
// may be sent, how large, which types) is the paperclip's.

import { widgetConfig } from '../js/api.js';
import { applyAccent, normalizeColor } from '../js/color.js';
import { parseLimits } from '../js/limits.js';
import { parseAttachmentLimits } from '../js/upload.js';

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
    availability: parseAvailability(null),
    limits: {},
    attachments: parseAttachmentLimits(null), // none until the server says
    csat: null, // widget-config's `csat` as it came (rating.js reads it): none, nothing is asked
  };
}

const PRECHAT = ['off', 'ask', 'require_email'];

/**
 * widget-config's `availability`, checked member by member: an older server
 * (or none) lacks some, and a missing one means the old behaviour — online,
 * no pre-chat form, the launcher always drawn, no e-mail promised.
 */
export function parseAvailability(a) {
  const av = a && typeof a === 'object' ? a : {};
  const seconds = av.typical_reply_seconds;
  return {
    status: ['online', 'away', 'closed'].includes(av.status) ? av.status : 'online',
    agentsOnline: Number.isInteger(av.agents_online) ? av.agents_online : null,
    nextOpenAt: typeof av.next_open_at === 'string' && !Number.isNaN(Date.parse(av.next_open_at)) ? av.next_open_at : null,
    typicalReplySeconds: typeof seconds === 'number' && Number.isFinite(seconds) && seconds >= 0 ? seconds : null,
    awayMessage: typeof av.away_message === 'string' ? av.away_message.trim() : '',
    hideWhenClosed: av.hide_when_closed === true,
    prechat: PRECHAT.includes(av.prechat) ? av.prechat : 'off',
    emailEnabled: av.email_enabled === true,
  };
}

/** Just the availability, read again (null when the server cannot answer). */
export async function loadAvailability() {
  try {
    return parseAvailability((await widgetConfig()).availability);
  } catch {
    return null;
  }
}

/** The server's settings merged under `overrides`; the initial ones when the server cannot answer. */
export async function loadConfig(overrides) {
  const config = initialConfig(overrides);
  let server;
  try {
    server = await widgetConfig();
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
    availability: parseAvailability(server.availability),
    limits: parseLimits(server.limits),
    attachments: parseAttachmentLimits(server.attachments),
    csat: server.csat ?? null,
  };
}

/** Themes this page with `config` (the accent; the header text is the view's). */
export function applyTheme(config) {
  if (config.color) applyAccent(config.color);
}
