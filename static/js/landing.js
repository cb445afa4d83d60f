// The landing page: show the embed line for this very server, and point the
// demo-shop link at the shop's own origin (port 8081 by default, the
// SWITCHBOARD_SHOP_PORT of docs/CONTRACTS.md; ?shop=<port> overrides), telling
// it where the chat lives. Without a shop origin, /shop/ on this origin works too.

import { $ } from './dom.js';

const code = $('embed-code');
code.textContent = `<script src="${location.origin}/widget.js" async></script>`;

const shopPort = new URLSearchParams(location.search).get('shop') || '8081';
if (/^\d{1,5}$/.test(shopPort) && shopPort !== location.port) {
  const link = $('shop-link');
  link.href = `${location.protocol}//${location.hostname}:${shopPort}/?chat=${encodeURIComponent(location.origin)}`;
}
