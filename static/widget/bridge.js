// The iframe's side of the embed: the script tag's overrides from the URL hash, and postMessage
// with the host page. Messages go only to the origin the loader declared
// (the browser refuses delivery to any other parent), and only messages from
// that origin *and* from our parent window are accepted.

const WIDGET_TAG = 'switchboard-widget';
const HOST_TAG = 'switchboard-host';

function parseOrigin(value) {
  if (!value) return null;
  try {
    const url = new URL(value);
    if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === value) return value;
  } catch {
    // not a URL
  }
  return null;
}

export function createBridge() {
  const params = new URLSearchParams(location.hash.slice(1));
  const embedded = window.parent !== window;
  let hostOrigin = embedded ? parseOrigin(params.get('host')) : null;
  // Where the browser tells us who frames us, it must agree with the declaration.
  const ancestors = window.location.ancestorOrigins;
  if (hostOrigin && ancestors && ancestors.length > 0 && ancestors[0] !== hostOrigin) hostOrigin = null;

  const options = {
    title: (params.get('title') || '').slice(0, 60),
    greeting: (params.get('greeting') || '').slice(0, 240),
    color: (params.get('color') || '').slice(0, 64),
    position: ['left', 'right'].includes(params.get('position')) ? params.get('position') : '',
  };

  const handlers = new Map();

  if (hostOrigin) {
    addEventListener('message', (event) => {
      if (event.source !== window.parent || event.origin !== hostOrigin) return;
      const msg = event.data;
      if (!msg || typeof msg !== 'object' || msg.source !== HOST_TAG) return;
      const handler = handlers.get(msg.type);
      if (handler) handler(msg);
    });
  }

  return {
    /** Inside a host page (with a working channel), as opposed to opened directly. */
    embedded: Boolean(hostOrigin),
    options,
    on(type, handler) {
      handlers.set(type, handler);
    },
    post(type, extra = {}) {
      if (!hostOrigin) return;
      window.parent.postMessage({ ...extra, source: WIDGET_TAG, type }, hostOrigin);
    },
  };
}
