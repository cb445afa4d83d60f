// The lists' REST side, with true counts and paging past the first screen:
// the queue a page at a time (oldest first; `total` says how many wait in
// all; "Show more" asks for the next page by offset), my chats, and the
// closed chats back in time ("Load older": before = updated_at of the last).
// For admins also every open chat, whoever holds it, and the team (whose
// presence says whether a holder is there): "All open".

import { queueKey } from './inbox.js';
import { limits } from './limits.js';

/**
 * The list reads a filter of the lists needs ({filter: 'all'|'unread'|'waiting', label: id|'', tab}):
 * the open chats the server lists under it, mine (admins: everyone's), so that none beyond the
 * pages loaded is missed; on Closed (where only the label filters) the closed chats with the label.
 * Each is the query of api.conversations(); none when nothing filters.
 */
export function filteredQueries({ filter = 'all', label = '', tab = 'mine' }, { admin = false, limit } = {}) {
  const labelled = label ? { label } : {};
  if (tab === 'closed') return label ? [{ status: 'closed', limit, ...labelled }] : [];
  const flag = filter === 'unread' ? { unread: true } : filter === 'waiting' ? { awaitingReply: true } : {};
  if (!label && !Object.keys(flag).length) return [];
  const assigned = admin ? ['me', 'any'] : ['me'];
  return assigned.map((who) => ({ status: 'agent', assigned: who, limit, ...flag, ...labelled }));
}

const QUEUE_PAGE = 50;
const CLOSED_PAGE = 50;
// The API's largest page (agent/me `limits`); without it, one page of ours.
const maxLimit = () => limits().list_max_limit ?? QUEUE_PAGE;

export class Lists {
  /** @param {{api, inbox}} deps */
  constructor({ api, inbox, admin = false }) {
    this.api = api;
    this.inbox = inbox;
    this.admin = admin;
    this.queueLimit = QUEUE_PAGE; // how much of the queue we show (grows with "Show more")
    this.queueBoundary = null; // queueKey of the last chat the server listed for us
    this.queueHidden = 0; // waiting chats beyond what we loaded
    this.closedLoaded = false;
    this.closedCursor = null;
    this.closedMore = false;
  }

  /** How many chats wait in the queue, loaded or not. */
  get queueCount() {
    return this.inbox.queue().length + this.queueHidden;
  }

  /** The queue (as far as shown) and my chats. Returns {cursor, newInQueue}. */
  async load(keep) {
    const { api, inbox } = this;
    const max = maxLimit();
    const [queue, mine, open, team] = await Promise.all([
      api.queue({ limit: Math.min(this.queueLimit, max) }),
      api.conversations({ status: 'agent', assigned: 'me', limit: max }),
      this.admin ? api.conversations({ status: 'agent', assigned: 'any', limit: max }) : null,
      this.admin ? api.agents().catch(() => null) : null, // the holders' presence: nice to have
    ]);
    const last = queue.items[queue.items.length - 1];
    const complete = queue.items.length >= queue.total;
    const newInQueue = inbox.replace('queue', queue.items, keep, complete || !last ? null : queueKey(last));
    inbox.replace('mine', mine.items, keep);
    if (open) inbox.replace('open', open.items.filter((c) => c.assigned_agent_id), keep);
    for (const agent of team?.items || []) inbox.noteAgent(agent);
    // Past the largest page a refresh covers less than we show: keep the farther boundary.
    if (!last) this.queueBoundary = null;
    else if (this.queueLimit <= max || !this.queueBoundary || queueKey(last) > this.queueBoundary) this.queueBoundary = queueKey(last);
    this.#recount(queue.total);
    const cursors = [queue.last_event_id, mine.last_event_id, open?.last_event_id].filter((v) => v !== undefined && v !== null);
    return { cursor: Math.min(...cursors), newInQueue };
  }

  /** A filter of the lists chosen ({filter, label, tab}): what filteredQueries() reads, kept. */
  async loadFiltered(chosen) {
    const queries = filteredQueries(chosen, { admin: this.admin, limit: maxLimit() });
    const pages = await Promise.all(queries.map((q) => this.api.conversations(q)));
    for (const page of pages) {
      for (const item of page.items) this.inbox.upsert(item);
      this.inbox.takeUnread(page.items);
    }
  }

  /** "Show more": the next page of the queue. */
  async moreQueue() {
    const { inbox } = this;
    const bound = this.queueBoundary;
    const offset = bound ? inbox.queue().filter((c) => queueKey(c) <= bound).length : 0;
    const page = await this.api.queue({ limit: QUEUE_PAGE, offset });
    for (const item of page.items) inbox.upsert(item);
    inbox.takeUnread(page.items);
    const last = page.items[page.items.length - 1];
    if (last) this.queueBoundary = queueKey(last);
    this.queueLimit = Math.max(this.queueLimit, offset + QUEUE_PAGE);
    this.#recount(page.total);
  }

  /** A chat we never loaded left the queue (claimed by someone). */
  leftQueueUnseen() {
    this.queueHidden = Math.max(0, this.queueHidden - 1);
  }

  #recount(total) {
    this.queueHidden = Math.max(0, total - this.inbox.queue().length);
  }

  /** The newest closed chats (first time, and now and then while polling). */
  async loadClosed(keep) {
    const page = await this.api.conversations({ status: 'closed', limit: CLOSED_PAGE });
    this.inbox.replace('closed', page.items, keep);
    if (!this.closedLoaded) {
      this.closedCursor = page.items[page.items.length - 1]?.updated_at || null;
      this.closedMore = page.items.length === CLOSED_PAGE;
    }
    this.closedLoaded = true;
  }

  /** "Load older": the closed chats before the oldest we have. */
  async olderClosed() {
    if (!this.closedCursor) return;
    const page = await this.api.conversations({ status: 'closed', limit: CLOSED_PAGE, before: this.closedCursor });
    for (const item of page.items) this.inbox.upsert(item);
    this.inbox.takeUnread(page.items);
    this.closedCursor = page.items[page.items.length - 1]?.updated_at || this.closedCursor;
    this.closedMore = page.items.length === CLOSED_PAGE;
  }
}
