// The messages of one conversation as the page knows them: confirmed ones
// (server ids) in server order, then the page's own pending sends. The same
// message may arrive three ways (the send's answer, the event stream, a poll);
// it is kept once, matched by id or by the client_message_id the page chose.
// A message seen again keeps its entry; only its files' links are taken from
// the newer copy (signed links expire; every answer hands out fresh ones).

export class MessageLog {
  constructor() {
    this.clear();
  }

  clear() {
    this.confirmed = []; // entries, server order
    this.pending = []; // entries not yet confirmed, in send order
    this.byId = new Map();
    this.byClientId = new Map();
    this.listCursor = null;
    this.version = 0;
  }

  /** Every entry to show: {key, message, status: 'sent'|'sending'|'failed', error}. */
  entries() {
    return this.confirmed.concat(this.pending);
  }

  get size() {
    return this.confirmed.length + this.pending.length;
  }

  /**
   * The `after` cursor for polling: the newest message of the last *complete*
   * list read (bootstrap or poll), never one that came alone (a send's answer,
   * an event): a message committed just before it would be skipped.
   */
  cursor() {
    return this.listCursor;
  }

  /** Notes that `messages` were a complete, ordered list read: polling continues after them. */
  pageRead(messages) {
    if (messages && messages.length > 0) this.listCursor = messages[messages.length - 1].id;
  }

  /** Upserts a complete, ordered list read and moves the cursor. */
  upsertPage(messages) {
    for (const m of messages) this.upsert(m);
    this.pageRead(messages);
  }

  has(id) {
    return this.byId.has(id);
  }

  /** Adds an optimistic message the page is sending. */
  addPending(clientId, fields) {
    const entry = {
      key: `c:${clientId}`,
      status: 'sending',
      error: null,
      message: { id: null, client_message_id: clientId, created_at: new Date().toISOString(), metadata: null, ...fields },
    };
    this.pending.push(entry);
    this.byClientId.set(clientId, entry);
    this.version++;
    return entry;
  }

  pendingEntry(clientId) {
    const entry = this.byClientId.get(clientId);
    return entry && entry.status !== 'sent' ? entry : null;
  }

  setStatus(clientId, status, error = null) {
    const entry = this.pendingEntry(clientId);
    if (!entry) return null;
    entry.status = status;
    entry.error = error;
    this.version++;
    return entry;
  }

  /** Forgets a pending send (given up). */
  drop(clientId) {
    const entry = this.pendingEntry(clientId);
    if (!entry) return;
    this.pending = this.pending.filter((e) => e !== entry);
    this.byClientId.delete(clientId);
    this.version++;
  }

  /**
   * Adds or confirms a server message. Returns {entry, added} where `added` is
   * true only for a message the page had never seen in any form.
   */
  upsert(message) {
    if (!message || !message.id) return { entry: null, added: false };
    const known = this.byId.get(message.id);
    if (known) {
      this.#renewLinks(known, message);
      return { entry: known, added: false };
    }
    const cid = message.client_message_id;
    const mine = cid ? this.byClientId.get(cid) : null;
    if (mine && mine.status !== 'sent') {
      this.pending = this.pending.filter((e) => e !== mine);
      mine.message = message;
      mine.status = 'sent';
      mine.error = null;
      this.#insert(mine);
      this.byId.set(message.id, mine);
      this.version++;
      return { entry: mine, added: false };
    }
    const entry = { key: `m:${message.id}`, status: 'sent', error: null, message };
    this.#insert(entry);
    this.byId.set(message.id, entry);
    if (cid && !this.byClientId.has(cid)) this.byClientId.set(cid, entry);
    this.version++;
    return { entry, added: true };
  }

  // The newer copy's attachments (same files, fresh signed links) replace the entry's.
  #renewLinks(entry, message) {
    const fresh = message.attachments;
    const held = entry.message.attachments;
    if (!Array.isArray(fresh) || fresh.length === 0 || !Array.isArray(held)) return;
    const later = (a, b) => String(a.url_expires_at || '') > String(b?.url_expires_at || '');
    const byId = new Map(held.map((a) => [a.id, a]));
    if (!fresh.some((a) => a && byId.has(a.id) && later(a, byId.get(a.id)))) return;
    entry.message = { ...entry.message, attachments: fresh };
    this.version++;
  }

  /** Every attachment the log holds, by id (the freshest links of each). */
  attachmentsById() {
    const byId = new Map();
    for (const entry of this.confirmed) {
      for (const a of entry.message.attachments || []) if (a?.id) byId.set(a.id, a);
    }
    return byId;
  }

  // Server times are uniform ISO strings, so they compare as strings. Ties
  // (a customer message and the bot's answer share a timestamp) keep arrival
  // order, which is server order.
  #insert(entry) {
    const at = entry.message.created_at;
    let i = this.confirmed.length;
    while (i > 0 && this.confirmed[i - 1].message.created_at > at) i--;
    this.confirmed.splice(i, 0, entry);
  }
}
