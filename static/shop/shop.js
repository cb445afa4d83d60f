// Northwind Outfitters is a stand-in for a customer's website. It embeds the
// chat exactly as a real shop would, with one script tag:
//
//   <script src="https://CHAT_HOST/widget.js" async></script>
//
// The colour, title, greeting and corner are the shop's settings, made in the
// agent console (Settings → Appearance); data-color, data-title,
// data-greeting and data-position on the tag would override them.
//
// This page is served from a different origin than the chat (by default
// http://HOST:8081 while the chat is on http://HOST:8080), which proves the
// embed works cross-origin. Where the chat is (its port is configurable and
// nothing rewrites this file) is worked out by chat-url.js: ?chat=<origin>,
// else demo-shop.json beside this page (scripts/run.sh writes the chat's URL
// there at every start), else port 8080 of this host.
//
// A real shop also tells the chat who its signed-in customer is: its server
// signs an identity token (a JWT, docs/API.md "Known customers") and every
// page calls Switchboard.identify({token}) while the customer is signed in,
// and Switchboard.logout() when they sign out. This demo has no accounts: the
// "Demo sign-in" strip stands in for them, with tokens the run script signed
// for two made-up customers (demo-identities.json beside this page; without
// that file the strip stays hidden).

import { chatBaseFromFile, chatBaseFromPage, defaultChatBase, widgetScriptUrl } from './chat-url.js';

const SETTINGS_WAIT_MS = 3000; // demo-shop.json comes from this page's own server: at once, or not at all

/** The chat's base URL: from this page's URL, else demo-shop.json, else the default. */
async function chatBase() {
  const fromPage = chatBaseFromPage(location);
  if (fromPage) return fromPage;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), SETTINGS_WAIT_MS);
  try {
    const res = await fetch(new URL('demo-shop.json', location.href), { cache: 'no-store', signal: ctrl.signal });
    if (res.ok) {
      const base = chatBaseFromFile(await res.json());
      if (base) return base;
    }
  } catch {
    // no file (a stack that wrote none), or not JSON: the default
  } finally {
    clearTimeout(timer);
  }
  return defaultChatBase(location);
}

// Resolves once window.Switchboard exists (the loader defines it as it runs).
async function embedChat() {
  const script = document.createElement('script');
  script.src = widgetScriptUrl(await chatBase());
  script.async = true;
  const loaded = new Promise((resolve) => {
    script.addEventListener('load', () => resolve(window.Switchboard || null), { once: true });
    script.addEventListener('error', () => resolve(null), { once: true });
  });
  document.head.append(script);
  return loaded;
}

// The host-page API: our own "Help" buttons open the chat, and the header
// shows when support has answered while the chat was closed.
function wireSupportLinks(chat) {
  for (const button of document.querySelectorAll('[data-open-chat]')) {
    button.addEventListener('click', async (event) => {
      event.preventDefault();
      (await chat)?.open(); // a click before the chat has loaded opens it once it has
    });
  }
  const badge = document.getElementById('help-unread');
  chat.then((sb) => sb?.onUnread((count) => {
    badge.textContent = String(count);
    badge.hidden = count === 0;
  }));
}

// --- demo sign-in -------------------------------------------------------------------

const SIGNED_IN_KEY = 'northwind.demo-signin.v1'; // the demo customer's `sub`, in this shop's storage

function remembered() {
  try {
    return localStorage.getItem(SIGNED_IN_KEY);
  } catch {
    return null; // storage blocked: nobody stays signed in across reloads
  }
}

function remember(sub) {
  try {
    if (sub) localStorage.setItem(SIGNED_IN_KEY, sub);
    else localStorage.removeItem(SIGNED_IN_KEY);
  } catch {
    // storage blocked
  }
}

/** The identities of demo-identities.json that have what a button needs; [] without the file. */
async function loadIdentities() {
  let data;
  try {
    const res = await fetch(new URL('demo-identities.json', location.href), { cache: 'no-store' });
    if (!res.ok) return [];
    data = await res.json();
  } catch {
    return [];
  }
  const list = Array.isArray(data?.identities) ? data.identities : [];
  const text = (v) => typeof v === 'string' && v.trim() !== '';
  return list.filter((i) => i && text(i.sub) && text(i.label) && text(i.token)).slice(0, 6);
}

async function wireDemoSignIn(chat) {
  const identities = await loadIdentities();
  if (identities.length === 0) return; // no demo tokens here: the strip stays hidden
  const box = document.getElementById('demo-signin');
  const status = document.getElementById('demo-status');
  const actions = document.getElementById('demo-actions');
  const signOut = document.getElementById('demo-signout');
  let current = identities.find((i) => i.sub === remembered()) || null;
  if (!current) remember(null);

  const show = () => {
    status.textContent = current ? `Signed in as ${current.label}` : 'Not signed in';
    signOut.disabled = !current;
  };

  for (const identity of identities) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'demo-button';
    button.textContent = `Sign in as ${identity.label} (${identity.sub})`;
    button.addEventListener('click', async () => {
      current = identity;
      remember(identity.sub);
      show();
      (await chat)?.identify({ token: identity.token });
    });
    actions.insertBefore(button, signOut);
  }
  signOut.addEventListener('click', async () => {
    current = null;
    remember(null);
    show();
    (await chat)?.logout();
  });
  show();
  box.hidden = false;
  // What a real shop's page does on every load while its customer is signed in.
  if (current) (await chat)?.identify({ token: current.token });
}

// A pretend cart, so the page behaves like a shop.
function wireCart() {
  const count = document.getElementById('cart-count');
  const status = document.getElementById('cart-status');
  let items = 0;
  for (const button of document.querySelectorAll('[data-add]')) {
    button.addEventListener('click', () => {
      items += 1;
      count.textContent = String(items);
      count.hidden = false;
      status.textContent = `${button.dataset.add} added to your bag.`;
      button.textContent = 'Added';
      setTimeout(() => { button.textContent = 'Add to bag'; }, 1400);
    });
  }
}

const chat = embedChat();
wireSupportLinks(chat);
wireCart();
wireDemoSignIn(chat);
