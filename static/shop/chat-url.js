// Where the demo shop loads the chat from (the pure part of shop.js, so the
// tests can ask it without a page). The chat's port is configurable
// (SWITCHBOARD_PORT) and nothing rewrites the shop's files, so:
//   1. ?chat=<origin> in the page's URL (e.g. ?chat=http://127.0.0.1:18280), else
//   2. the page's own origin when it is served under /shop/ of the chat origin, else
//   3. `switchboard_url` of demo-shop.json beside the page, which scripts/run.sh
//      writes at every start with the URL the chat is served at
//      ({"switchboard_url": "http://127.0.0.1:18300"}), else
//   4. the same host name on port 8080 (the default port).

/** An http(s) URL as the base the chat lives under ("http://host:port/" or with a path prefix, ending in "/"); null otherwise. */
export function chatBase(value) {
  if (typeof value !== 'string' || !value.trim()) return null;
  let url;
  try {
    url = new URL(value.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username || url.password) return null;
  const path = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
  return `${url.origin}${path}`;
}

/** The base from ?chat= (its origin only) or from the page being under /shop/ of the chat; null: ask demo-shop.json. */
export function chatBaseFromPage(location) {
  const param = new URLSearchParams(location.search).get('chat');
  const given = chatBase(param);
  if (given) return `${new URL(given).origin}/`;
  if (location.pathname.startsWith('/shop/')) return `${location.origin}/`;
  return null;
}

/** demo-shop.json's answer (parsed JSON, or anything) as a base, or null. */
export function chatBaseFromFile(data) {
  return data && typeof data === 'object' && !Array.isArray(data) ? chatBase(data.switchboard_url) : null;
}

/** The default when nothing says otherwise: this host name on port 8080. */
export function defaultChatBase(location) {
  return `${location.protocol}//${location.hostname}:8080/`;
}

/** The loader's URL under `base`. */
export function widgetScriptUrl(base) {
  return new URL('widget.js', base).href;
}
