// XMLHttpRequest for the upload tests (js/upload.js): every request made is kept
// in `requests`; the test drives it — upload progress, the answer, a network
// failure — as the browser would. Installed on globalThis by installXhr().

export class FakeXhr {
  static requests = [];

  constructor() {
    this.headers = {};
    this.listeners = new Map();
    this.uploadListeners = new Map();
    this.status = 0;
    this.responseText = '';
    this.aborted = false;
    const on = (map) => (type, fn) => { if (!map.has(type)) map.set(type, []); map.get(type).push(fn); };
    this.addEventListener = on(this.listeners);
    this.upload = { addEventListener: on(this.uploadListeners) };
    FakeXhr.requests.push(this);
  }

  open(method, url) {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name, value) {
    this.headers[name] = value;
  }

  send(body) {
    this.body = body;
  }

  abort() {
    this.aborted = true;
    this.#fire(this.listeners, 'abort', {});
  }

  #fire(map, type, event) {
    for (const fn of map.get(type) || []) fn(event);
  }

  // --- what the test does ----------------------------------------------------------

  /** `loaded` of `total` bytes have gone. */
  progress(loaded, total) {
    this.#fire(this.uploadListeners, 'progress', { loaded, total, lengthComputable: true });
  }

  /** The server answers `status` with `body` (an object is sent as JSON, a string as it is). */
  respond(status, body) {
    this.status = status;
    this.responseText = typeof body === 'string' ? body : JSON.stringify(body);
    this.#fire(this.listeners, 'load', {});
  }

  /** The network failed. */
  fail() {
    this.#fire(this.listeners, 'error', {});
  }
}

/** FakeXhr as globalThis.XMLHttpRequest, with no requests yet; returns the list they go to. */
export function installXhr() {
  FakeXhr.requests = [];
  globalThis.XMLHttpRequest = FakeXhr;
  return FakeXhr.requests;
}

/** A file as the page gets it from an input, a drop or a paste (Node 18 has no File). */
export function fakeFile(name, size, type = '') {
  return { name, size, type };
}
