// The landing page: show the embed line for this very server, and point the
// demo-shop link at the shop's own origin (port 8081 by default, the
// SWITCHBOARD_SHOP_PORT of docs/CONTRACTS.md; ?shop=<port> overrides), telling
// it where the chat lives. Without a shop origin, /shop/ on this origin works too.

const code = document.getElementById('embed-code');
code.textContent = `<script src="${location.origin}/widget.js" async></script>`;

const shopPort = new URLSearchParams(location.search).get('shop') || '8081';
if (/^\d{1,5}$/.test(shopPort) && shopPort !== location.port) {
  const link = document.getElementById('shop-link');
  link.href = `${location.protocol}//${location.hostname}:${shopPort}/?chat=${encodeURIComponent(location.origin)}`;
}
