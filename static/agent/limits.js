// The console's limits, as GET /api/v1/agent/me last gave them (only that
// answer carries `limits`): the reply box, the FAQ and team forms, the page
// size of the lists. Kept here for the whole page, since Settings outlives a
// session; until they arrive nothing is checked in the browser.

import { widgetConfig } from '../js/api.js';
import { applyLimits, byteCount, parseLimits } from '../js/limits.js';
import { parseAttachmentLimits } from '../js/upload.js';

// The inputs of index.html the server limits (no limit is written in the HTML).
const FIELDS = {
  reply: { maxlength: 'message_max_chars' },
  'faq-question': { maxlength: 'faq_question_max_chars' },
  'faq-answer': { maxlength: 'faq_answer_max_chars' },
  'agent-display': { maxlength: 'display_name_max_chars' },
  'edit-agent-display': { maxlength: 'display_name_max_chars' },
  'agent-username': { minlength: 'username_min_chars', maxlength: 'username_max_chars' },
  'agent-chats': { min: 'max_active_chats_min', max: 'max_active_chats_max' },
  'edit-agent-chats': { min: 'max_active_chats_min', max: 'max_active_chats_max' },
  // A password's limit is in bytes: as a maxlength (characters) it only stops what is surely too long.
  'agent-password': { minlength: 'password_min_chars', maxlength: 'password_max_bytes' },
  'reset-password': { minlength: 'password_min_chars', maxlength: 'password_max_bytes' },
  'password-new': { minlength: 'password_min_chars', maxlength: 'password_max_bytes' },
  'faq-slug': { maxlength: 'faq_slug_max_chars' },
  'bot-name': { maxlength: 'bot_name_max_chars' },
  'bot-welcome': { maxlength: 'bot_text_max_chars' },
  'bot-fallback': { maxlength: 'bot_text_max_chars' },
  'bot-away-fallback': { maxlength: 'bot_text_max_chars' },
  'bot-closed-fallback': { maxlength: 'bot_text_max_chars' },
  'hours-away': { maxlength: 'bot_text_max_chars' },
  'look-brand': { maxlength: 'brand_name_max_chars' },
  'look-title-input': { maxlength: 'widget_title_max_chars' },
  'look-subtitle': { maxlength: 'widget_subtitle_max_chars' },
  'look-greeting': { maxlength: 'widget_greeting_max_chars' },
  'hours-notify': { maxlength: 'email_max_chars' },
  'my-email': { maxlength: 'email_max_chars' },
  'agent-email': { maxlength: 'email_max_chars' },
  'contact-name': { maxlength: 'display_name_max_chars' },
  'contact-email': { maxlength: 'email_max_chars' },
};

let current = {};
const known = (n) => Number.isInteger(n);

/** The server's `limits` (GET me), or {} before it answered. */
export function limits() {
  return current;
}

// The hints that say a limit in words (data-limit names it).
const HINTS = {
  password_min_chars: (n) => `At least ${n} characters.`,
};

/** Keeps `raw` (an agent/me answer's `limits`) and puts it on the page's inputs and hints. */
export function setLimits(raw) {
  current = parseLimits(raw);
  applyLimits(current, FIELDS);
  for (const hint of document.querySelectorAll('[data-limit]')) {
    const n = current[hint.dataset.limit];
    hint.textContent = known(n) ? HINTS[hint.dataset.limit](n) : '';
    hint.hidden = !known(n);
  }
}

// What an agent may send as files (upload.js): GET me's `attachments` when the server
// gives it; else widget-config's sizes and types, with the switch taken as on (there
// `enabled` is off when only the shoppers' uploads are), and the server's refusal shown.
let files = parseAttachmentLimits(null);
let readConfig = null;

/** {enabled, maxBytes, allowedTypes} for the reply box's files. */
export function attachmentLimits() {
  return files;
}

/** Keeps GET me's `attachments` (undefined: read widget-config's once). Resolves when known. */
export async function setAttachmentLimits(fromMe) {
  if (fromMe && typeof fromMe === 'object') {
    files = parseAttachmentLimits(fromMe);
    return files;
  }
  readConfig ??= widgetConfig().then((config) => {
    const raw = config?.attachments;
    return raw && typeof raw === 'object' ? { ...parseAttachmentLimits(raw), enabled: true } : parseAttachmentLimits(null);
  }, () => {
    readConfig = null; // try again with the next GET me
    return files;
  });
  files = await readConfig;
  return files;
}

/**
 * What is wrong with a new password (`what`: how the form names it), or null when nothing the browser can tell.
 * `rules`: the limits to check against (before sign-in there is no GET me to give them).
 */
export function passwordProblem(password, what = 'The password', rules = current) {
  const { password_min_chars: min, password_max_bytes: maxBytes } = rules;
  if (known(min) && [...password].length < min) return `${what} needs at least ${min} characters.`;
  if (known(maxBytes) && byteCount(password) > maxBytes) {
    return `${what} is too long: at most ${maxBytes} bytes (a letter with an accent or an emoji counts as several).`;
  }
  return null;
}

/** What is wrong with a new username, or null. */
export function usernameProblem(username) {
  const { username_min_chars: min, username_max_chars: max } = current;
  const fits = /^[a-z0-9][a-z0-9._-]*$/.test(username) && !(known(min) && username.length < min) && !(known(max) && username.length > max);
  if (fits) return null;
  const length = known(min) && known(max) ? `${min}–${max} characters: ` : '';
  return `Usernames are ${length}lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit.`;
}

/** What is wrong with an agent's capacity (max. chats at once), or null. */
export function capacityProblem(chats) {
  const { max_active_chats_min: min, max_active_chats_max: max } = current;
  if (Number.isInteger(chats) && !(known(min) && chats < min) && !(known(max) && chats > max)) return null;
  if (known(min) && known(max)) return `Max. chats is a whole number from ${min} to ${max}.`;
  if (known(min)) return `Max. chats is a whole number, at least ${min}.`;
  if (known(max)) return `Max. chats is a whole number, at most ${max}.`;
  return 'Max. chats is a whole number.';
}
