// While the event stream is down the page still has to move: poll the REST
// lists every few seconds until the stream is back. The stream stays the
// source of truth; polling only fills the gap, and the page dedupes by id.
// A round the server refused with Retry-After (ApiError.retryAfter) puts the
// next one off at least that long.

export class FallbackPoller {
  /**
   * @param {() => Promise<void>} poll  one round; errors are swallowed (next round retries)
   * @param {{interval?: number, grace?: number}} options
   *   grace: how long the stream may be down before polling starts (a quick
   *   reconnect should not cost a round of requests).
   */
  constructor(poll, { interval = 3000, grace = 1500 } = {}) {
    this.poll = poll;
    this.interval = interval;
    this.grace = grace;
    this.timer = null;
    this.active = false;
    this.running = false;
  }

  /** Polling on (stream down) or off (stream open). */
  setActive(active) {
    if (active === this.active) return;
    this.active = active;
    clearTimeout(this.timer);
    this.timer = active ? setTimeout(() => this.#round(), this.grace) : null;
  }

  /** Runs one round now (e.g. after the tab becomes visible again). */
  kick() {
    if (!this.active) return;
    clearTimeout(this.timer);
    this.#round();
  }

  stop() {
    this.setActive(false);
  }

  async #round() {
    if (!this.active || this.running) return;
    this.running = true;
    let wait = 0;
    try {
      await this.poll();
    } catch (err) {
      if (!(err && err.name === 'ApiError')) console.error('poll failed', err);
      wait = err?.retryAfter || 0;
    } finally {
      this.running = false;
      if (this.active) {
        clearTimeout(this.timer);
        const every = globalThis.document?.hidden ? this.interval * 3 : this.interval;
        this.timer = setTimeout(() => this.#round(), Math.max(every, wait));
      }
    }
  }
}
