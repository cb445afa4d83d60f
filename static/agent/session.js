// One signed-in console, from sign-in to sign-out or expiry: the lists
// (inbox.js, drawn by sidebar.js, loaded and paged by lists.js), the open
// conversation (conversation.js) and who it is with (contactpanel.js);
// live.js and events.js keep them current. What needs the agent gets their
// attention (alerts.js: a chime, a desktop notification: a chat waiting or
// handed to them, a customer's message, a note that mentions them) and the
// tab's title counts their unread customer messages; opening a chat marks it
// read (unread.js). The team's private notes (notes.js) and the transfer
// dialog (transfer.js) live here too; the empty lists say what to expect from
// the routing (routing.js: GET agent/me says the mode). The team's labels
// (labels.js) show on the rows and the chat header, and filter the lists.

import { ApiError } from '../js/api.js';
import { $ } from '../js/dom.js';
import { TypingWatch } from '../js/typing.js';
import { alertAgent } from './alerts.js';
import { renderPresence, toast } from './chrome.js';
import { ContactPanel } from './contactpanel.js';
import { ConversationPane } from './conversation.js';
import { customerName, endsWithOfflineNote, previewOf, shopperWords } from './convinfo.js';
import { applyEvent } from './events.js';
import { Inbox } from './inbox.js';
import { Lists } from './lists.js';
import { LiveUpdates } from './live.js';
import { Mentions, NoteBook } from './notes.js';
import { RoutingGuess, emptyStates, routingMode } from './routing.js';
import { Sidebar } from './sidebar.js';
import { TransferDialog } from './transfer.js';
import { ReadMarker } from './unread.js';

export const BASE_TITLE = 'Switchboard Console';

/** The tab's title: how many customer messages the agent has not read, first. */
export const titleFor = (unread) => (unread > 0 ? `(${unread}) ${BASE_TITLE}` : BASE_TITLE);

// How long a claim or a first reply of this console counts as its own (the server's
// agent.assigned may come before or after the answer): such an assignment is no news.
const OWN_MS = 15000;
// At most this many offline messages' words are fetched at once (session.#wantWords).
const WORDS_AT_ONCE = 3;

// Is the agent looking at the open conversation right now?
const viewing = () => document.visibilityState === 'visible';

export class ConsoleSession {
  /**
   * @param {{api, me, contactEditor, canned, labels, onMe: (agent) => void, onAgent?: (agent) => void, onExpired: () => void}} deps
   *   contactEditor: the page's "Edit contact" dialog (contactedit.js); canned: the canned replies (canned.js CannedStore);
   *   labels: the team's labels (labels.js LabelStore);
   *   onMe: the server's fresh view of the signed-in agent (GET me, with `limits`), to keep here in `me` too;
   *   onAgent: any agent's new presence (agent.presence.changed), for the team list.
   */
  constructor({ api, me, contactEditor, canned, labels, onMe, onAgent = () => {}, onExpired }) {
    this.api = api;
    this.labels = labels;
    this.me = me;
    this.onMe = onMe;
    this.onAgent = onAgent;
    this.stopped = false;
    this.pollRounds = 0;
    this.hydrating = new Set();
    this.timers = [];
    this.admin = me.role === 'admin';
    this.routing = new RoutingGuess();
    this.own = new Map(); // conversation id -> until when (ms) a new assignment of it is this console's doing
    this.wordsAsked = new Set(); // offline messages whose words were fetched (or are being)
    this.wordsBusy = 0;
    this.inbox = new Inbox(me);
    this.notes = new NoteBook();
    this.mentions = new Mentions(me.id);
    this.reads = new ReadMarker(api);
    this.handedBy = new Map(); // conversation id -> who transferred it to this agent (conversation.transferred)
    this.lists = new Lists({ api, inbox: this.inbox, admin: this.admin });
    this.paging = null; // 'queue' | 'closed' while "Show more"/"Load older" loads
    this.typing = new TypingWatch(() => this.render());
    // The page's elements outlive a session: its listeners end with it (sign out, sign in
    // again and a button would otherwise act twice).
    this.listeners = new AbortController();
    const signal = this.listeners.signal;
    this.pane = new ConversationPane({
      api, inbox: this.inbox, me, toast, isAdmin: me.role === 'admin', signal, notes: this.notes, canned, labels,
      onChange: () => this.render(),
      onBack: () => this.select(null),
      onClaimed: () => this.sidebar.setTab('mine'),
      onOwn: (id) => this.own.set(id, Date.now() + OWN_MS),
      onTransfer: (conv) => this.transfer.open(conv),
    });
    this.transfer = new TransferDialog({
      api, me, toast, signal,
      onStart: (id, to) => { if (to === me.id) this.own.set(id, Date.now() + OWN_MS); },
      onDone: (conversation) => {
        this.inbox.upsert(conversation);
        this.render();
        $('conv-name').focus(); // the Transfer button may be gone: the chat's name, where the dialog was opened
      },
    });
    this.contactPanel = new ContactPanel({
      api, inbox: this.inbox, me, editor: contactEditor, signal,
      onOpen: (id) => this.select(id),
      onChange: () => this.render(),
    });
    this.sidebar = new Sidebar({
      inbox: this.inbox,
      mentions: this.mentions,
      labels,
      signal,
      onFilter: () => {
        this.render();
        this.#loadFiltered();
      },
      admin: this.admin,
      onSelect: (id) => this.select(id),
      onTab: (tab) => {
        if (tab === 'closed' && !this.lists.closedLoaded) this.loadClosed();
        if (this.sidebar.label) this.#loadFiltered();
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

  /** A filter chosen: the chats the server lists under it that the pages loaded do not hold. */
  #loadFiltered() {
    const { filter, label, tab } = this.sidebar;
    this.lists.loadFiltered({ filter, label, tab }).then(() => this.render(), () => {});
  }

  start() {
    // The team's labels: the rows' chips, the lists' filter (a new list draws everything again).
    const off = this.labels.onChange(() => this.render());
    this.listeners.signal.addEventListener('abort', off, { once: true });
    this.labels.load().catch(() => {}); // without them the chats carry their own copies
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

  /** Opens conversation `id` (null: none) with the cursor in its reply box. */
  select(id) {
    $('app-view').dataset.pane = id ? 'conversation' : 'list';
    if (!id) {
      this.pane.closePane();
      return;
    }
    this.inbox.markRead(id);
    this.reads.mark(id);
    this.mentions.clear(id);
    this.pane.open(id, { focus: true });
    this.render();
  }

  /** Something changed: lists, counts, title. */
  render() {
    if (this.stopped) return;
    const { inbox, pane } = this;
    if (pane.id && viewing()) this.#read(pane.id);
    const { lists } = this;
    const empty = emptyStates(routingMode(this.me, this.routing), this.me.presence);
    this.sidebar.render({
      selectedId: pane.id,
      typing: new Set(this.typing.entries.keys()),
      paging: { queueCount: lists.queueCount, queueMore: lists.queueHidden > 0, closedMore: lists.closedMore, loading: this.paging },
      empty,
    });
    $('pane-empty-title').textContent = empty.pane[0];
    $('pane-empty-sub').textContent = empty.pane[1];
    pane.render();
    this.contactPanel.sync(pane.conv);
    document.title = titleFor(inbox.totalUnread());
    this.#wantWords();
  }

  /** The agent sees chat `id`: what was unread is read, here and on the server (their other tabs follow). */
  #read(id) {
    const unread = this.inbox.unreadOf(id) > 0;
    this.inbox.markRead(id);
    if (unread) this.reads.mark(id);
    if (this.mentions.clear(id)) this.render();
  }

  /** A claim or first reply of this console's own (so its agent.assigned is no news). */
  ownAction(id) {
    const until = this.own.get(id);
    if (until && until > Date.now()) return true;
    this.own.delete(id);
    return false;
  }

  // --- getting the agent's attention ----------------------------------------------------

  #alert(title, id, body) {
    alertAgent(title, { body, tag: id, onClick: () => this.select(id) });
  }

  #previewText(conv) {
    return previewOf(conv?.last_message, { me: this.me.id, agentName: (a) => this.inbox.agentName(a), words: this.inbox.words.get(conv?.id) }).text;
  }

  /** A chat arrived in the queue: flagged unread, and an alert. */
  newInQueue(id) {
    this.inbox.flag(id);
    const conv = this.inbox.get(id);
    this.#alert('A chat is waiting in the queue', id, conv ? `${customerName(conv)}: ${this.#previewText(conv)}` : '');
  }

  /**
   * A chat was assigned to this agent, not by their own claim: the routing did it (or a chat
   * of someone who left came back to them). Flagged unread and an alert, once it is known.
   */
  async assignedToMe(id) {
    const { from, note } = this.handedBy.get(id) || {};
    this.handedBy.delete(id);
    if (!from) this.routing.assignedToMe(); // a transfer says nothing about the routing
    this.inbox.flag(id);
    const conv = this.inbox.get(id) || await this.hydrate(id);
    if (this.stopped) return;
    const title = from ? `${this.inbox.agentName(from)} transferred a chat to you` : 'A chat was assigned to you';
    this.#alert(title, id, conv ? `${customerName(conv)}: ${this.#previewText(conv)}` : '');
    if (from) toast(`${title}: ${conv ? customerName(conv) : 'a customer'}.${note ? ' Their note is in the chat.' : ''}`);
    this.render();
  }

  /**
   * conversation.transferred: to this agent, the agent.assigned that follows says who from;
   * away from this agent by someone else (an admin), they are told.
   */
  transferred({ conversation_id: id, from_agent_id: from, to_agent_id: to }) {
    // A transfer's note comes (note.created) just before the transfer itself.
    const note = this.notes.latest(id)?.author?.id === from;
    if (to === this.me.id && from && from !== this.me.id) this.handedBy.set(id, { from, note });
    if (from === this.me.id && to !== this.me.id && !this.transfer.sentHere(id)) {
      const conv = this.inbox.get(id);
      const where = to ? `to ${this.inbox.agentName(to)}` : 'back to the queue';
      toast(`Your chat with ${conv ? customerName(conv) : 'a customer'} was transferred ${where}.`);
    }
  }

  /** note.mentioned for this agent: a mark on the chat and an alert, until they open it. */
  async mentioned({ conversation_id: id, note_id: noteId }) {
    if (this.pane.id === id && viewing()) return; // reading along
    const author = this.notes.find(noteId)?.author?.display_name || null;
    this.mentions.add({ conversation_id: id, note_id: noteId, author });
    const conv = this.inbox.get(id) || await this.hydrate(id);
    if (this.stopped) return;
    const title = `${author || 'Someone'} mentioned you in a note`;
    this.#alert(title, id, conv ? customerName(conv) : '');
    toast(`${title}${conv ? ` on ${customerName(conv)}` : ''}.`);
    this.render();
  }

  // --- the words of offline messages ------------------------------------------------------
  // A message left while nobody was there ends with the system line that says so: the
  // lists show the shopper's words instead, read from the conversation (a few at a time).

  #wantWords() {
    for (const conv of this.inbox.convs.values()) {
      if (this.wordsBusy >= WORDS_AT_ONCE) return;
      if (conv.status === 'closed' || !endsWithOfflineNote(conv) || this.inbox.words.has(conv.id) || this.wordsAsked.has(conv.id)) continue;
      this.wordsAsked.add(conv.id);
      this.wordsBusy++;
      this.api.messages(conv.id)
        .then((page) => {
          const words = shopperWords(page.messages);
          if (words && !this.stopped) {
            this.inbox.words.set(conv.id, words);
            this.render();
          }
        })
        .catch(() => {}) // the system line stays
        .finally(() => {
          this.wordsBusy--;
          if (!this.stopped) this.#wantWords();
        });
    }
  }

  /** An admin erased a contact (the Contacts page): their chats leave the lists, and the pane if it showed one. */
  contactErased(contactId) {
    const gone = this.inbox.forgetContact(contactId);
    if (gone.includes(this.pane.id)) this.select(null);
    this.render();
  }

  /**
   * A customer wrote: counted unread unless the agent is reading along (then it is read, on
   * the server too); an alert for the chats that are the agent's to answer (queue, mine).
   */
  attention(conversationId, message) {
    if (this.pane.id === conversationId && viewing()) {
      this.reads.mark(conversationId);
      return;
    }
    const conv = this.inbox.get(conversationId);
    if (!conv || conv.status === 'closed') return;
    const list = this.inbox.listOf(conv);
    if (!this.inbox.bump(conversationId, message.id)) return;
    if (list === 'queue' || list === 'mine') this.#alert(customerName(conv), conversationId, message.content);
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
    for (const id of newInQueue) this.newInQueue(id);
    for (const [id, conv] of inbox.convs) {
      const last = conv.last_message;
      if (last && before.has(id) && before.get(id) !== last.id && last.sender_type === 'customer') this.attention(id, last);
    }
    if (this.lists.closedLoaded && this.pollRounds % 3 === 0) await this.loadClosed();
    if (pane.id) await pane.poll();
    this.render();
  }

  /** A conversation we learn about from a summary event: fetch its full view (resolves to it, or null). */
  async hydrate(id) {
    const { hydrating, inbox } = this;
    if (hydrating.has(id)) return null;
    hydrating.add(id);
    try {
      const page = await this.api.messages(id, undefined);
      if (this.stopped) return null;
      const isNew = !inbox.get(id);
      const conv = inbox.upsert(page.conversation);
      if (endsWithOfflineNote(conv)) {
        const words = shopperWords(page.messages);
        if (words) inbox.words.set(id, words);
      }
      if (isNew && inbox.listOf(page.conversation) === 'queue') this.newInQueue(id);
      this.render();
      return conv;
    } catch {
      return null; // the next poll or event will bring it
    } finally {
      hydrating.delete(id);
    }
  }
}
