// The chat inside the iframe (or opened directly at /widget/). Wires the
// conversation (chat.js), who is there and how to reach the shopper
// (contact.js), the question after a chat (rating.js), the view (view.js),
// the shop's settings (config.js) and the host page (bridge.js).

import { createBridge } from './bridge.js';
import { Chat } from './chat.js';
import { applyTheme, initialConfig, loadAvailability, loadConfig, parseAvailability } from './config.js';
import { Contact } from './contact.js';
import { Rating } from './rating.js';
import { onSessionChange } from './session.js';
import { ChatView } from './view.js';

const bridge = createBridge();
document.documentElement.classList.toggle('embedded', bridge.embedded);
// First thing, before any request: tell the host page this frame is alive. The loader draws
// no launcher without it (a site the chat is not allowed on gets a frame the browser refuses
// to show, which never says this). The handlers below are all in place before the loader's
// first message can arrive (a later task).
if (bridge.embedded) bridge.post('ready');

let panelOpen = !bridge.embedded; // opened directly: always "open"
let unread = 0;

function setUnread(count) {
  if (count === unread) return;
  unread = count;
  bridge.post('unread', { count });
  updateLauncher();
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    view.render();
    updateLauncher();
  });
}

const chat = new Chat({
  onChange: scheduleRender,
  onIncoming: (message) => {
    if (!panelOpen && (message.sender_type === 'agent' || message.sender_type === 'system')) setUnread(unread + 1);
  },
  onStarted: (conversation, identity) => contact.started(conversation, identity),
  onKnown: (conversation, who) => contact.known(conversation, who),
  onSignedOut: () => {
    contact.forget();
    setUnread(0); // replies the signed-out customer had not read are not the next shopper's
  },
  onFresh: () => { if (panelOpen) chat.ensureStarted(); },
  onLeaveMessage: () => contact.offerLeave(),
  onAvailability: (data) => contact.setAvailability(parseAvailability(data)),
});
const contact = new Contact(chat, { onChange: scheduleRender, refresh: loadAvailability });
const rating = new Rating(chat, { onChange: scheduleRender });

// hide_when_closed: the host page draws no launcher while the shop is closed,
// unless this shopper has a chat going with the team (or unread replies).
let launcherHidden = null;
function hideLauncher() {
  const av = contact.availability;
  const ongoing = chat.conversation?.status === 'agent' || unread > 0;
  return av.hideWhenClosed && av.status === 'closed' && !ongoing;
}
function updateLauncher() {
  if (launcherHidden === null) return; // the first answer goes with the settings
  const hidden = hideLauncher();
  if (hidden === launcherHidden) return;
  launcherHidden = hidden;
  bridge.post('launcher', { hidden });
}

const view = new ChatView(chat, contact, {
  embedded: bridge.embedded,
  config: initialConfig(bridge.options),
  onMinimize: () => bridge.post('close'),
  rating,
  canFocus: () => panelOpen,
});
applyTheme(initialConfig(bridge.options));

// Show a conversation this browser already has (for the unread badge, and so
// that a chat going on keeps the launcher); a new one is only started when
// the shopper opens the chat.
const resumed = bridge.embedded ? chat.resume() : Promise.resolve();

// The shop's settings: theme this page, and tell the host page (launcher
// colour and corner, the greeting bubble, whether to draw the launcher at
// all). Conversations start after this, so the first message already carries
// the bot's name.
const configured = loadConfig(bridge.options).then(async (config) => {
  applyTheme(config);
  chat.limits = config.limits;
  chat.attachmentLimits = config.attachments;
  view.configure(config);
  rating.configure(config.csat);
  contact.setAvailability(config.availability);
  await resumed.catch(() => {});
  launcherHidden = hideLauncher();
  bridge.post('config', {
    title: config.title, brand_name: config.brandName, greeting: config.greeting,
    color: config.color, position: config.position, hidden: launcherHidden,
  });
});

// Who is there changes: read it again when the chat opens, and every minute
// while it is open (or while the launcher follows the opening hours).
const AVAILABILITY_EVERY_MS = 60_000;
setInterval(() => {
  if (!document.hidden && (panelOpen || contact.availability.hideWhenClosed)) contact.update();
}, AVAILABILITY_EVERY_MS);

bridge.on('state', async (msg) => {
  panelOpen = Boolean(msg.open);
  document.documentElement.classList.toggle('panel-open', panelOpen);
  if (!panelOpen) return;
  setUnread(0);
  await configured;
  contact.update();
  await chat.ensureStarted();
  view.scrollToBottom();
});
bridge.on('focus', () => view.focusComposer());
// Switchboard.identify(): a token signs a known customer in (identity.js); without one, a
// name and an e-mail are hints for a guest's chat. The host page hears how it went.
bridge.on('identify', async (msg) => {
  if (typeof msg.token !== 'string' || !msg.token) {
    // Used when a conversation starts; one that is on already gets them now.
    const hints = await chat.identify({ name: msg.name, email: msg.email });
    await contact.identified(hints);
    return;
  }
  const problem = await chat.signIn(msg.token);
  bridge.post('identity', { signed_in: chat.signedIn, ...(problem ? { error: problem } : {}) });
  if (panelOpen) chat.ensureStarted(); // a refused token: the guest's chat, on screen
});
// Switchboard.logout(): the customer signed out of the shop.
bridge.on('logout', async () => {
  const was = await chat.signOut();
  bridge.post('identity', { signed_in: chat.signedIn });
  if (was && panelOpen) chat.ensureStarted();
});

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
if (!bridge.embedded) {
  configured.then(() => chat.ensureStarted()).then(() => view.focusComposer());
}
