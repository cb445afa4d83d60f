// The Contacts page's list and what it names (contacts.js), apart from the
// page so that node's tests can load them: the pages of one search at a
// time, and the file name of a contact's export.

export const PAGE = 50;

/**
 * The list's pages for one search at a time: `search(q)` starts over, `more()`
 * asks for the contacts seen before the last one listed. An answer that comes
 * back after a newer search started is dropped, so a slow first search never
 * overwrites the results of the one typed after it.
 */
export class ContactPages {
  /** `fetchPage({q, limit, before})` → {items}: GET /api/v1/agent/contacts. */
  constructor(fetchPage, limit = PAGE) {
    this.fetchPage = fetchPage;
    this.limit = limit;
    this.query = '';
    this.items = [];
    this.hasMore = false;
    this.loaded = false; // the current search has answered at least once
    this.loading = null; // 'search' | 'more' while a request is out
    this.generation = 0;
  }

  /** A new search (or the same one again, fresh). Resolves to false when a newer one overtook it. */
  async search(q) {
    const generation = ++this.generation;
    this.query = q.trim();
    this.loading = 'search';
    try {
      const page = await this.fetchPage({ q: this.query || undefined, limit: this.limit });
      if (generation !== this.generation) return false;
      this.items = [];
      this.#add(page.items);
      this.loaded = true;
      return true;
    } finally {
      if (generation === this.generation) this.loading = null;
    }
  }

  /** The next page of the current search. Resolves to false when there was none to ask for, or a search overtook it. */
  async more() {
    const last = this.items[this.items.length - 1];
    if (!this.hasMore || this.loading || !last) return false;
    const generation = this.generation;
    this.loading = 'more';
    try {
      const page = await this.fetchPage({ q: this.query || undefined, limit: this.limit, before: last.last_seen_at });
      if (generation !== this.generation) return false;
      this.#add(page.items);
      return true;
    } finally {
      if (generation === this.generation) this.loading = null;
    }
  }

  #add(items) {
    const known = new Set(this.items.map((c) => c.id));
    for (const item of items) if (!known.has(item.id)) this.items.push(item);
    this.hasMore = items.length >= this.limit;
  }

  /** A contact changed (an agent corrected it): the list shows the new name or e-mail. */
  update(contact) {
    const i = this.items.findIndex((c) => c.id === contact.id);
    if (i >= 0) this.items[i] = { ...this.items[i], ...contact };
  }

  /** A contact was erased: it leaves the list. */
  remove(id) {
    this.items = this.items.filter((c) => c.id !== id);
  }

  /** Signed out: nothing of one agent's searches stays for the next. */
  reset() {
    this.generation++;
    Object.assign(this, { query: '', items: [], hasMore: false, loaded: false, loading: null });
  }
}

/** A file name for contact `contact`'s export: "contact-jane-doe-2026-12-07.json". */
export function exportName(contact, now = new Date()) {
  const words = (contact.name || contact.external_id || contact.id || 'contact').normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'contact';
  return `contact-${words}-${now.toISOString().slice(0, 10)}.json`;
}
