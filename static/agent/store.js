// A list the console reads once per sign-in and shares between its parts (the
// canned replies: the composer's "/" list and Settings; the labels: the lists'
// filter, the chat header's menu, search and Settings): read on first use, read
// again after a change, forgotten at sign-out, with listeners for each new list.

export class ReadOnceStore {
  /**
   * @param {() => Promise<{items: object[]}>} read the GET that answers {items}
   * @param {(a, b) => number} order how the items are kept
   */
  constructor(read, order) {
    this.read = read;
    this.order = order;
    this.items = null; // null: not read yet
    this.pending = null;
    this.generation = 0; // a read that answers after forget() is dropped
    this.listeners = new Set();
  }

  /** The list, read on first use; a failed read is tried again next time. */
  load() {
    if (this.items) return Promise.resolve(this.items);
    const generation = this.generation;
    this.pending ||= this.read()
      .then(({ items }) => (generation === this.generation ? this.set(items) : []))
      .finally(() => { if (generation === this.generation) this.pending = null; });
    return this.pending;
  }

  /** Read again (after an edit here, or to show what others changed). */
  reload() {
    this.generation++;
    this.items = null;
    this.pending = null;
    return this.load();
  }

  /** The list changed: `callback(items)`. Returns a function that stops listening. */
  onChange(callback) {
    this.listeners.add(callback);
    return () => this.listeners.delete(callback);
  }

  /** Signed out: nothing of this agent's list stays for the next one. */
  forget() {
    this.generation++;
    this.items = null;
    this.pending = null;
  }

  /** A new list (read, or known from an answer): kept in order, and told. */
  set(items) {
    this.items = [...items].sort(this.order);
    for (const callback of this.listeners) callback(this.items);
    return this.items;
  }
}
