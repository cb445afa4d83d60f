// The agent console (/agent/): the sign-in screen, the top bar's buttons, and
// one ConsoleSession (session.js) for as long as an agent stays signed in.

import { ApiError, agentApi } from '../js/api.js';
import { icon } from '../js/dom.js';
import { wireAddAgent } from './admin.js';
import { clearAuth, loadAuth, saveAuth, showLogin, wireLogin } from './auth.js';
import { renderPresence, renderSoundButton, showConsole, toast } from './chrome.js';
import { ConsoleSession } from './session.js';
import { setSound, soundEnabled } from './sound.js';

const $ = (id) => document.getElementById(id);

let auth = null;
let session = null; // the signed-in console (see start())

// --- static chrome ---------------------------------------------------------------

$('logout').append(icon('logout'));
$('conv-back').append(icon('back'));
$('add-agent').prepend(icon('plus', { size: 16 }));

renderSoundButton();
$('sound').addEventListener('click', () => {
  setSound(!soundEnabled());
  renderSoundButton();
});

// --- sign in / out --------------------------------------------------------------------

wireLogin((signedIn) => {
  auth = signedIn;
  start();
});

$('logout').addEventListener('click', async () => {
  const api = session?.api;
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
  if (!session) return;
  stop();
  clearAuth();
  auth = null;
  showLogin('Your session has expired. Sign in again.');
}

function start() {
  stop();
  const me = auth.agent;
  showConsole(me);
  renderPresence(me.presence);
  session = new ConsoleSession({
    api: agentApi(() => auth.token, expired),
    me,
    onMe: (agent) => {
      auth.agent = agent;
      saveAuth(auth);
    },
    onExpired: expired,
  });
  session.start();
}

function stop() {
  if (!session) return;
  const s = session;
  session = null;
  s.stop();
}

// --- presence ----------------------------------------------------------------------------

$('presence').addEventListener('click', async () => {
  if (!session) return;
  const { api, me } = session;
  const button = $('presence');
  const next = me.presence === 'online' ? 'offline' : 'online';
  button.disabled = true;
  try {
    const agent = await api.presence(next);
    me.presence = agent.presence;
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
