// One signed-in console, from sign-in to sign-out or expiry: the lists
// (inbox.js, drawn by sidebar.js, loaded and paged by lists.js), the open
// conversation (conversation.js) and who it is with (contactpanel.js);
// live.js and events.js keep them current.

import { ApiError } from '../js/api.js';
import { $ } from '../js/dom.js';
import { TypingWatch } from '../js/typing.js';
import { renderPresence, toast } from './chrome.js';
import { ContactPanel } from './contactpanel.js';
import { ConversationPane } from './conversation.js';
import { applyEvent } from './events.js';
import { Inbox } from './inbox.js';
import { Lists } from './lists.js';
import { LiveUpdates } from './live.js';
import { Sidebar } from './sidebar.js';
import { chime } from './sound.js';

const BASE_TITLE = 'Switchboard Console';

// Is the agent looking at the open conversation right now?
const viewing = () => document.visibilityState === 'visible';

export class ConsoleSession {
  /**
   * @param {{api, me, contactEditor, onMe: (agent) => void, onAgent?: (agent) => void, onExpired: () => void}} deps
   *   contactEditor: the page's "Edit contact" dialog (contactedit.js);
   *   onMe: the server's fresh view of the signed-in agent (GET me, with `limits`), to keep here in `me` too;
   *   onAgent: any agent's new presence (agent.presence.changed), for the team list.
   */
  constructor({ api, me, contactEditor, onMe, onAgent = () => {}, onExpired }) {
    this.api = api;
    this.me = me;
    this.onMe = onMe;
    this.onAgent = onAgent;
    this.stopped = false;
    this.pollRounds = 0;
    this.hydrating = new Set();
    this.timers = [];
    this.inbox = new Inbox(me);
    this.lists = new Lists({ api, inbox: this.inbox });
    this.paging = null; // 'queue' | 'closed' while "Show more"/"Load older" loads
    this.typing = new TypingWatch(() => this.render());
    // The page's elements outlive a session: its listeners end with it (sign out, sign in
    // again and a button would otherwise act twice).
    this.listeners = new AbortController();
    const signal = this.listeners.signal;
    this.pane = new ConversationPane({
      api, inbox: this.inbox, me, toast, isAdmin: me.role === 'admin', signal,
      onChange: () => this.render(),
      onBack: () => this.select(null),
      onClaimed: () => this.sidebar.setTab('mine'),
    });
    this.contactPanel = new ContactPanel({
      api, inbox: this.inbox, me, editor: contactEditor, signal,
      onOpen: (id) => this.select(id),
      onChange: () => this.render(),
    });
    this.sidebar = new Sidebar({
      inbox: this.inbox,
      signal,
      onSelect: (id) => this.select(id),
      onTab: (tab) => {
        if (tab === 'closed' && !this.lists.closedLoaded) this.loadClosed();
        this.render();
      },
      onMore: (tab) => this.#more(tab),
    });
    this.live = new LiveUpdates({
      api,
      poll: () => this.#pollRound(),
      onEvent: (name, data) => {
        if (applyEvent(this, name, data)) this.render();
      },
      onReset: () => this.#refetchAll(),
      onExpired,
    });
    this.onVisible = () => {
      if (document.visibilityState === 'visible') {
        this.render();
        this.live.kick();
      }
    };
  }

  start() {
    // Keep "waiting 4 min" honest, and catch up when the tab comes back.
    this.timers.push(setInterval(() => this.render(), 30000));
    document.addEventListener('visibilitychange', this.onVisible);
    this.render();
    this.#boot();
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true;
    this.live.stop();
    for (const t of this.timers) {
      clearTimeout(t);
      clearInterval(t);
    }
    document.removeEventListener('visibilitychange', this.onVisible);
    this.listeners.abort();
    this.pane.closePane();
    this.contactPanel.reset();
    document.title = BASE_TITLE;
  }

  select(id) {
    $('app-view').dataset.pane = id ? 'conversation' : 'list';
    if (!id) {
      this.pane.closePane();
      return;
    }
    this.inbox.markRead(id);
    this.pane.open(id);
    this.render();
  }

  /** Something changed: lists, counts, title. */
  render() {
    if (this.stopped) return;
    const { inbox, pane } = this;
    if (pane.id && viewing()) inbox.markRead(pane.id);
    const { lists } = this;
    this.sidebar.render({
      selectedId: pane.id,
      typing: new Set(this.typing.entries.keys()),
      paging: { queueCount: lists.queueCount, queueMore: lists.queueHidden > 0, closedMore: lists.closedMore, loading: this.paging },
    });
    pane.render();
    this.contactPanel.sync(pane.conv);
    const total = inbox.totalUnread();
    document.title = total > 0 ? `(${total}) ${BASE_TITLE}` : BASE_TITLE;
  }

  /** An admin erased a contact (the Contacts page): their chats leave the lists, and the pane if it showed one. */
  contactErased(contactId) {
    const gone = this.inbox.forgetContact(contactId);
    if (gone.includes(this.pane.id)) this.select(null);
    this.render();
  }

  /** A customer wrote: count it unread (and chime) unless the agent is reading along. */
  attention(conversationId, message) {
    if (this.pane.id === conversationId && viewing()) return;
    const conv = this.inbox.get(conversationId);
    if (!conv) return;
    const list = this.inbox.listOf(conv);
    if (list !== 'queue' && list !== 'mine') return;
    if (this.inbox.bump(conversationId, message.id)) chime();
  }

  // --- loading over REST ---------------------------------------------------------------

  #loadLists() {
    return this.lists.load(this.pane.id);
  }

  async loadClosed() {
    try {
      await this.lists.loadClosed(this.pane.id);
      this.render();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast("Couldn't load closed conversations.", 'error');
    }
  }

  // "Show more" (queue) and "Load older" (closed).
  async #more(tab) {
    if (this.paging) return;
    this.paging = tab;
    this.render();
    try {
      if (tab === 'queue') await this.lists.moreQueue();
      else await this.lists.olderClosed();
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) toast("Couldn't load more conversations.", 'error');
    } finally {
      this.paging = null;
      this.render();
    }
  }

  /**
   * agent.session_revoked for this agent: a disabled account, a password
   * reset by an admin, or this agent's own password change (which ends the
   * *other* sessions). Asking the server tells them apart: a 401 signs out.
   */
  async revoked(agentId) {
    if (agentId !== this.me.id || this.stopped) return;
    try {
      await this.api.me();
    } catch {
      // a 401 has signed out already (agentApi's handler); anything else: the next call decides
    }
  }

  async #boot() {
    try {
      const answer = await this.api.me(); // the agent and the console's limits: onMe keeps both (this.me too)
      this.onMe(answer);
      renderPresence(answer.presence);
      const { cursor } = await this.#loadLists();
      if (this.stopped) return;
      this.render();
      this.live.start(cursor);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      toast(err instanceof ApiError ? err.detail : "Can't reach the server. Retrying…", 'error');
      this.timers.push(setTimeout(() => { if (!this.stopped) this.#boot(); }, 4000));
    }
  }

  // The stream lost its place: load everything again and resume from there.
  async #refetchAll() {
    try {
      const { cursor } = await this.#loadLists();
      if (this.lists.closedLoaded) await this.loadClosed();
      if (this.pane.id) await this.pane.open(this.pane.id);
      this.render();
      this.live.restartFrom(cursor);
    } catch {
      this.live.fallBack();
    }
  }

  // Polling while the stream is down: the lists and the open conversation.
  async #pollRound() {
    const { inbox, pane } = this;
    this.pollRounds++;
    const before = new Map([...inbox.convs].map(([id, c]) => [id, c.last_message?.id]));
    const { newInQueue } = await this.#loadLists();
    for (const id of newInQueue) {
      inbox.flag(id);
      chime();
    }
    for (const [id, conv] of inbox.convs) {
      const last = conv.last_message;
      if (last && before.has(id) && before.get(id) !== last.id && last.sender_type === 'customer') this.attention(id, last);
    }
    if (this.lists.closedLoaded && this.pollRounds % 3 === 0) await this.loadClosed();
    if (pane.id) await pane.poll();
    this.render();
  }

  /** A conversation we learn about from a summary event: fetch its full view. */
  async hydrate(id) {
    const { hydrating, inbox } = this;
    if (hydrating.has(id)) return;
    hydrating.add(id);
    try {
      const page = await this.api.messages(id, undefined);
      const isNew = !inbox.get(id);
      inbox.upsert(page.conversation);
      if (isNew && inbox.listOf(page.conversation) === 'queue') {
        inbox.flag(id);
        chime();
      }
      this.render();
    } catch {
      // the next poll or event will bring it
    } finally {
      hydrating.delete(id);
    }
  }
}
