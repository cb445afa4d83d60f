/*!
 * Switchboard chat widget loader.
 *
 * Embed it with one line on any page:
 *
 *   <script src="https://CHAT_HOST/widget.js" async
 *           data-position="right" data-color="#1f6f5c"
 *           data-title="Northwind support" data-greeting="Hi! How can we help?"></script>
 *
 * It adds a launcher button and an iframe served from CHAT_HOST (derived from
 * this script's own URL), so the host page's CSS cannot touch the chat and the
 * host page cannot read it. The colour, corner, title and greeting are the
 * shop's settings (made in the agent console; the iframe reads them and sends
 * them here); the data-* attributes above, all optional, override them. The
 * greeting is a small bubble beside the launcher until the shopper opens the
 * chat or dismisses it. A shop that hides the chat while it is closed
 * (hide_when_closed) gets no launcher at all in those hours.
 *
 * Only the sites in the shop's settings (Settings → allowed sites) may show the
 * chat: elsewhere the browser refuses to show the frame, so the launcher is
 * drawn only once the frame has said it is alive; if it never does (within
 * 10 s) there is no launcher and the console says
 * "Switchboard: this site is not allowed to show the chat …".
 *
 * The host page gets a small API:
 *
 *   Switchboard.open(); Switchboard.close(); Switchboard.toggle();
 *   const off = Switchboard.onUnread((count) => { ... }); off();
 *
 *   Switchboard.identify({token: '<identity token>'});
 *     A customer signed in to the shop: the token is a JWT the shop's own server
 *     signs (HS256, with a secret from Settings → Sign-in; claims sub, iat, exp,
 *     optional name and email: docs/API.md, "Known customers"). The chat signs
 *     the customer in with it and shows their one conversation, on every device;
 *     a guest's chat already going on in this browser comes along. Call it on
 *     every page load (the chat signs in again only when it must); identifying
 *     as another customer signs the previous one out first. The same on the tag:
 *       <script src="https://CHAT_HOST/widget.js" async data-identity-token="<token>"></script>
 *     The token goes to the chat's frame by postMessage only (never in a URL)
 *     and is never logged. A token the chat refuses leaves a guest's chat
 *     working and says why in the console (e.g. "expired").
 *   Switchboard.logout();
 *     The customer signed out of the shop: the chat signs them out, forgets
 *     their conversation in this browser and shows a fresh guest's chat. (Nothing
 *     happens for a guest.)
 *   Switchboard.identify({name: 'Jamie Rivera', email: 'jamie@example.com'});
 *     Without a token: unverified hints for a guest's chat, used when the next
 *     conversation starts and to fill in the chat's forms (with an e-mail the
 *     shop's pre-chat form is not asked); a chat already going on gets them too
 *     when an e-mail is given (never over an address the shopper typed).
 *
 * The loader runs on foreign sites: it is a classic script (no module), keeps
 * to one global (window.Switchboard), draws inside a closed shadow root and
 * styles it through the CSSOM (adoptedStyleSheets, element.style), which a
 * host's Content-Security-Policy does not block the way it blocks inline
 * <style>. Messages with the iframe are checked both ways: origin + source.
 */
(function () {
  'use strict';

  if (window.Switchboard && window.Switchboard.__switchboard) return; // loaded twice

  var script = document.currentScript || findOwnScript();
  if (!script || !script.src) {
    if (window.console) console.warn('Switchboard: cannot find the widget.js script tag');
    return;
  }

  // With `async`, currentScript may be unavailable in old engines: find the tag by its src.
  function findOwnScript() {
    var list = document.querySelectorAll('script[src]');
    for (var i = list.length - 1; i >= 0; i--) {
      try {
        if (/\/widget\.js$/.test(new URL(list[i].src, location.href).pathname)) return list[i];
      } catch (e) { /* unparsable src */ }
    }
    return null;
  }

  var scriptUrl = new URL(script.src, location.href);
  var CHAT_ORIGIN = scriptUrl.origin;
  var WIDGET_URL = new URL('widget/', scriptUrl).href; // works under a path prefix too
  var HOST_TAG = 'switchboard-host';
  var WIDGET_TAG = 'switchboard-widget';

  var data = script.dataset || {};
  // The script tag's overrides ('' = use the shop's setting).
  var options = {
    position: data.position === 'left' || data.position === 'right' ? data.position : '',
    color: validColor(data.color) ? data.color.trim() : '',
    title: clip(data.title, 60),
    greeting: clip(data.greeting, 240),
  };
  var CONFIG_WAIT_MS = 4000; // after the frame's hello: the launcher shows with the overrides alone if the settings take longer
  var FRAME_WAIT_MS = 10000; // no hello by then: the frame was refused (a site not allowed) or the chat is unreachable
  var TOKEN_MAX = 8192;

  function clip(text, max) {
    return typeof text === 'string' ? text.trim().slice(0, max) : '';
  }

  function validColor(value) {
    if (typeof value !== 'string' || !value.trim()) return false;
    var v = value.trim();
    // Only ever applied through style.setProperty, which cannot be escaped; this just drops typos.
    if (v.length > 64) return false;
    if (window.CSS && CSS.supports) return CSS.supports('color', v);
    return /^#[0-9a-f]{3,8}$/i.test(v);
  }

  // --- state -----------------------------------------------------------------

  var isOpen = false;
  var ready = false;
  var configured = false;
  var launcherHidden = false; // the shop is closed and hides the chat meanwhile (the iframe says so)
  var greeting = '';
  var greetingDone = false; // dismissed, or the chat was opened: not shown again on this page view
  var identity = null; // {token} or {name, email}: sent to the frame once it is ready
  var pendingLogout = false; // Switchboard.logout() before the frame was ready
  var blocked = false; // the frame never said hello
  var unread = 0;
  var listeners = [];
  var els = null;

  // --- styles (inside the shadow root) ---------------------------------------

  var CSS_TEXT = [
    ':host { all: initial !important; }',
    '.sb { all: initial; font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; }',
    '.sb-launcher { all: initial; box-sizing: border-box; position: fixed; bottom: 20px; z-index: 2147483000;',
    '  width: 60px; height: 60px; border-radius: 50%; cursor: pointer; display: grid; place-items: center;',
    '  background: var(--sb-c, #3056d3); color: var(--sb-on, #fff);',
    '  box-shadow: 0 6px 20px rgba(16,24,40,.22), 0 2px 6px rgba(16,24,40,.12);',
    '  transition: transform .18s cubic-bezier(.2,.7,.2,1), box-shadow .18s ease; -webkit-tap-highlight-color: transparent; }',
    '.sb-launcher:hover { transform: scale(1.06); box-shadow: 0 10px 28px rgba(16,24,40,.26), 0 2px 6px rgba(16,24,40,.12); }',
    '.sb-launcher:active { transform: scale(.97); }',
    '.sb-launcher:focus-visible { outline: 3px solid var(--sb-c, #3056d3); outline-offset: 3px; }',
    '.sb-launcher svg { width: 28px; height: 28px; display: block; transition: transform .2s ease, opacity .2s ease; }',
    '.sb-launcher .sb-i-close { position: absolute; opacity: 0; transform: rotate(-45deg) scale(.6); }',
    '.sb-open .sb-launcher .sb-i-chat { opacity: 0; transform: rotate(45deg) scale(.6); }',
    '.sb-open .sb-launcher .sb-i-close { opacity: 1; transform: none; }',
    '.sb-badge { all: initial; position: absolute; top: -3px; right: -3px; box-sizing: border-box; min-width: 22px; height: 22px;',
    '  padding: 0 6px; border-radius: 11px; background: #e5484d; color: #fff; font: 700 12px/22px ui-sans-serif, system-ui, sans-serif;',
    '  text-align: center; box-shadow: 0 0 0 2px #fff; pointer-events: none; }',
    '.sb-badge[hidden] { display: none; }',
    '.sb-pending .sb-launcher { visibility: hidden; opacity: 0; }',
    '.sb-hidden .sb-launcher, .sb-hidden .sb-greet { display: none; }',
    '.sb:not(.sb-pending) .sb-launcher { animation: sb-pop .25s cubic-bezier(.2,.7,.2,1); }',
    '@keyframes sb-pop { from { opacity: 0; transform: scale(.8); } to { opacity: 1; transform: none; } }',
    '.sb-greet { all: initial; box-sizing: border-box; position: fixed; bottom: 92px; z-index: 2147483000; display: flex;',
    '  align-items: flex-start; gap: 2px; max-width: min(280px, calc(100vw - 40px)); padding: 4px 4px 4px 0; border-radius: 16px;',
    '  background: #fff; color: #161a22; box-shadow: 0 8px 28px rgba(16,24,40,.18), 0 2px 6px rgba(16,24,40,.10);',
    '  font-family: ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif;',
    '  animation: sb-rise .3s cubic-bezier(.2,.7,.2,1); }',
    '.sb-greet[hidden] { display: none; }',
    '@keyframes sb-rise { from { opacity: 0; transform: translateY(8px); } to { opacity: 1; transform: none; } }',
    '.sb-greet-text { all: initial; box-sizing: border-box; flex: 1; min-width: 0; padding: 10px 4px 10px 14px; cursor: pointer;',
    '  font: 500 14px/1.4 ui-sans-serif, system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #161a22;',
    '  overflow-wrap: anywhere; border-radius: 12px; }',
    '.sb-greet-close { all: initial; box-sizing: border-box; flex: none; display: grid; place-items: center; width: 28px; height: 28px;',
    '  border-radius: 50%; cursor: pointer; color: #4b5361; }',
    '.sb-greet-close:hover { background: #eceef2; }',
    '.sb-greet-close svg { width: 16px; height: 16px; display: block; }',
    '.sb-greet-text:focus-visible, .sb-greet-close:focus-visible { outline: 3px solid var(--sb-c, #3056d3); outline-offset: 1px; }',
    '.sb-open .sb-greet { display: none; }',
    '.sb-right .sb-greet { right: 20px; } .sb-left .sb-greet { left: 20px; }',
    '.sb-frame { all: initial; position: fixed; bottom: 92px; z-index: 2147483000; display: block;',
    '  width: 384px; height: min(680px, calc(100vh - 116px)); border: 0; border-radius: 18px; overflow: hidden;',
    '  background: transparent; color-scheme: normal;',
    '  box-shadow: 0 16px 48px rgba(16,24,40,.20), 0 4px 12px rgba(16,24,40,.10);',
    '  opacity: 0; visibility: hidden; pointer-events: none; transform: translateY(14px) scale(.98);',
    '  transition: opacity .2s ease, transform .24s cubic-bezier(.2,.7,.2,1), visibility 0s linear .24s; }',
    '.sb-open .sb-frame { opacity: 1; visibility: visible; pointer-events: auto; transform: none;',
    '  transition: opacity .2s ease, transform .24s cubic-bezier(.2,.7,.2,1), visibility 0s; }',
    '.sb-right .sb-launcher, .sb-right .sb-frame { right: 20px; }',
    '.sb-left .sb-launcher, .sb-left .sb-frame { left: 20px; }',
    '.sb-right .sb-frame { transform-origin: bottom right; }',
    '.sb-left .sb-frame { transform-origin: bottom left; }',
    '.sb-left .sb-badge { right: auto; left: -3px; }',
    '@supports (height: 100dvh) { .sb-frame { height: min(680px, calc(100dvh - 116px)); } }',
    '@media (max-width: 480px), (max-height: 500px) {',
    '  .sb-frame { top: 0; left: 0 !important; right: 0 !important; bottom: auto; width: 100%; height: 100vh; border-radius: 0; box-shadow: none; }',
    '  @supports (height: 100dvh) { .sb-frame { height: 100dvh; } }',
    '  .sb-open .sb-launcher { display: none; }',
    '  .sb-launcher { bottom: 16px; }',
    '  .sb-right .sb-launcher { right: 16px; } .sb-left .sb-launcher { left: 16px; }',
    '  .sb-greet { bottom: 88px; } .sb-right .sb-greet { right: 16px; } .sb-left .sb-greet { left: 16px; }',
    '}',
    '@media (prefers-reduced-motion: reduce) { .sb-launcher, .sb-launcher svg, .sb-frame, .sb-open .sb-frame { transition: none; }',
    '  .sb .sb-launcher, .sb-greet { animation: none; } }',
  ].join('\n');

  function applyStyles(root) {
    try {
      var sheet = new CSSStyleSheet();
      sheet.replaceSync(CSS_TEXT);
      root.adoptedStyleSheets = [sheet];
    } catch (e) {
      var style = document.createElement('style'); // older engines; may be refused by a strict host CSP
      style.textContent = CSS_TEXT;
      root.appendChild(style);
    }
  }

  var SVG_NS = 'http://www.w3.org/2000/svg';
  // The launcher's icons: decorative, on the chat's 24×24 grid (js/dom.js draws the chat's own;
  // this script runs in the host page and imports nothing).
  var SVG_ATTRIBUTES = {
    viewBox: '0 0 24 24', fill: 'none', stroke: 'currentColor', 'stroke-width': '2',
    'stroke-linecap': 'round', 'stroke-linejoin': 'round', 'aria-hidden': 'true', focusable: 'false'
  };
  function svgIcon(cls, paths) {
    var svg = document.createElementNS(SVG_NS, 'svg');
    for (var name in SVG_ATTRIBUTES) svg.setAttribute(name, SVG_ATTRIBUTES[name]);
    svg.setAttribute('class', cls);
    for (var i = 0; i < paths.length; i++) {
      var p = document.createElementNS(SVG_NS, 'path');
      p.setAttribute('d', paths[i]);
      svg.appendChild(p);
    }
    return svg;
  }

  // The icon colour on the launcher: white, near-black or black, the first
  // with 4.5:1 contrast on the colour (the chat's js/color.js does the same).
  function onColor(color) {
    var probe = document.createElement('span');
    probe.style.setProperty('color', color);
    probe.style.setProperty('display', 'none');
    document.body.appendChild(probe);
    var rgb = getComputedStyle(probe).color.match(/\d+(\.\d+)?/g) || [0, 0, 0];
    probe.remove();
    var lum = luminance([Number(rgb[0]), Number(rgb[1]), Number(rgb[2])]);
    var candidates = [['#ffffff', 1], ['#111418', luminance([17, 20, 24])]];
    for (var i = 0; i < candidates.length; i++) {
      var other = candidates[i][1];
      if ((Math.max(lum, other) + 0.05) / (Math.min(lum, other) + 0.05) >= 4.5) return candidates[i][0];
    }
    return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05 ? '#ffffff' : '#000000';
  }

  function luminance(rgb) {
    var lin = rgb.map(function (v) {
      var c = v / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
  }

  // --- DOM -------------------------------------------------------------------

  function build() {
    var host = document.createElement('div');
    host.setAttribute('data-switchboard', '');
    host.style.setProperty('all', 'initial', 'important');
    var root = host.attachShadow ? host.attachShadow({ mode: 'closed' }) : host;
    applyStyles(root);

    var wrap = document.createElement('div');
    wrap.className = 'sb sb-pending';

    var hash = new URLSearchParams();
    hash.set('host', location.origin);
    if (options.title) hash.set('title', options.title);
    if (options.greeting) hash.set('greeting', options.greeting);
    if (options.color) hash.set('color', options.color);
    if (options.position) hash.set('position', options.position);

    var frame = document.createElement('iframe');
    frame.className = 'sb-frame';
    frame.id = 'switchboard-frame';
    frame.title = options.title || 'Customer support chat';
    frame.src = WIDGET_URL + '#' + hash.toString();
    frame.setAttribute('allow', 'clipboard-write');
    frame.setAttribute('referrerpolicy', 'origin');

    var launcher = document.createElement('button');
    launcher.type = 'button';
    launcher.className = 'sb-launcher';
    launcher.setAttribute('aria-haspopup', 'dialog');
    launcher.setAttribute('aria-expanded', 'false');
    launcher.setAttribute('aria-controls', 'switchboard-frame');
    launcher.appendChild(svgIcon('sb-i-chat', ['M21 12a8.5 8.5 0 0 1-12.3 7.6L3 21l1.5-5.2A8.5 8.5 0 1 1 21 12z']));
    launcher.appendChild(svgIcon('sb-i-close', ['M6 9l6 6 6-6']));
    var badge = document.createElement('span');
    badge.className = 'sb-badge';
    badge.hidden = true;
    badge.setAttribute('aria-hidden', 'true');
    launcher.appendChild(badge);
    launcher.addEventListener('click', toggle);

    var greet = document.createElement('div');
    greet.className = 'sb-greet';
    greet.hidden = true;
    var greetText = document.createElement('button');
    greetText.type = 'button';
    greetText.className = 'sb-greet-text';
    greetText.addEventListener('click', open);
    var greetClose = document.createElement('button');
    greetClose.type = 'button';
    greetClose.className = 'sb-greet-close';
    greetClose.setAttribute('aria-label', 'Dismiss the greeting');
    greetClose.title = 'Dismiss';
    greetClose.appendChild(svgIcon('sb-i-x', ['M6 6l12 12', 'M18 6L6 18']));
    greetClose.addEventListener('click', function () {
      greetingDone = true;
      updateLauncher();
      try { launcher.focus({ preventScroll: true }); } catch (e) { /* old engines */ }
    });
    greet.appendChild(greetText);
    greet.appendChild(greetClose);

    wrap.appendChild(frame);
    wrap.appendChild(greet);
    wrap.appendChild(launcher);
    root.appendChild(wrap);
    document.body.appendChild(host);
    // Marks the page for scripts and tests (the shadow root itself is closed).
    document.documentElement.setAttribute('data-switchboard-state', 'closed');

    els = { host: host, wrap: wrap, frame: frame, launcher: launcher, badge: badge, greet: greet, greetText: greetText };
    updateLauncher();
    setTimeout(function () {
      if (ready) return;
      blocked = true;
      document.documentElement.setAttribute('data-switchboard-launcher', 'blocked');
      if (window.console) {
        console.warn('Switchboard: this site is not allowed to show the chat (add ' + location.origin +
          ' to the allowed sites in the chat\'s settings), or the chat at ' + CHAT_ORIGIN + ' cannot be reached.');
      }
    }, FRAME_WAIT_MS);
  }

  // The shop's settings as the iframe sent them (already merged with the
  // overrides), or {} for the overrides alone. Shows the launcher.
  function configure(config) {
    configured = true;
    var color = validColor(config.color) ? config.color.trim() : options.color;
    var position = config.position === 'left' || config.position === 'right' ? config.position : (options.position || 'right');
    els.wrap.className = 'sb sb-' + position;
    launcherHidden = config.hidden === true;
    if (color) {
      els.wrap.style.setProperty('--sb-c', color);
      els.wrap.style.setProperty('--sb-on', onColor(color));
    }
    var title = clip(config.title, 60) || options.title;
    var brand = clip(config.brand_name, 60);
    els.frame.title = title ? title + (brand && brand !== title ? ' · ' + brand : '') : 'Customer support chat';
    greeting = typeof config.greeting === 'string' ? clip(config.greeting, 240) : options.greeting;
    els.greetText.textContent = greeting;
    document.documentElement.setAttribute('data-switchboard-position', position);
    updateLauncher();
  }

  function updateLauncher() {
    if (!els) return;
    els.wrap.classList.toggle('sb-open', isOpen);
    // Hidden only while the panel is closed: a chat opened through the API stays closable.
    var hidden = launcherHidden && !isOpen;
    els.wrap.classList.toggle('sb-hidden', hidden);
    els.greet.hidden = !greeting || greetingDone || isOpen || !configured || hidden;
    els.launcher.setAttribute('aria-expanded', String(isOpen));
    var label = isOpen ? 'Close chat' : 'Open chat';
    if (!isOpen && unread > 0) label += ' (' + unread + ' unread ' + (unread === 1 ? 'message' : 'messages') + ')';
    els.launcher.setAttribute('aria-label', label);
    els.launcher.title = isOpen ? 'Close chat' : 'Chat with us';
    els.badge.textContent = unread > 99 ? '99+' : String(unread);
    els.badge.hidden = isOpen || unread === 0;
    document.documentElement.setAttribute('data-switchboard-state', isOpen ? 'open' : 'closed');
    document.documentElement.setAttribute('data-switchboard-unread', String(unread));
    if (configured) document.documentElement.setAttribute('data-switchboard-launcher', hidden ? 'hidden' : 'shown');
  }

  // --- phones: keep the panel inside the visual viewport (on-screen keyboard) ---

  var vv = window.visualViewport;
  function fitViewport() {
    if (!els) return;
    var full = window.matchMedia('(max-width: 480px), (max-height: 500px)').matches;
    if (isOpen && full && vv) {
      els.frame.style.setProperty('height', vv.height + 'px');
      els.frame.style.setProperty('top', vv.offsetTop + 'px');
    } else {
      els.frame.style.removeProperty('height');
      els.frame.style.removeProperty('top');
    }
  }
  if (vv) {
    vv.addEventListener('resize', fitViewport);
    vv.addEventListener('scroll', fitViewport);
  }

  // --- talking to the iframe -------------------------------------------------

  function post(message) {
    if (!ready || !els || !els.frame.contentWindow) return;
    message.source = HOST_TAG;
    els.frame.contentWindow.postMessage(message, CHAT_ORIGIN);
  }

  window.addEventListener('message', function (event) {
    if (!els || event.origin !== CHAT_ORIGIN || event.source !== els.frame.contentWindow) return;
    var msg = event.data;
    if (!msg || typeof msg !== 'object' || msg.source !== WIDGET_TAG) return;
    switch (msg.type) {
      case 'config':
        configure(msg);
        break;
      case 'launcher':
        launcherHidden = msg.hidden === true;
        updateLauncher();
        break;
      case 'ready':
        if (!ready) setTimeout(function () { if (!configured) configure({}); }, CONFIG_WAIT_MS);
        ready = true;
        blocked = false; // late, but alive
        if (pendingLogout) post({ type: 'logout' });
        pendingLogout = false;
        if (identity) sendIdentity();
        post({ type: 'state', open: isOpen });
        break;
      case 'identity':
        document.documentElement.setAttribute('data-switchboard-identity', msg.signed_in === true ? 'customer' : 'guest');
        if (msg.error) warnIdentity(msg.error);
        break;
      case 'unread':
        setUnread(Number(msg.count) || 0);
        break;
      case 'close':
        close();
        try { els.launcher.focus({ preventScroll: true }); } catch (e) { /* old engines */ }
        break;
      case 'open':
        open();
        break;
      default:
        break;
    }
  });

  function setUnread(count) {
    count = Math.max(0, Math.floor(count));
    if (count === unread) return;
    unread = count;
    updateLauncher();
    for (var i = 0; i < listeners.length; i++) {
      try { listeners[i](unread); } catch (e) { if (window.console) console.error(e); }
    }
  }

  // --- public API --------------------------------------------------------------

  function open() {
    if (!els || blocked) return;
    if (!isOpen) {
      isOpen = true;
      greetingDone = true;
      updateLauncher();
      fitViewport();
      post({ type: 'state', open: true });
    }
    try { els.frame.focus({ preventScroll: true }); } catch (e) { /* old engines */ }
    post({ type: 'focus' });
  }

  function close() {
    if (!els || !isOpen) return;
    isOpen = false;
    updateLauncher();
    fitViewport();
    post({ type: 'state', open: false });
  }

  function toggle() {
    if (isOpen) close(); else open();
  }

  function onUnread(callback) {
    if (typeof callback !== 'function') throw new TypeError('Switchboard.onUnread needs a function');
    listeners.push(callback);
    try { callback(unread); } catch (e) { if (window.console) console.error(e); }
    return function () {
      listeners = listeners.filter(function (cb) { return cb !== callback; });
    };
  }

  // identify({token}) signs a customer in; identify({name, email}) gives a guest's hints.
  function identify(who) {
    who = who || {};
    var token = typeof who.token === 'string' ? who.token.trim() : '';
    if (token) {
      if (token.length > TOKEN_MAX) {
        if (window.console) console.warn('Switchboard.identify: the identity token is too long (at most ' + TOKEN_MAX + ' characters); not used');
        return;
      }
      identity = { token: token };
    } else {
      identity = {
        name: typeof who.name === 'string' ? who.name.trim().slice(0, 80) : '',
        email: typeof who.email === 'string' ? who.email.trim().slice(0, 254) : '',
      };
    }
    sendIdentity();
  }

  function sendIdentity() {
    if (!identity) return;
    if (identity.token) post({ type: 'identify', token: identity.token });
    else post({ type: 'identify', name: identity.name, email: identity.email });
  }

  function logout() {
    identity = null;
    if (ready) post({ type: 'logout' });
    else pendingLogout = true;
  }

  var IDENTITY_REASONS = {
    malformed: 'it is not a well-formed JWT',
    algorithm: 'it is not signed with HS256',
    bad_signature: 'its signature does not match a secret in the chat\'s settings',
    unknown_key: 'its kid names no active secret',
    expired: 'it has expired',
    not_yet_valid: 'it is not valid yet (check the server\'s clock)',
    lifetime_too_long: 'exp is more than 24 hours after iat',
  };

  // Why a sign-in failed, in the host page's console (the token itself is never written).
  function warnIdentity(error) {
    if (!window.console || !error || typeof error !== 'object') return;
    var code = /^[a-z_]{1,40}$/.test(error.code) ? error.code : 'http_error';
    var reason = /^[a-z_]{1,40}$/.test(error.reason) ? error.reason : '';
    var why;
    if (code === 'invalid_identity') {
      why = 'the identity token was refused: ' + (reason || 'invalid') + (Object.prototype.hasOwnProperty.call(IDENTITY_REASONS, reason) ? ' (' + IDENTITY_REASONS[reason] + ')' : '');
    } else if (code === 'identity_required') {
      why = 'the chat needs a signed identity token (identity_required)';
    } else if (error.status === 0) {
      why = 'the chat could not be reached';
    } else {
      why = 'the chat answered ' + (Number(error.status) || 'an error') + ' (' + code + ')';
    }
    console.warn('Switchboard.identify: the customer is not signed in to the chat: ' + why + '. The chat goes on as a guest\'s.');
  }

  window.Switchboard = Object.freeze({
    __switchboard: true,
    open: open,
    close: close,
    toggle: toggle,
    onUnread: onUnread,
    identify: identify,
    logout: logout,
    isOpen: function () { return isOpen; },
    unread: function () { return unread; },
  });

  // <script ... data-identity-token="...">: the same as Switchboard.identify({token}) at once.
  if (typeof data.identityToken === 'string' && data.identityToken.trim()) identify({ token: data.identityToken });

  if (document.body) build();
  else document.addEventListener('DOMContentLoaded', build, { once: true });
})();
