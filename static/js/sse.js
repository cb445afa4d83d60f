// Server-sent events over fetch(): EventSource cannot send headers, and our
// credentials travel in headers (never in URLs). This module is the parser
// (the text/event-stream format of the HTML standard) and a reconnecting
// client that resumes with Last-Event-ID, dedupes by event id and reports its
// connection state so the page can show "Reconnecting…" and poll meanwhile.
// A refusal with Retry-After (429, 503) is not retried sooner than it says.

import { retryAfterMs } from './api.js';

/** Incremental text/event-stream parser. Feed it decoded text with push(). */
export class SSEParser {
  /**
   * @param {(ev: {id: string|null, event: string, data: string}) => void} onEvent
   *   `id` is the event's own `id:` line (null when it had none).
   * @param {{onRetry?: (ms: number) => void, onComment?: (text: string) => void}} hooks
   */
  constructor(onEvent, { onRetry = () => {}, onComment = () => {} } = {}) {
    this.onEvent = onEvent;
    this.onRetry = onRetry;
    this.onComment = onComment;
    this.buffer = '';
    this.started = false;
    this.#resetEvent();
  }

  #resetEvent() {
    this.data = [];
    this.event = '';
    this.id = null;
  }

  push(text) {
    this.buffer += text;
    if (!this.started && this.buffer.length > 0) {
      if (this.buffer.charCodeAt(0) === 0xfeff) this.buffer = this.buffer.slice(1);
      this.started = true;
    }
    let start = 0;
    const buf = this.buffer;
    for (;;) {
      let end = -1;
      for (let i = start; i < buf.length; i++) {
        const c = buf.charCodeAt(i);
        if (c === 10 || c === 13) { end = i; break; }
      }
      if (end < 0) break;
      let next = end + 1;
      if (buf.charCodeAt(end) === 13) {
        if (end + 1 >= buf.length) break; // a lone CR at the end: wait to see whether LF follows
        if (buf.charCodeAt(end + 1) === 10) next = end + 2;
      }
      this.#line(buf.slice(start, end));
      start = next;
    }
    this.buffer = buf.slice(start);
  }

  /** The stream ended: an unterminated event is discarded, as the standard says. */
  end() {
    this.buffer = '';
    this.#resetEvent();
  }

  #line(line) {
    if (line === '') return this.#dispatch();
    if (line.charCodeAt(0) === 58) return this.onComment(line.slice(1).trimStart()); // ':'
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.charCodeAt(0) === 32) value = value.slice(1);
    switch (field) {
      case 'event': this.event = value; break;
      case 'data': this.data.push(value); break;
      case 'id': if (!value.includes('\0')) this.id = value; break;
      case 'retry': if (/^\d+$/.test(value)) this.onRetry(Number(value)); break;
      default: break; // unknown fields are ignored
    }
  }

  #dispatch() {
    const ev = { id: this.id, event: this.event || 'message', data: this.data.join('\n') };
    const hadData = this.data.length > 0;
    this.#resetEvent();
    if (hadData || ev.id !== null) this.onEvent(ev);
  }
}

/** Connection states, for the UI. */
export const State = Object.freeze({
  CONNECTING: 'connecting', // first attempt
  OPEN: 'open',
  RECONNECTING: 'reconnecting', // lost it (or never got it), retrying with backoff
  CLOSED: 'closed', // stopped, or refused for good (401/403)
});

/**
 * A resilient event stream.
 *
 *   const s = new EventStream({url, headers: () => ({...}), lastEventId: 42,
 *     onEvent: (name, data, id) => {}, onReset: () => {}, onState: (state) => {},
 *     onDenied: (status) => {}});
 *   s.start(); ... s.restartFrom(57); ... s.stop();
 *
 * Persisted events carry numeric ids that only grow; an id at or below the last
 * one seen is a replay and is dropped, so a resume never shows anything twice.
 * Events without an id (typing) are passed through.
 */
export class EventStream {
  constructor({ url, headers = () => ({}), lastEventId = null, onEvent, onReset = () => {}, onState = () => {},
    onDenied = () => {}, minDelay = 1000, maxDelay = 30000, idleTimeout = 45000 }) {
    this.url = url;
    this.headers = headers;
    this.lastEventId = lastEventId === null || lastEventId === undefined ? null : Number(lastEventId);
    this.onEvent = onEvent;
    this.onReset = onReset;
    this.onState = onState;
    this.onDenied = onDenied;
    this.baseDelay = minDelay;
    this.maxDelay = maxDelay;
    this.idleTimeout = idleTimeout; // the server sends a heartbeat every 15 s
    this.state = State.CLOSED;
    this.attempt = 0;
    this.everOpened = false;
    this.controller = null;
    this.retryTimer = null;
    this.idleTimer = null;
    this.stopped = true;
    this.generation = 0;
    this.onOnline = () => { if (!this.stopped && this.state !== State.OPEN) this.#reconnectNow(); };
  }

  start() {
    if (!this.stopped) return;
    this.stopped = false;
    addEventListener('online', this.onOnline);
    this.#connect();
  }

  stop() {
    this.stopped = true;
    removeEventListener('online', this.onOnline);
    this.#teardown();
    this.#setState(State.CLOSED);
  }

  /** After a REST refetch: continue from that read's cursor (it may be lower after a reset). */
  restartFrom(lastEventId) {
    this.lastEventId = lastEventId === null || lastEventId === undefined ? null : Number(lastEventId);
    if (!this.stopped) this.#reconnectNow();
  }

  #reconnectNow() {
    this.#teardown();
    this.attempt = 0;
    this.#connect();
  }

  #teardown() {
    this.generation++;
    clearTimeout(this.retryTimer);
    clearTimeout(this.idleTimer);
    this.retryTimer = null;
    if (this.controller) this.controller.abort();
    this.controller = null;
  }

  #setState(state) {
    if (this.state === state) return;
    this.state = state;
    try { this.onState(state); } catch (err) { console.error(err); }
  }

  #armIdle(gen) {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => {
      if (gen === this.generation && this.controller) this.controller.abort();
    }, this.idleTimeout);
  }

  async #connect() {
    const gen = ++this.generation;
    const controller = new AbortController();
    this.controller = controller;
    this.#setState(this.everOpened || this.attempt > 0 ? State.RECONNECTING : State.CONNECTING);
    const headers = { Accept: 'text/event-stream', ...this.headers() };
    if (this.lastEventId !== null) headers['Last-Event-ID'] = String(this.lastEventId);
    let notBefore = 0; // Retry-After of a refusal, in ms
    try {
      const res = await fetch(this.url, { headers, signal: controller.signal, cache: 'no-store' });
      if (gen !== this.generation) return;
      if (res.status === 401 || res.status === 403) {
        this.stopped = true;
        this.#setState(State.CLOSED);
        this.onDenied(res.status);
        return;
      }
      const type = res.headers.get('Content-Type') || '';
      if (!res.ok || !res.body || !type.startsWith('text/event-stream')) {
        res.body?.cancel().catch(() => {});
        if (res.status === 429 || res.status === 503) notBefore = retryAfterMs(res.headers.get('Retry-After')) || 0;
        throw new Error(`stream answered HTTP ${res.status}`);
      }
      this.everOpened = true;
      this.#setState(State.OPEN);
      this.#armIdle(gen);
      const parser = new SSEParser((ev) => this.#handle(ev), {
        onRetry: (ms) => { this.baseDelay = Math.min(Math.max(ms, 250), this.maxDelay); },
      });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      for (;;) {
        const { value, done } = await reader.read();
        if (gen !== this.generation) { reader.cancel().catch(() => {}); return; }
        if (done) break;
        this.attempt = 0; // it works: the next drop starts the backoff from scratch
        this.#armIdle(gen);
        parser.push(decoder.decode(value, { stream: true }));
      }
      parser.end();
      throw new Error('stream ended');
    } catch {
      if (gen !== this.generation || this.stopped) return;
      clearTimeout(this.idleTimer);
      this.#setState(State.RECONNECTING);
      const delay = Math.min(this.maxDelay, this.baseDelay * 2 ** Math.min(this.attempt, 6));
      this.attempt++;
      const jittered = Math.max(delay * (0.5 + Math.random() * 0.5), notBefore);
      this.retryTimer = setTimeout(() => { if (gen === this.generation && !this.stopped) this.#connect(); }, jittered);
    }
  }

  #handle(ev) {
    if (ev.id !== null) {
      const id = Number(ev.id);
      if (Number.isFinite(id)) {
        if (this.lastEventId !== null && id <= this.lastEventId) return; // already seen
        this.lastEventId = id;
      }
    }
    if (ev.event === 'reset') {
      // Our cursor is unknown to the server (too old, or another database). It
      // continues from its newest id, which may be *below* ours: adopt it so the
      // dedupe does not swallow what follows, and let the page refetch.
      try {
        const cursor = JSON.parse(ev.data || '{}').last_event_id;
        if (Number.isFinite(cursor)) this.lastEventId = cursor;
      } catch {
        // no cursor in the reset: the page's restartFrom() sets one
      }
      try { this.onReset(); } catch (err) { console.error(err); }
      return;
    }
    if (!ev.data) return;
    let data;
    try {
      data = JSON.parse(ev.data);
    } catch {
      return; // not ours to understand
    }
    try {
      this.onEvent(ev.event, data, ev.id);
    } catch (err) {
      console.error('event handler failed', ev.event, err);
    }
  }
}
