// The chat inside the iframe (or opened directly at /widget/). Wires the
// conversation (chat.js), its view (view.js), the shop's settings
// (config.js) and the host page (bridge.js).

import { createBridge } from './bridge.js';
import { Chat } from './chat.js';
import { applyTheme, initialConfig, loadConfig } from './config.js';
import { onSessionChange } from './session.js';
import { ChatView } from './view.js';

const bridge = createBridge();
document.documentElement.classList.toggle('embedded', bridge.embedded);

let panelOpen = !bridge.embedded; // opened directly: always "open"
let unread = 0;

function setUnread(count) {
  if (count === unread) return;
  unread = count;
  bridge.post('unread', { count });
}

let renderQueued = false;
const chat = new Chat({
  onChange: () => {
    if (renderQueued) return;
    renderQueued = true;
    queueMicrotask(() => {
      renderQueued = false;
      view.render();
    });
  },
  onIncoming: (message) => {
    if (!panelOpen && (message.sender_type === 'agent' || message.sender_type === 'system')) setUnread(unread + 1);
  },
});

const view = new ChatView(chat, {
  embedded: bridge.embedded,
  config: initialConfig(bridge.options),
  onMinimize: () => bridge.post('close'),
});
applyTheme(initialConfig(bridge.options));

// The shop's settings: theme this page, and tell the host page (launcher
// colour and corner, the greeting bubble). Conversations start after this, so
// the first message already carries the bot's name.
const configured = loadConfig(bridge.options).then((config) => {
  applyTheme(config);
  view.configure(config);
  bridge.post('config', {
    title: config.title, brand_name: config.brandName, greeting: config.greeting,
    color: config.color, position: config.position,
  });
});

bridge.on('state', async (msg) => {
  panelOpen = Boolean(msg.open);
  document.documentElement.classList.toggle('panel-open', panelOpen);
  if (!panelOpen) return;
  setUnread(0);
  await configured;
  await chat.ensureStarted();
  view.scrollToBottom();
});
bridge.on('focus', () => view.focusComposer());
bridge.on('identify', (msg) => chat.identify({ name: msg.name, email: msg.email }));

onSessionChange((saved) => chat.adopt(saved));

// Phones opening /widget/ directly: keep the app inside the visual viewport,
// above the on-screen keyboard (the loader does the same for the iframe).
const vv = window.visualViewport;
if (vv && !bridge.embedded) {
  const fit = () => document.documentElement.style.setProperty('--vvh', `${vv.height}px`);
  vv.addEventListener('resize', fit);
  fit();
}

view.render();
if (bridge.embedded) {
  // Show a conversation this browser already has (for the unread badge);
  // a new one is only started when the shopper opens the chat.
  chat.resume();
  bridge.post('ready');
} else {
  configured.then(() => chat.ensureStarted()).then(() => view.focusComposer());
}
