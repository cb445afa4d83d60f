// The customer's conversation: state, REST calls, the event stream and its
// polling fallback. The view reads `chat.state` and re-renders on change;
// nothing here touches the DOM.

import { ApiError, customerApi } from '../js/api.js';
import { newClientId } from '../js/ids.js';
import { clip, tooLong } from '../js/limits.js';
import { MessageLog } from '../js/messagelog.js';
import { FallbackPoller } from '../js/poll.js';
import { EventStream, State } from '../js/sse.js';
import { TypingSender, TypingWatch } from '../js/typing.js';
import { parseAttachmentLimits, uploadFile } from '../js/upload.js';
import { HOLDER_ACTIVE_MS } from './availability.js';
import { guardSession, identityAction, identityApi, identityProblem, isSessionGone, sessionRecord, tokenSubject } from './identity.js';
import { clearSession, loadSession, saveSession } from './session.js';

export class Chat {
  /**
   * @param {{onChange: () => void, onIncoming: (message) => void, onStarted?: (conversation, identity) => void,
   *   onKnown?: (conversation, contact) => void, onSignedOut?: () => void, onFresh?: () => void}} hooks
   *   onIncoming: a message from the other side arrived live (not history).
   *   onStarted: a new conversation was started, with the identity it was started with.
   *   onKnown: a signed-in customer's conversation is shown, with their contact ({name, email}).
   *   onSignedOut: the signed-in customer is gone (logout, revoked): forget what they told us.
   *   onFresh: the session is gone and nothing replaced it: start a new chat if it is on screen.
   *   onLeaveMessage: the bot answered the shopper's message by offering to leave a message
   *   (metadata.event "leave_message": they asked for a person while nobody is there).
   *   onAvailability: the stream said whether anyone is there changed (availability.changed,
   *   widget-config's `availability` object).
   */
  constructor({ onChange, onIncoming, onStarted = () => {}, onKnown = () => {}, onSignedOut = () => {}, onFresh = () => {},
    onLeaveMessage = () => {}, onAvailability = () => {} }) {
    this.onChange = onChange;
    this.onAvailability = onAvailability;
    this.onLeaveMessage = onLeaveMessage;
    this.leaveOffers = new Set(); // the bot messages whose offer was acted on (a retry's answer repeats one)
    this.onIncoming = onIncoming;
    this.onStarted = onStarted;
    this.onKnown = onKnown;
    this.onSignedOut = onSignedOut;
    this.onFresh = onFresh;
    this.session = loadSession(); // {sessionId, conversationId, externalId?}: externalId for a signed-in customer
    this.confirmedSub = null; // the signed-in customer this page view saw the server accept
    this.limits = {}; // the server's (widget-config), once known
    this.attachmentLimits = parseAttachmentLimits(null); // widget-config's `attachments`: none until it says
    this.linksRead = null; // {promise, at}: the last re-read for fresh file links
    const sessionId = () => this.session?.sessionId || '';
    // A call answered 401 invalid_session: signed out (elsewhere, or erased), or merged into a sign-in.
    this.api = guardSession(customerApi(sessionId), sessionId, (id) => this.#sessionGone(id));
    this.identityApi = identityApi();
    this.log = new MessageLog();
    this.state = {
      phase: 'idle', // idle (nothing started) | loading | ready | error
      conversation: null,
      quickQuestions: [],
      showTalkToAgent: false,
      connection: State.CLOSED,
      escalating: false,
      startingNew: false,
      error: null,
      notice: null,
      agentTyping: null, // {name}
      holderSeen: null, // {agentId, at}: the holder acted in the chat, live (availability.js holderStatus)
    };
    this.holderTimer = null;
    this.agentNames = new Map();
    this.stream = null;
    this.loading = null;
    this.poller = new FallbackPoller(() => this.#poll(), { interval: 3000 });
    this.typingWatch = new TypingWatch(() => {
      const t = this.typingWatch.get('agent');
      this.state.agentTyping = t ? { name: t.name } : null;
      this.#changed();
    });
    this.typingSender = new TypingSender((typing) => {
      const c = this.state.conversation;
      if (!c || c.status !== 'agent') return null;
      return this.api.typing(c.id, typing);
    });
    addEventListener('online', () => this.#retryFailed());
    document.addEventListener('visibilitychange', () => { if (!document.hidden) this.poller.kick(); });
  }

  /**
   * A guest's name and e-mail, as the host page told us (Switchboard.identify
   * without a token): sent with `start` when a conversation starts. Resolves,
   * once any start or resume under way has finished, to the hints as the
   * server takes them ({displayName?, email?}), so that a conversation that
   * already exists can be given them too (contact.js).
   */
  identify({ name, email }) {
    this.identity = {
      displayName: typeof name === 'string' && name.trim() ? name.trim() : undefined,
      email: typeof email === 'string' && email.includes('@') ? email.trim() : undefined,
    };
    return this.#once(async () => this.#startIdentity());
  }

  // The identity as the server takes it: a long name shortened, an address too long to be one left out.
  // (A signed-in customer's are the identity token's: no hints.)
  #startIdentity() {
    if (this.session?.externalId) return {};
    const { displayName, email } = this.identity || {};
    return {
      displayName: displayName && clip(displayName, this.limits.display_name_max_chars),
      email: email && !tooLong(email, this.limits.email_max_chars) ? email : undefined,
    };
  }

  get conversation() {
    return this.state.conversation;
  }

  /** A signed-in (known) customer's session is held. */
  get signedIn() {
    return Boolean(this.session?.externalId);
  }

  #changed() {
    this.onChange();
  }

  // --- start / resume -------------------------------------------------------

  /** On load: show a conversation this browser already has. Creates nothing. */
  resume() {
    return this.#once(() => this.#resume());
  }

  /** When the widget opens: resume, or start a conversation (bot welcome). */
  ensureStarted() {
    return this.#once(async () => {
      if (this.state.phase === 'ready') return;
      if (this.session?.conversationId && (await this.#resume())) return;
      if (this.state.phase === 'idle') await this.#start(false);
    });
  }

  /** Try again after a failed load. */
  retryLoad() {
    this.state.phase = 'idle';
    return this.ensureStarted();
  }

  // One load at a time: a second caller waits for the first, then gets its turn.
  async #once(task) {
    while (this.loading) await this.loading;
    this.loading = task();
    try {
      return await this.loading;
    } finally {
      this.loading = null;
    }
  }

  async #resume() {
    const saved = this.session;
    if (!saved?.conversationId || this.state.phase === 'ready') return this.state.phase === 'ready';
    this.state.phase = 'loading';
    this.#changed();
    try {
      const page = await this.api.messages(saved.conversationId);
      await this.#show(page.conversation, page.messages, page.last_event_id);
      return true;
    } catch (err) {
      if (err instanceof ApiError && saved.externalId && (err.status === 403 || err.status === 404)) {
        // A signed-in customer's conversation that is gone (erased, merged): the session still
        // is theirs, and `start` finds their open conversation.
        this.session = { ...saved, conversationId: null };
        saveSession(this.session);
        this.state.phase = 'idle';
        this.#changed();
        return false;
      }
      if (err instanceof ApiError && (err.status === 403 || err.status === 404 || err.status === 401)) {
        // The conversation is gone (another database) or not ours: start clean later.
        // (A session gone for good has been forgotten already: #sessionGone.)
        this.#forgetStored(saved.sessionId);
        if (this.session?.sessionId === saved.sessionId) this.session = null;
        this.state.phase = 'idle';
        this.#changed();
        return false;
      }
      this.#fail(err);
      return false;
    }
  }

  // Removes the stored session, unless another tab has replaced it by now.
  #forgetStored(sessionId) {
    const stored = loadSession();
    if (!stored || stored.sessionId === sessionId) clearSession();
  }

  /** "Start a new conversation" after one closed. */
  async startNew() {
    this.state.startingNew = true;
    this.#changed();
    try {
      await this.#start(true);
    } finally {
      this.state.startingNew = false;
      this.#changed();
    }
  }

  /** The session was changed by another tab. */
  async adopt(saved) {
    if (!saved) {
      // Another tab signed the customer out: this one follows (and waits for what comes next).
      if (this.session?.externalId) this.#clearLocal();
      return;
    }
    if (saved.sessionId === this.session?.sessionId && saved.conversationId === this.state.conversation?.id) return;
    // A signed-in tab does not fall back to a guest's chat another tab started meanwhile: the
    // server tells this one when its session ends (customer.session_revoked, or a 401).
    if (this.session?.externalId && !saved.externalId) return;
    if (saved.sessionId !== this.session?.sessionId) this.confirmedSub = null;
    this.session = saved;
    this.#reset();
    this.state.phase = 'idle';
    if (saved.conversationId) await this.resume();
    this.#changed();
  }

  // --- known customers (identity.js) ------------------------------------------------

  /**
   * The host page identified a customer with the shop's identity token: sign
   * in (carrying an anonymous chat along), resume the session this browser
   * already has for them, or switch from another customer. Resolves to null,
   * or, when the sign-in failed, {status, code, reason?} (the chat then goes
   * on as a guest's).
   */
  signIn(token) {
    return this.#once(() => this.#signIn(token));
  }

  async #signIn(token) {
    const sub = tokenSubject(token);
    const { action, carry } = identityAction(this.session, sub, this.confirmedSub);
    if (action === 'keep') return null;
    if (action === 'resume') {
      const sessionId = this.session.sessionId;
      try {
        const answer = await this.api.start({ sessionId });
        if (answer.contact?.external_id === sub) {
          await this.#showKnown(answer, sessionId, sub);
          return null;
        }
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 401)) return identityProblem(err); // keep what is shown
      }
      // The server no longer takes this session (signed out, erased): sign in again.
      this.#clearLocal();
      return this.#login(token, undefined, sub);
    }
    if (action === 'switch') {
      await this.#logoutHeld();
      return this.#login(token, undefined, sub);
    }
    return this.#login(token, carry, sub);
  }

  async #login(token, carry, sub) {
    try {
      const answer = await this.identityApi.login(token, carry);
      if (carry && this.session?.sessionId === carry) this.stream?.stop(); // that session ends now
      await this.#showKnown(answer, answer.customer_session_id, sub);
      return null;
    } catch (err) {
      // Nothing was written: the guest's chat (if any) goes on as it was.
      return identityProblem(err);
    }
  }

  // A login or start answer for a signed-in customer: keep its session, show its conversation.
  async #showKnown(answer, sessionId, sub) {
    const conv = answer.conversation;
    const record = sessionRecord(answer, sessionId);
    if (!record.externalId) record.externalId = sub;
    const same = this.state.phase === 'ready' && this.session?.sessionId === record.sessionId &&
      this.state.conversation?.id === conv.id;
    this.session = record;
    saveSession(record);
    this.confirmedSub = record.externalId;
    const contact = answer.contact || {};
    this.identity = {
      displayName: typeof contact.name === 'string' && contact.name ? contact.name : undefined,
      email: typeof contact.email === 'string' && contact.email ? contact.email : undefined,
    };
    this.onKnown(conv, { name: this.identity.displayName, email: this.identity.email });
    if (same) {
      // Still the conversation on screen (a resume): bring it up to date, keep the stream.
      this.#setConversation(conv);
      for (const m of answer.messages || []) this.#ingest(m, false);
      this.log.pageRead(answer.messages || []);
      if (conv.status === 'automated') {
        this.state.quickQuestions = answer.quick_questions || [];
        this.state.showTalkToAgent = Boolean(answer.show_talk_to_agent);
      }
      this.#changed();
      return;
    }
    this.#reset();
    await this.#show(conv, answer.messages, answer.last_event_id, answer);
  }

  /**
   * The host page signed the customer out: log this session out on the
   * server, then forget everything (session, conversation, what they told
   * us). Nothing happens for a guest. Resolves to whether someone was signed out.
   */
  signOut() {
    return this.#once(async () => {
      if (!this.session?.externalId) return false;
      await this.#logoutHeld();
      return true;
    });
  }

  async #logoutHeld() {
    const sessionId = this.session.sessionId;
    this.stream?.stop(); // the server ends it anyway (customer.session_revoked)
    this.stream = null;
    this.poller.stop();
    try {
      await this.identityApi.logout(sessionId);
    } catch {
      // 401: already gone. Anything else: this browser forgets it all the same.
    }
    if (this.session?.sessionId === sessionId) this.#clearLocal();
  }

  // Forgets the held session and all that went with it; the chat goes back to nothing started.
  #clearLocal() {
    const held = this.session;
    if (held) this.#forgetStored(held.sessionId);
    this.session = null;
    this.confirmedSub = null;
    this.#reset();
    this.state.phase = 'idle';
    this.state.error = null;
    this.state.quickQuestions = [];
    this.state.showTalkToAgent = false;
    this.state.connection = State.CLOSED;
    if (held?.externalId) {
      this.identity = null;
      this.onSignedOut();
    }
    this.#changed();
  }

  // The server no longer takes session `id` (a 401 invalid_session, or customer.session_revoked
  // on the stream): forget it; then show the chat another tab has by now, or a fresh one.
  #sessionGone(id) {
    if (!id || this.session?.sessionId !== id) return; // moved on already
    this.#clearLocal();
    setTimeout(() => {
      if (this.session) return;
      const saved = loadSession();
      if (saved) this.adopt(saved);
      else this.onFresh();
    }, 0);
  }

  async #start(forceNew) {
    if (!forceNew) {
      this.state.phase = 'loading';
      this.state.error = null;
      this.#changed();
    }
    const used = this.session?.sessionId;
    try {
      const identity = this.#startIdentity();
      const answer = await this.api.start({ sessionId: used, forceNew, ...identity });
      const conv = answer.conversation;
      this.session = sessionRecord(answer, used);
      saveSession(this.session);
      this.#reset();
      if (this.session.externalId) {
        this.confirmedSub = this.session.externalId;
        const contact = answer.contact || {};
        this.onKnown(conv, { name: contact.name || undefined, email: contact.email || undefined });
      } else {
        this.onStarted(conv, identity);
      }
      await this.#show(conv, answer.messages, answer.last_event_id, answer);
    } catch (err) {
      if (used && isSessionGone(err)) {
        this.#sessionGone(used);
      } else if (forceNew) {
        this.state.notice = err instanceof ApiError ? err.detail : 'Something went wrong.';
        this.#changed();
      } else {
        this.#fail(err);
      }
    }
  }

  #fail(err) {
    this.state.phase = 'error';
    this.state.error = err instanceof ApiError && err.status !== 0 && err.status < 500
      ? err.detail
      : "We can't reach the chat right now. Check your connection and try again.";
    this.#changed();
  }

  #reset() {
    this.stream?.stop();
    this.stream = null;
    this.poller.stop();
    this.log.clear();
    this.agentNames.clear();
    this.state.conversation = null;
    this.state.agentTyping = null;
    this.state.notice = null;
    this.state.holderSeen = null;
  }

  // The holder did something in the chat just now (claimed it, wrote, typed): they are there,
  // whatever their presence says, for a while (availability.js); the header follows when it ends.
  // `when`: the server's time of it (a message's created_at), for one that reached us late (a
  // poll after a reconnect); never later than now.
  #holderActs(agentId, when = undefined) {
    if (!agentId || agentId !== this.state.conversation?.assigned_agent_id) return;
    const at = Math.min(Date.now(), Date.parse(when) || Date.now());
    if (this.state.holderSeen?.agentId === agentId && this.state.holderSeen.at >= at) return;
    this.state.holderSeen = { agentId, at };
    clearTimeout(this.holderTimer);
    this.holderTimer = setTimeout(() => this.#changed(), Math.max(0, at + HOLDER_ACTIVE_MS - Date.now()) + 100);
    this.holderTimer.unref?.(); // (Node, in the tests)
  }

  async #show(conversation, messages, lastEventId, startAnswer = null) {
    this.#setConversation(conversation);
    for (const m of messages || []) this.#ingest(m, false);
    // start and the messages list are complete reads: polling continues after them.
    this.log.pageRead(messages);
    if (startAnswer) {
      this.state.quickQuestions = startAnswer.quick_questions || [];
      this.state.showTalkToAgent = Boolean(startAnswer.show_talk_to_agent);
    } else if (conversation.status === 'automated') {
      this.state.showTalkToAgent = true;
      try {
        this.state.quickQuestions = await this.api.quickQuestions();
      } catch {
        this.state.quickQuestions = [];
      }
    }
    this.state.phase = 'ready';
    this.state.error = null;
    this.#changed();
    this.#openStream(lastEventId);
  }

  // `c`: the whole conversation, or (same id) just what changed. Another holder brings
  // nothing of the previous one's along: a name or presence `c` lacks is looked up or unknown.
  #setConversation(c) {
    const prev = this.state.conversation;
    const same = Boolean(prev && prev.id === c.id);
    const next = { ...(same ? prev : {}), ...c };
    // Seen acting: only the same holder, and not once they are seen going offline.
    const wentAway = same && prev.assigned_agent_presence === 'online' && c.assigned_agent_presence === 'offline';
    if (!same || wentAway || next.assigned_agent_id !== this.state.holderSeen?.agentId) this.state.holderSeen = null;
    if (same && 'assigned_agent_id' in c && c.assigned_agent_id !== prev.assigned_agent_id) {
      if (!('assigned_agent_name' in c)) next.assigned_agent_name = this.agentNames.get(c.assigned_agent_id) || null;
      if (!('assigned_agent_presence' in c)) delete next.assigned_agent_presence;
    }
    if (next.assigned_agent_id && next.assigned_agent_name) this.agentNames.set(next.assigned_agent_id, next.assigned_agent_name);
    if (!next.assigned_agent_id) {
      next.assigned_agent_name = null;
      next.assigned_agent_presence = null;
    }
    this.state.conversation = next;
    if (next.status !== 'automated') {
      this.state.showTalkToAgent = false;
      this.state.quickQuestions = [];
    }
    if (next.status === 'closed') {
      this.typingWatch.set('agent', false);
      this.typingSender.stop();
      this.#closeStreamSoon();
    }
  }

  // --- live updates -----------------------------------------------------------

  #openStream(lastEventId) {
    const conv = this.state.conversation;
    if (!conv || conv.status === 'closed') return;
    this.stream?.stop();
    this.stream = new EventStream({
      url: this.api.streamUrl(conv.id),
      headers: () => this.api.streamHeaders(),
      lastEventId,
      onEvent: (name, data) => this.#onEvent(name, data),
      onReset: () => this.#refetch(),
      onState: (s) => {
        this.state.connection = s;
        document.documentElement.dataset.stream = s; // for tests and debugging
        this.poller.setActive(s !== State.OPEN && s !== State.CLOSED);
        this.#changed();
      },
      onDenied: () => {
        this.poller.setActive(true); // the stream refuses us; REST still works
      },
    });
    this.stream.start();
  }

  // A closed conversation gets nothing more; let late events (the close itself) land first.
  #closeStreamSoon() {
    const stream = this.stream;
    if (!stream) return;
    setTimeout(() => {
      if (this.stream === stream && this.state.conversation?.status === 'closed') {
        stream.stop();
        this.poller.stop();
        this.state.connection = State.CLOSED;
        this.#changed();
      }
    }, 2000);
  }

  #onEvent(name, data) {
    const conv = this.state.conversation;
    if (!conv || (data.conversation_id && data.conversation_id !== conv.id)) return;
    switch (name) {
      case 'message.created':
        this.#ingest(data.message, true);
        break;
      case 'conversation.updated':
        if (data.conversation?.id === conv.id) this.#setConversation(data.conversation);
        break;
      case 'agent.assigned':
        if (data.agent) {
          this.agentNames.set(data.agent.id, data.agent.display_name);
          // (Their presence comes with the conversation: conversation.updated.)
          this.#setConversation({ id: conv.id, status: 'agent', assigned_agent_id: data.agent.id, assigned_agent_name: data.agent.display_name });
          this.#holderActs(data.agent.id); // they took it (or were given it) just now
        }
        break;
      case 'chat.closed': {
        // `can_rate`: the shop may ask how it went (rating.js); a server without it asks nothing.
        const closed = { id: conv.id, status: 'closed', closed_at: data.closed_at };
        if (typeof data.can_rate === 'boolean') closed.can_rate = data.can_rate;
        this.#setConversation(closed);
        break;
      }
      case 'agent.typing':
        this.typingWatch.set('agent', Boolean(data.typing), data.agent_name || null);
        if (data.typing) this.#holderActs(data.agent_id);
        break;
      case 'availability.changed':
        // Someone came or went, or the hours turned: the header, button and forms follow now,
        // not at the next minute's re-read (the payload is widget-config's `availability`).
        try { this.onAvailability(data); } catch (e) { console.error(e); }
        return;
      case 'customer.session_revoked':
        // Signed out (by this browser's other tab, or the customer erased); the stream ends next.
        // Only the streams of the sign-in that ended get it; its `session_id` is the sign-in's
        // own id, not the one this browser holds, so there is nothing to compare.
        this.#sessionGone(this.session?.sessionId);
        return;
      default:
        return;
    }
    this.#changed();
  }

  #ingest(message, live) {
    if (!message) return;
    const { added } = this.log.upsert(message);
    // The shop's own system (an API key) writes under its name and holds nothing.
    const integration = message.sender?.integration || null;
    if (integration && message.sender_agent_id) this.agentNames.set(message.sender_agent_id, integration);
    if (message.sender_type === 'agent' && !integration) {
      this.typingWatch.set('agent', false);
      if (message.sender_agent_id && !this.agentNames.has(message.sender_agent_id) &&
          message.sender_agent_id === this.state.conversation?.assigned_agent_id) {
        this.agentNames.set(message.sender_agent_id, this.state.conversation.assigned_agent_name);
      }
    }
    if (message.kind === 'event' && message.metadata?.agent_id && message.metadata?.event === 'assigned') {
      // "Alex Agent has joined the chat." names the agent for older messages too.
      const name = message.content.replace(/ has joined the chat\.?$/, '');
      if (name && name !== message.content) this.agentNames.set(message.metadata.agent_id, name);
    }
    if (added && live && message.sender_type === 'agent' && !integration) this.#holderActs(message.sender_agent_id, message.created_at);
    if (added && live && message.kind === 'event' && message.metadata?.event === 'assigned') {
      this.#holderActs(message.metadata.agent_id, message.created_at);
    }
    if (added && live && message.sender_type !== 'customer') this.onIncoming(message);
  }

  // A complete list read: ingest each message and move the polling cursor.
  #ingestPage(messages) {
    for (const m of messages) this.#ingest(m, true);
    this.log.pageRead(messages);
  }

  async #poll() {
    const conv = this.state.conversation;
    if (!conv) return;
    let page;
    try {
      page = await this.api.messages(conv.id, this.log.cursor() || undefined);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_cursor') page = await this.api.messages(conv.id);
      else throw err;
    }
    if (this.state.conversation?.id !== conv.id) return;
    this.#setConversation(page.conversation);
    this.#ingestPage(page.messages);
    this.#changed();
  }

  // `reset` from the stream: our cursor is too old. Refetch everything, continue from there.
  async #refetch() {
    const conv = this.state.conversation;
    if (!conv) return;
    try {
      const page = await this.api.messages(conv.id);
      this.#setConversation(page.conversation);
      this.#ingestPage(page.messages);
      this.#changed();
      this.stream?.restartFrom(page.last_event_id);
    } catch {
      this.poller.setActive(true);
    }
  }

  // --- sending -----------------------------------------------------------------

  /**
   * Free text, and the uploaded files that go with it (`attachments`: the upload answers);
   * files alone are a message too. Returns false when there is nothing to send.
   */
  send(text, attachments = []) {
    const conv = this.state.conversation;
    if (!conv || conv.status === 'closed') return false;
    if ((!text.trim() && attachments.length === 0) || tooLong(text, this.limits.message_max_chars)) return false;
    this.typingSender.stop();
    const clientId = newClientId();
    this.log.addPending(clientId, {
      conversation_id: conv.id, sender_type: 'customer', kind: 'text', content: text.trim() ? text : '', attachments: [...attachments],
    });
    this.#changed();
    this.#deliver(clientId);
    return true;
  }

  /** A tapped FAQ button: shows the question at once, the bot's answer follows. */
  quickReply(question) {
    const conv = this.state.conversation;
    if (!conv || conv.status !== 'automated') return;
    const clientId = newClientId();
    const entry = this.log.addPending(clientId, {
      conversation_id: conv.id, sender_type: 'customer', kind: 'quick_reply', content: question.question,
      metadata: { faq_slug: question.slug },
    });
    entry.slug = question.slug;
    this.#changed();
    this.#deliver(clientId);
  }

  /** Retry a failed send with the same client_message_id (the server dedupes). */
  retry(clientId) {
    this.#deliver(clientId);
  }

  /** Drop a failed message the customer no longer wants to send. */
  discard(clientId) {
    this.log.drop(clientId);
    this.#changed();
  }

  #retryFailed() {
    for (const e of this.log.pending) if (e.status === 'failed' && e.retriable) this.#deliver(e.message.client_message_id);
  }

  async #deliver(clientId) {
    const entry = this.log.setStatus(clientId, 'sending');
    if (!entry) return;
    this.#changed();
    const conv = this.state.conversation;
    try {
      const answer = entry.slug
        ? await this.api.quickReply(conv.id, entry.slug, clientId)
        : await this.api.send(conv.id, entry.message.content, clientId, (entry.message.attachments || []).map((a) => a.id));
      if (this.state.conversation?.id !== conv.id) return;
      const before = this.state.conversation.status;
      this.#setConversation(answer.conversation);
      this.#ingest(answer.customer_message, false);
      if (answer.bot_message) this.#ingest(answer.bot_message, false);
      if (answer.conversation.status === 'automated') {
        this.state.quickQuestions = answer.quick_questions || [];
        this.state.showTalkToAgent = Boolean(answer.show_talk_to_agent);
      }
      if (before === 'automated' && answer.conversation.status === 'agent') {
        // The shopper asked for a person in their own words and someone is there: the bot
        // escalated at once, as "Talk to a person" would. The queue's system message is not in
        // the answer: read it now rather than wait for the stream.
        this.#changed();
        await this.#poll().catch(() => {});
      }
      const bot = answer.bot_message;
      if (bot?.metadata?.event === 'leave_message' && bot.id && !this.leaveOffers.has(bot.id)) {
        // ...and nobody is there: the bot offers the leave-a-message form.
        this.leaveOffers.add(bot.id);
        this.#changed();
        try { this.onLeaveMessage(bot); } catch (e) { console.error(e); }
      }
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0);
      const failed = this.log.setStatus(clientId, 'failed', e.status === 409 ? 'This conversation has ended.' : e.transient ? 'Not sent.' : e.detail);
      if (failed) failed.retriable = e.transient;
      if (e.status === 409) this.#poll().catch(() => {});
    }
    this.#changed();
  }

  /**
   * Ask for a human, with the offline form's message if any (stored just
   * before the escalation, in its transaction). Resolves to the server's
   * answer ({status, assigned_agent_id, message, offline, needs_contact}:
   * nobody there queues the chat as an offline message, and `needs_contact`
   * says the shop has no e-mail to answer yet), or null when there is
   * nothing to escalate; rejects with the ApiError for the caller to show.
   */
  async escalate(message = undefined) {
    const conv = this.state.conversation;
    if (!conv || this.state.escalating) return null;
    this.state.escalating = true;
    this.state.notice = null;
    this.#changed();
    try {
      const answer = await this.api.escalate(conv.id, message);
      if (this.state.conversation?.id !== conv.id) return null;
      this.#setConversation({ id: conv.id, status: answer.status, assigned_agent_id: answer.assigned_agent_id ?? null });
      // The stored message and the answer's system message share a timestamp: a list read
      // first puts them in the server's order (the stream would too, but may be slower).
      if (message) await this.#poll().catch(() => {});
      if (answer.message) this.#ingest(answer.message, false);
      return answer;
    } finally {
      this.state.escalating = false;
      this.#changed();
    }
  }

  /**
   * Sends `text` and waits for it to be stored (the offline form's message,
   * which the form keeps until then). Rejects with the ApiError; `clientId`
   * makes a retry return the stored message instead of a second one.
   */
  async post(text, clientId) {
    const conv = this.state.conversation;
    if (!conv) throw new ApiError(0);
    const answer = await this.api.send(conv.id, text, clientId);
    if (this.state.conversation?.id !== conv.id) return;
    this.#setConversation(answer.conversation);
    this.#ingest(answer.customer_message, false);
    this.#changed();
  }

  // --- files ---------------------------------------------------------------------------

  /** Whether the shopper may send files now: the shop takes them, and the conversation is open. */
  canAttach() {
    const conv = this.state.conversation;
    return this.attachmentLimits.enabled && this.state.phase === 'ready' && Boolean(conv) && conv.status !== 'closed';
  }

  /** Uploads `file` to this conversation (upload.js): {done, cancel}. */
  upload(file, onProgress) {
    const conv = this.state.conversation;
    return uploadFile(this.api.uploadPath(conv.id), file, { headers: this.api.streamHeaders(), onProgress });
  }

  /**
   * Fresh links for the files shown (theirs expire): the messages read again. One read at a
   * time, and not again within 30 s (a clock far off the server's would ask for ever).
   * Resolves to the attachments by id.
   */
  refreshLinks() {
    const conv = this.state.conversation;
    if (!conv) return Promise.resolve(new Map());
    const last = this.linksRead;
    if (last && last.conversationId === conv.id && (last.pending || Date.now() - last.at < 30_000)) return last.promise;
    const read = { conversationId: conv.id, at: Date.now(), pending: true, promise: null };
    this.linksRead = read;
    read.promise = (async () => {
      try {
        const page = await this.api.messages(conv.id);
        if (this.state.conversation?.id === conv.id) {
          this.#setConversation(page.conversation);
          this.#ingestPage(page.messages);
          this.#changed();
        }
      } finally {
        read.pending = false;
        read.at = Date.now();
      }
      return this.log.attachmentsById();
    })();
    return read.promise;
  }

  /** Whether the shopper has written anything in this conversation (or is sending it). */
  hasCustomerMessage() {
    return this.log.entries().some((e) => e.message.sender_type === 'customer');
  }

  /** Composer input: typing indicator for the agent. */
  typing(hasText) {
    if (this.state.conversation?.status === 'agent') this.typingSender.input(hasText);
  }

  stopTyping() {
    this.typingSender.stop();
  }

  /** A plain-words notice under the actions (null hides it). */
  notify(text) {
    this.state.notice = text;
    this.#changed();
  }

  dismissNotice() {
    this.notify(null);
  }

  /** The display name for an agent message. */
  agentName(agentId) {
    return (agentId && this.agentNames.get(agentId)) || 'Support';
  }
}
