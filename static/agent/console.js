// The agent console (/agent/): sign-in, then the lists and a conversation,
// kept live by the agent event stream (with REST polling while it is down).

import { ApiError, agentApi } from '../js/api.js';
import { h, hueFor, icon, initials } from '../js/dom.js';
import { FallbackPoller } from '../js/poll.js';
import { EventStream, State } from '../js/sse.js';
import { TypingWatch } from '../js/typing.js';
import { wireAddAgent } from './admin.js';
import { clearAuth, loadAuth, saveAuth, showLogin, wireLogin } from './auth.js';
import { ConversationPane } from './conversation.js';
import { Inbox } from './inbox.js';
import { Sidebar } from './sidebar.js';
import { chime, setSound, soundEnabled } from './sound.js';

const $ = (id) => document.getElementById(id);
const BASE_TITLE = 'Switchboard Console';

let auth = null;
let app = null; // the signed-in session (see start())

// --- static chrome ---------------------------------------------------------------

$('logout').append(icon('logout'));
$('conv-back').append(icon('back'));
$('add-agent').prepend(icon('plus', { size: 16 }));

function renderSoundButton() {
  const on = soundEnabled();
  const button = $('sound');
  button.replaceChildren(icon(on ? 'bell' : 'bellOff'));
  button.setAttribute('aria-pressed', String(on));
  button.title = on ? 'Sound alerts: on' : 'Sound alerts: off';
}
renderSoundButton();
$('sound').addEventListener('click', () => {
  setSound(!soundEnabled());
  renderSoundButton();
});

function toast(text, kind = 'info') {
  const node = h('div', { class: `toast ${kind}` }, kind === 'error' ? icon('alert', { size: 18 }) : icon('check', { size: 18 }), h('span', {}, text));
  $('toasts').append(node);
  setTimeout(() => node.classList.add('leaving'), kind === 'error' ? 5000 : 3200);
  setTimeout(() => node.remove(), kind === 'error' ? 5400 : 3600);
}

// --- sign in / out --------------------------------------------------------------------

wireLogin((signedIn) => {
  auth = signedIn;
  start();
});

$('logout').addEventListener('click', async () => {
  const api = app?.api;
  stop();
  try {
    await api?.logout();
  } catch {
    // the token is dropped either way
  }
  clearAuth();
  auth = null;
  showLogin();
});

function expired() {
  if (!app) return;
  stop();
  clearAuth();
  auth = null;
  showLogin('Your session has expired. Sign in again.');
}

// --- the signed-in console ------------------------------------------------------------------

function start() {
  stop();
  const me = auth.agent;
  const api = agentApi(() => auth.token, expired);
  const inbox = new Inbox(me);
  const session = { api, inbox, me, stream: null, poller: null, timers: [], closedLoaded: false, listeners: [] };
  app = session;

  $('login-view').hidden = true;
  $('app-view').hidden = false;
  $('me-name').textContent = me.display_name;
  $('me-avatar').textContent = initials(me.display_name);
  $('me-avatar').style.setProperty('--hue', String(hueFor(me.display_name)));
  $('add-agent').hidden = me.role !== 'admin';
  renderPresence(me.presence);

  const typing = new TypingWatch(() => render());
  session.typing = typing;

  const pane = new ConversationPane({
    api, inbox, me, toast, isAdmin: me.role === 'admin',
    onChange: () => render(),
    onBack: () => select(null),
    onClaimed: () => sidebar.setTab('mine'),
  });
  session.pane = pane;

  const sidebar = new Sidebar({
    inbox,
    onSelect: (id) => select(id),
    onTab: (tab) => {
      if (tab === 'closed' && !session.closedLoaded) loadClosed();
      render();
    },
  });
  session.sidebar = sidebar;

  function select(id) {
    $('app-view').dataset.pane = id ? 'conversation' : 'list';
    if (!id) {
      pane.closePane();
      return;
    }
    inbox.markRead(id);
    pane.open(id);
    render();
  }
  session.select = select;

  // Something changed: lists, counts, title.
  function render() {
    if (app !== session) return;
    if (pane.id && viewing()) inbox.markRead(pane.id);
    const typingIds = new Set([...typing.entries.keys()]);
    sidebar.render({ selectedId: pane.id, typing: typingIds });
    pane.render();
    const total = inbox.totalUnread();
    document.title = total > 0 ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
  }
  session.render = render;

  // Is the agent looking at the open conversation right now?
  const viewing = () => document.visibilityState === 'visible';

  function attention(conversationId, message) {
    if (pane.id === conversationId && viewing()) return;
    const conv = inbox.get(conversationId);
    if (!conv) return;
    const list = inbox.listOf(conv);
    if (list !== 'queue' && list !== 'mine') return;
    if (inbox.bump(conversationId, message.id)) chime();
  }

  // --- bootstrap ---

  async function loadLists() {
    const [queue, mine] = await Promise.all([api.queue(), api.conversations({ status: 'agent', assigned: 'me', limit: 200 })]);
    const newInQueue = inbox.replace('queue', queue.items, pane.id);
    inbox.replace('mine', mine.items, pane.id);
    return { cursor: Math.min(queue.last_event_id, mine.last_event_id), newInQueue };
  }

  async function loadClosed() {
    try {
      const closed = await api.conversations({ status: 'closed', limit: 50 });
      inbox.replace('closed', closed.items, pane.id);
      session.closedLoaded = true;
      render();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast("Couldn't load closed conversations.", 'error');
    }
  }

  async function boot() {
    try {
      const me2 = await api.me();
      Object.assign(me, me2);
      auth.agent = me2;
      saveAuth(auth);
      renderPresence(me2.presence);
      const { cursor } = await loadLists();
      if (app !== session) return;
      render();
      openStream(cursor);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      toast(err instanceof ApiError ? err.detail : "Can't reach the server. Retrying…", 'error');
      session.timers.push(setTimeout(() => { if (app === session) boot(); }, 4000));
    }
  }

  // --- live updates ---

  function openStream(cursor) {
    const stream = new EventStream({
      url: api.streamUrl(),
      headers: () => api.streamHeaders(),
      lastEventId: cursor,
      onEvent: (name, data) => onEvent(name, data),
      onReset: () => refetchAll(),
      onState: (state) => {
        document.documentElement.dataset.stream = state; // for tests and debugging
        $('conn').hidden = state !== State.RECONNECTING;
        session.poller.setActive(state !== State.OPEN && state !== State.CLOSED);
      },
      onDenied: (status) => {
        if (status === 401) expired();
        else session.poller.setActive(true);
      },
    });
    session.stream = stream;
    stream.start();
  }

  async function refetchAll() {
    try {
      const { cursor } = await loadLists();
      if (session.closedLoaded) await loadClosed();
      if (pane.id) await pane.open(pane.id);
      render();
      session.stream?.restartFrom(cursor);
    } catch {
      session.poller.setActive(true);
    }
  }

  // Polling while the stream is down: the lists and the open conversation.
  let round = 0;
  session.poller = new FallbackPoller(async () => {
    round++;
    const before = new Map([...inbox.convs].map(([id, c]) => [id, c.last_message?.id]));
    const { newInQueue } = await loadLists();
    for (const id of newInQueue) {
      inbox.flag(id);
      chime();
    }
    for (const [id, conv] of inbox.convs) {
      const last = conv.last_message;
      if (last && before.has(id) && before.get(id) !== last.id && last.sender_type === 'customer') attention(id, last);
    }
    if (session.closedLoaded && round % 3 === 0) await loadClosed();
    if (pane.id) await pane.poll();
    render();
  }, { interval: 3000 });

  function onEvent(name, data) {
    switch (name) {
      case 'queue.chat_created': {
        const known = inbox.get(data.conversation.id);
        const wasQueued = known && inbox.listOf(known) === 'queue';
        inbox.upsert(data.conversation);
        if (!wasQueued && pane.id !== data.conversation.id) {
          inbox.flag(data.conversation.id);
          chime();
        }
        break;
      }
      case 'queue.chat_claimed':
        inbox.patch(data.conversation_id, { status: 'agent', assigned_agent_id: data.agent_id, assigned_agent_name: inbox.agentNames.get(data.agent_id) || null });
        if (data.agent_id !== me.id) inbox.unread.delete(data.conversation_id);
        break;
      case 'conversation.updated': {
        const c = data.conversation;
        const known = inbox.get(c.id);
        if (known) inbox.upsert(c);
        else if (c.status === 'agent' && (!c.assigned_agent_id || c.assigned_agent_id === me.id)) hydrate(c.id);
        break;
      }
      case 'agent.assigned':
        inbox.agentNames.set(data.agent.id, data.agent.display_name);
        if (inbox.get(data.conversation_id)) {
          inbox.patch(data.conversation_id, { status: 'agent', assigned_agent_id: data.agent.id, assigned_agent_name: data.agent.display_name });
        } else if (data.agent.id === me.id) {
          hydrate(data.conversation_id);
        }
        break;
      case 'chat.closed':
        inbox.patch(data.conversation_id, { status: 'closed', closed_at: data.closed_at });
        typing.set(data.conversation_id, false);
        break;
      case 'message.created': {
        const m = data.message;
        inbox.noteMessage(data.conversation_id, m);
        pane.ingest(m);
        if (m.sender_type === 'customer') {
          typing.set(data.conversation_id, false);
          attention(data.conversation_id, m);
        }
        break;
      }
      case 'customer.typing':
        typing.set(data.conversation_id, Boolean(data.typing));
        pane.setCustomerTyping(data.conversation_id, Boolean(data.typing));
        return;
      case 'agent.typing':
        if (data.agent_id && data.agent_id !== me.id) pane.setAgentTyping(data.conversation_id, Boolean(data.typing), data.agent_name);
        return;
      case 'agent.presence.changed':
        if (data.agent) {
          inbox.agentNames.set(data.agent.id, data.agent.display_name);
          if (data.agent.id === me.id) {
            me.presence = data.agent.presence;
            renderPresence(me.presence);
          }
        }
        return;
      default:
        return;
    }
    render();
  }

  // A conversation we learn about from a summary event: fetch its full view.
  const hydrating = new Set();
  async function hydrate(id) {
    if (hydrating.has(id)) return;
    hydrating.add(id);
    try {
      const page = await api.messages(id, undefined);
      const isNew = !inbox.get(id);
      inbox.upsert(page.conversation);
      if (isNew && inbox.listOf(page.conversation) === 'queue') {
        inbox.flag(id);
        chime();
      }
      render();
    } catch {
      // the next poll or event will bring it
    } finally {
      hydrating.delete(id);
    }
  }

  // Keep "waiting 4 min" honest, and catch up when the tab comes back.
  session.timers.push(setInterval(render, 30000));
  const onVisible = () => {
    if (document.visibilityState === 'visible') {
      render();
      session.poller.kick();
    }
  };
  document.addEventListener('visibilitychange', onVisible);
  session.listeners.push(['visibilitychange', onVisible, document]);

  render();
  boot();
}

function stop() {
  if (!app) return;
  const s = app;
  app = null;
  s.stream?.stop();
  s.poller?.stop();
  for (const t of s.timers) {
    clearTimeout(t);
    clearInterval(t);
  }
  for (const [type, fn, target] of s.listeners) target.removeEventListener(type, fn);
  s.pane?.closePane();
  document.title = BASE_TITLE;
}

// --- presence ----------------------------------------------------------------------------

function renderPresence(presence) {
  const online = presence === 'online';
  const button = $('presence');
  button.setAttribute('aria-checked', String(online));
  button.dataset.presence = presence;
  $('presence-label').textContent = online ? 'Online' : 'Offline';
  button.title = online ? 'You are online: click to stop taking new chats' : 'You are offline: click to go online';
}

$('presence').addEventListener('click', async () => {
  if (!app) return;
  const button = $('presence');
  const next = app.me.presence === 'online' ? 'offline' : 'online';
  button.disabled = true;
  try {
    const agent = await app.api.presence(next);
    app.me.presence = agent.presence;
    renderPresence(agent.presence);
    toast(agent.presence === 'online' ? 'You are online.' : 'You are offline. You keep your open chats.');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(err instanceof ApiError ? err.detail : 'Could not change your status.', 'error');
  } finally {
    button.disabled = false;
  }
});

// --- go --------------------------------------------------------------------------------

wireAddAgent({ api: agentApi(() => auth?.token || '', expired), toast });

auth = loadAuth();
if (auth) start();
else showLogin();
