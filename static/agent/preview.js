// Static sketches of the shopper's chat for the Settings pages, drawn from the
// form values as the admin types (nothing here talks to the server): the
// quick replies under the bot's welcome (FAQ editor), and the launcher,
// greeting bubble and chat header on a page (Appearance). Styles: preview.css.

import { accentVars } from '../js/color.js';
import { clear, h, icon } from '../js/dom.js';

/** Themes a sketch's root with the accent `color` ("#rrggbb"; ignored when invalid). */
function theme(root, color) {
  const vars = accentVars(color);
  if (!vars) return;
  for (const [name, value] of Object.entries(vars)) root.style.setProperty(name, value);
}

function botMessage(botName, text) {
  return h('div', { class: 'mock-msg' },
    h('span', { class: 'mock-bot-avatar', 'aria-hidden': 'true' }, icon('spark', { size: 14 })),
    h('div', { class: 'mock-body' },
      h('p', { class: 'mock-who' }, botName || 'Assistant'),
      h('p', { class: 'mock-bubble' }, text || '')));
}

/**
 * The chat as a new conversation shows it: the welcome, then one button per
 * question (in order) and "Talk to a person". `current` marks the question
 * being edited.
 * @param {{settings: object|null, questions: {text: string, current?: boolean}[]}} data
 */
export function drawQuickReplies(root, { settings, questions }) {
  theme(root, settings?.widget?.color);
  const chips = questions.map((q) => h('li', { class: `mock-chip${q.current ? ' current' : ''}` },
    q.text || 'Your question',
    q.current ? h('span', { class: 'sr-only' }, ' (editing)') : null));
  clear(root).append(
    botMessage(settings?.bot_name, settings?.welcome_message || 'Hi! How can we help?'),
    chips.length ? h('ul', { class: 'mock-chips', 'aria-label': 'Quick replies' }, chips)
      : h('p', { class: 'mock-none' }, 'No quick replies: every FAQ is disabled.'),
    h('p', { class: 'mock-talk' }, icon('person', { size: 15 }), 'Talk to a person'),
  );
}

/**
 * A page of the shop with the chat open beside its launcher, in the chosen
 * colour and corner, with the greeting bubble drawn above a second, closed
 * launcher state (the greeting only shows while the chat is closed).
 * @param {{title, subtitle, greeting, color, position, botName, welcome, brand}} look
 */
export function drawWidget(root, look) {
  theme(root, look.color);
  root.dataset.position = look.position === 'left' ? 'left' : 'right';
  const panel = h('div', { class: 'mock-panel' },
    h('div', { class: 'mock-head' },
      h('span', { class: 'mock-head-avatar', 'aria-hidden': 'true' }, icon('chat', { size: 16 })),
      h('div', { class: 'mock-head-text' },
        h('p', { class: 'mock-title' }, look.title || 'Chat with us'),
        look.subtitle ? h('p', { class: 'mock-subtitle' }, look.subtitle) : null)),
    h('div', { class: 'mock-thread' },
      botMessage(look.botName, look.welcome),
      h('ul', { class: 'mock-chips' }, h('li', { class: 'mock-chip' }, 'Where is my order?'))),
    h('div', { class: 'mock-compose' }, h('span', {}, 'Write a message…'), h('span', { class: 'mock-send' })));
  const closed = h('div', { class: 'mock-closed' },
    look.greeting ? h('p', { class: 'mock-greeting' }, look.greeting) : null,
    h('span', { class: 'mock-launcher' }, icon('chat', { size: 20 })));
  const open = h('div', { class: 'mock-open' }, panel, h('span', { class: 'mock-launcher' }, icon('down', { size: 20 })));
  clear(root).append(
    h('div', { class: 'mock-site' }, h('span', { class: 'mock-site-brand' }, look.brand || 'Your shop'), h('span', { class: 'mock-line' }), h('span', { class: 'mock-line short' })),
    h('div', { class: 'mock-states' }, closed, open),
  );
}
