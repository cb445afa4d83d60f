// Typing indicators both ways. Sending is throttled (one "typing: true" every
// few seconds while keys are pressed, one "typing: false" after a pause or on
// send); receiving expires by itself in case the "false" never arrives.

export class TypingSender {
  /** @param {(typing: boolean) => Promise<unknown>} send  errors are ignored */
  constructor(send, { every = 3000, idle = 4000 } = {}) {
    this.send = send;
    this.every = every;
    this.idle = idle;
    this.lastSent = 0;
    this.typing = false;
    this.idleTimer = null;
  }

  /** Call on every input event with whether the box has text. */
  input(hasText) {
    if (!hasText) return this.stop();
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(() => this.stop(), this.idle);
    const now = Date.now();
    if (!this.typing || now - this.lastSent >= this.every) {
      this.typing = true;
      this.lastSent = now;
      this.#emit(true);
    }
  }

  /** Call on send, blur, or when the box empties. */
  stop() {
    clearTimeout(this.idleTimer);
    if (!this.typing) return;
    this.typing = false;
    this.#emit(false);
  }

  #emit(value) {
    Promise.resolve()
      .then(() => this.send(value))
      .catch(() => {});
  }
}

/** Remembers who is typing where; entries expire after `ttl` ms. */
export class TypingWatch {
  constructor(onChange, { ttl = 7000 } = {}) {
    this.onChange = onChange;
    this.ttl = ttl;
    this.entries = new Map(); // key -> {name, timer}
  }

  set(key, typing, name = null) {
    const old = this.entries.get(key);
    if (old) clearTimeout(old.timer);
    if (typing) {
      const timer = setTimeout(() => this.set(key, false), this.ttl);
      this.entries.set(key, { name, timer });
    } else {
      this.entries.delete(key);
    }
    if (Boolean(old) !== typing || (old && old.name !== name)) this.onChange(key);
  }

  get(key) {
    return this.entries.get(key) || null;
  }
}
