// The agent console (/agent/): the sign-in screen (with "Forgot your
// password?", and the pane where a link from an e-mail sets one), the top bar's buttons
// (presence, sound, Contacts, "My e-mail" behind the agent's name, password,
// sign out), and one ConsoleSession (session.js) for as long as an agent
// stays signed in; the Contacts page (contacts.js) at #contacts; for admins,
// the Settings area (settings.js) at #settings; search results (searchview.js)
// at #search?q=…, from the top bar's box (searchbar.js) on every page; at
// #reports, Reports for admins (reportsview.js) and every other agent's own
// numbers (mynumbers.js). The address says which of the views shows (routes.js).

import { ApiError, agentApi } from '../js/api.js';
import { $, icon } from '../js/dom.js';
import { AlertsOffer, alertsDone, setAlerts } from './alerts.js';
import { clearAuth, loadAuth, saveAuth, showLogin, wireLogin } from './auth.js';
import { CannedStore } from './canned.js';
import { renderPresence, renderSoundButton, setMain, showConsole, toast } from './chrome.js';
import { ContactEditor } from './contactedit.js';
import { ContactsView } from './contacts.js';
import { wireForgot } from './forgot.js';
import { consoleIcon } from './icons.js';
import { LabelStore } from './labels.js';
import { setAttachmentLimits, setLimits } from './limits.js';
import { askLogout } from './logout.js';
import { wireMyEmail } from './myemail.js';
import { wirePassword } from './password.js';
import { MyNumbers } from './mynumbers.js';
import { takeLinkToken, wirePasswordLink } from './passwordlink.js';
import { reportsApi } from './reportsapi.js';
import { ReportsView } from './reportsview.js';
import { searchHash, viewOf } from './routes.js';
import { SearchBar } from './searchbar.js';
import { SearchView } from './searchview.js';
import { ConsoleSession } from './session.js';
import { SettingsView } from './settings.js';
import { soundEnabled } from './sound.js';

// First of all, a link's token leaves the address bar (a link to choose a password: passwordlink.js).
const linkToken = takeLinkToken();

let auth = null;
let session = null; // the signed-in console (see start())

// One client for what lives outside a session (Settings, the password dialog):
// it always carries the current token, and a 401 signs out like any other.
const api = agentApi(() => auth?.token || '', () => signedOut());
const me = () => auth?.agent || null;
// The canned replies: read once per sign-in, shared by the composer's "/" list and Settings.
const canned = new CannedStore(api);
// The team's labels: read once per sign-in, shared by the lists, the chat header, search and Settings.
const labels = new LabelStore(api);

// --- static chrome ---------------------------------------------------------------

$('logout').append(icon('logout'));
$('conv-back').append(icon('back'));
$('open-settings').prepend(icon('gear', { size: 16 }));
$('open-contacts').prepend(icon('person', { size: 16 }));
$('open-replies').prepend(icon('chat', { size: 16 }));
$('open-reports').prepend(consoleIcon('chart', { size: 16 }));
$('change-password').append(icon('key'));

// The bell: alerts on or off (the browser asks about desktop notifications on this click).
renderSoundButton();
const offer = new AlertsOffer({ toast, onChange: renderSoundButton });
$('sound').addEventListener('click', async () => {
  offer.answer(); // chosen here: no need to offer them any more
  const result = await setAlerts(!soundEnabled());
  renderSoundButton();
  toast(alertsDone(result));
});

// --- sign in / out --------------------------------------------------------------------

/** Signed in: by the sign-in form, or with a password chosen through a link. */
function signIn(signedIn) {
  auth = signedIn;
  start();
}
wireLogin(signIn);
const forgot = wireForgot();
const openLink = wirePasswordLink({ onSignedIn: signIn, forgot, toast });

/** The sign-in form; what it offers (a forgotten password, the demo note) is read again each time. */
function toLogin(message) {
  showLogin(message);
  forgot.load();
}

/** A link to choose a password (already out of the address bar): this tab is for it now. */
function followLink(token) {
  if (auth) forgetSignIn();
  forgot.load();
  openLink(token);
}

// Signing out with open chats asks whether to return them to the queue (the default).
$('logout').addEventListener('click', async () => {
  const current = session;
  const open = current ? current.inbox.mine().length : 0;
  let body;
  if (open > 0) {
    const choice = await askLogout(open);
    if (choice === 'cancel' || session !== current) return;
    body = { return_chats: choice === 'return' };
  }
  const api = current?.api;
  stop();
  try {
    await api?.logout(body);
  } catch {
    // the token is dropped either way
  }
  clearAuth();
  auth = null;
  toLogin();
});

/** The token stopped working (a 401, or this agent's sessions were revoked): back to sign-in at once. */
function signedOut() {
  if (!session) return;
  forgetSignIn();
  toLogin('You have been signed out.');
}

/** Nothing of this sign-in stays in the tab (the server's session is left as it is). */
function forgetSignIn() {
  stop();
  settings.forget();
  clearAuth();
  auth = null;
}

function start() {
  stop();
  const agent = auth.agent;
  showConsole(agent);
  renderPresence(agent.presence);
  session = new ConsoleSession({
    api: agentApi(() => auth.token, signedOut),
    me: agent,
    contactEditor,
    canned,
    labels,
    onMe: keepMe,
    onAgent: (changed) => settings.agentChanged(changed),
    onExpired: signedOut,
  });
  session.start();
  offer.arm(session.listeners.signal);
  route();
}

/**
 * The server's fresh view of the signed-in agent: kept for this tab and shown in the top bar.
 * GET me also carries the console's `limits` (other answers do not): kept beside the agent.
 */
function keepMe(answer) {
  if (!auth) return;
  const { limits, ...fresh } = answer;
  if (limits) {
    auth.limits = limits;
    setLimits(limits);
  }
  // What the reply box's paperclip may send (GET me's, or widget-config's): the pane follows.
  setAttachmentLimits(answer.attachments).then(() => session?.pane.render());
  auth.agent = { ...auth.agent, ...fresh }; // GET me's own members (email_enabled) stay until the next GET me
  if (session) Object.assign(session.me, fresh);
  saveAuth(auth);
  showConsole(fresh);
  settings.agentChanged(fresh);
  route();
}

function stop() {
  settings.show(null);
  contacts.show(null);
  contacts.forget(); // read again on the next visit; nothing of one agent's searches is left for the next
  search.show(null);
  search.forget();
  reports.show(null);
  reports.forget();
  myNumbers.show(null);
  myNumbers.forget();
  searchBar.forget();
  canned.forget(); // the next sign-in reads its own
  labels.forget();
  if (!session) return;
  const s = session;
  session = null;
  s.stop();
}

// --- the views: chats, contacts, settings (admins) ---------------------------------------

/** A conversation chosen on another page (Contacts, search results): the chats show it. */
const openConversation = (id) => {
  location.hash = '#chats';
  session?.select(id);
};
const settings = new SettingsView({ api, me, toast, canned, labels });
const contactEditor = new ContactEditor({ api, toast });
const contacts = new ContactsView({
  api, me, toast, editor: contactEditor,
  onOpenConversation: openConversation,
  onErased: (contactId) => session?.contactErased(contactId),
});
// Search: the box in the top bar (every page) and the results' own view.
const search = new SearchView({ api, me, labels, live: (id) => session?.inbox.get(id) || null, onOpenConversation: openConversation });
const searchBar = new SearchBar({
  active: () => Boolean(session),
  onSearch: (where) => {
    const hash = searchHash(where);
    // On a phone the results take the screen: the box closes, the focus goes to them.
    const toResults = searchBar.isOpen;
    searchBar.close();
    if (location.hash === hash) search.again({ focus: toResults });
    else search.go(hash, { focus: toResults });
  },
});
// Reports (admins) and an agent's own numbers: the same token, a 401 signs out.
const reportsRoutes = reportsApi(() => auth?.token || '', () => signedOut());
const reports = new ReportsView({ api, reports: reportsRoutes, labels, toast });
const myNumbers = new MyNumbers({ reports: reportsRoutes });
wirePassword({ api, me, toast });
wireMyEmail({ api, me, onMe: keepMe, toast });

let view = 'chats';

function route() {
  if (!session) return;
  const where = viewOf(location.hash, { admin: me()?.role === 'admin' });
  settings.show(where.view === 'settings' ? where.section : null);
  contacts.show(where.view === 'contacts' ? where : null);
  search.show(where.view === 'search' ? where : null);
  reports.show(where.view === 'reports' ? where : null);
  myNumbers.show(where.view === 'mynumbers' ? where : null);
  searchBar.show(where.view === 'search' ? where.q : '');
  const chats = where.view === 'chats';
  $('pane').hidden = !chats;
  document.querySelector('.side').hidden = !chats;
  if (chats && view !== 'chats') setMain('pane');
  view = where.view;
  for (const [id, names] of [['open-contacts', ['contacts']], ['open-settings', ['settings']], ['open-reports', ['reports', 'mynumbers']]]) {
    if (names.includes(view)) $(id).setAttribute('aria-current', 'page');
    else $(id).removeAttribute('aria-current');
  }
}
addEventListener('hashchange', () => {
  const token = takeLinkToken(); // a link pasted into this tab
  if (token === null) route();
  else followLink(token);
});

// --- presence ----------------------------------------------------------------------------

$('presence').addEventListener('click', async () => {
  if (!session) return;
  const { api: sessionApi, me: agent } = session;
  const button = $('presence');
  const next = agent.presence === 'online' ? 'offline' : 'online';
  button.disabled = true;
  try {
    const fresh = await sessionApi.presence(next);
    agent.presence = fresh.presence;
    renderPresence(fresh.presence);
    session?.render(); // what an empty My chats says may depend on it
    toast(fresh.presence === 'online' ? 'You are online.' : 'You are offline. You keep your open chats.');
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) toast(err instanceof ApiError ? err.detail : 'Could not change your status.', 'error');
  } finally {
    button.disabled = false;
  }
});

// --- leaving the page -------------------------------------------------------------------
// A page kept in the back/forward cache would hold its event stream open, and the server
// would go on counting the agent as present: end the session's stream when the page is
// hidden for good, and start afresh if the browser brings the page back.

addEventListener('pagehide', (event) => {
  if (event.persisted) stop();
});
addEventListener('pageshow', (event) => {
  if (event.persisted && auth) start();
});

// --- go --------------------------------------------------------------------------------

auth = loadAuth();
setLimits(auth?.limits); // this tab's last GET me, until the next one answers
if (linkToken !== null) followLink(linkToken);
else if (auth) start();
else toLogin();
