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
// embed works cross-origin. Because the chat's port is configurable and
// nothing rewrites this file, the chat origin is worked out here:
//   1. ?chat=<origin> in this page's URL (e.g. ?chat=http://127.0.0.1:18280), else
//   2. this page's own origin when it is served under /shop/ of the chat origin, else
//   3. the same host name on port 8080.

function chatOrigin() {
  const param = new URLSearchParams(location.search).get('chat');
  if (param) {
    try {
      const url = new URL(param);
      if (url.protocol === 'http:' || url.protocol === 'https:') return url.origin;
    } catch {
      // ignore a malformed parameter
    }
  }
  if (location.pathname.startsWith('/shop/')) return location.origin;
  return `${location.protocol}//${location.hostname}:8080`;
}

function embedChat() {
  const script = document.createElement('script');
  script.src = `${chatOrigin()}/widget.js`;
  script.async = true;
  document.head.append(script);
}

// The host-page API: our own "Help" buttons open the chat, and the header
// shows when support has answered while the chat was closed.
function wireSupportLinks() {
  for (const button of document.querySelectorAll('[data-open-chat]')) {
    button.addEventListener('click', (event) => {
      event.preventDefault();
      window.Switchboard?.open();
    });
  }
  const badge = document.getElementById('help-unread');
  const whenReady = () => {
    if (!window.Switchboard) return setTimeout(whenReady, 200);
    window.Switchboard.onUnread((count) => {
      badge.textContent = String(count);
      badge.hidden = count === 0;
    });
  };
  whenReady();
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

embedChat();
wireSupportLinks();
wireCart();
