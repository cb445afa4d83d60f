// What keeps a signed-in console current: the agent event stream, and REST
// polling while the stream is down. This carries events and shows the
// connection state; what an event means is events.js's business.

import { $ } from '../js/dom.js';
import { FallbackPoller } from '../js/poll.js';
import { EventStream, State } from '../js/sse.js';

export class LiveUpdates {
  /**
   * @param {{api, poll: () => Promise<void>, onEvent: (name, data) => void,
   *          onReset: () => void, onExpired: () => void}} deps
   *   poll: one polling round; onReset: the stream lost its place (refetch).
   */
  constructor({ api, poll, onEvent, onReset, onExpired }) {
    this.api = api;
    this.onEvent = onEvent;
    this.onReset = onReset;
    this.onExpired = onExpired;
    this.stream = null;
    this.poller = new FallbackPoller(poll, { interval: 3000 });
  }

  /** Opens the stream after event `cursor` (the lists' last_event_id). */
  start(cursor) {
    const { api } = this;
    this.stream = new EventStream({
      url: api.streamUrl(),
      headers: () => api.streamHeaders(),
      lastEventId: cursor,
      onEvent: (name, data) => this.onEvent(name, data),
      onReset: () => this.onReset(),
      onState: (state) => this.#showState(state),
      onDenied: (status) => {
        if (status === 401) this.onExpired();
        else this.poller.setActive(true);
      },
    });
    this.stream.start();
  }

  #showState(state) {
    document.documentElement.dataset.stream = state; // for tests and debugging
    $('conn').hidden = state !== State.RECONNECTING;
    this.poller.setActive(state !== State.OPEN && state !== State.CLOSED);
  }

  /** Resumes the stream after `cursor` (after a refetch). */
  restartFrom(cursor) {
    this.stream?.restartFrom(cursor);
  }

  /** Polls now if the stream is down (the tab became visible again). */
  kick() {
    this.poller.kick();
  }

  /** Polls until the stream reports that it is open again. */
  fallBack() {
    this.poller.setActive(true);
  }

  stop() {
    this.stream?.stop();
    this.poller.stop();
  }
}
