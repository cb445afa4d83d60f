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
import { clearSession, loadSession, saveSession } from './session.js';

export class Chat {
  /**
   * @param {{onChange: () => void, onIncoming: (message) => void, onStarted?: (conversation, identity) => void}} hooks
   *   onIncoming: a message from the other side arrived live (not history).
   *   onStarted: a new conversation was started, with the identity it was started with.
   */
  constructor({ onChange, onIncoming, onStarted = () => {} }) {
    this.onChange = onChange;
    this.onIncoming = onIncoming;
    this.onStarted = onStarted;
    this.session = loadSession();
    this.limits = {}; // the server's (widget-config), once known
    this.api = customerApi(() => this.session?.sessionId || '');
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
    };
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

  /** A signed-in customer, as the host page told us: used when a conversation starts. */
  identify({ name, email }) {
    this.identity = {
      displayName: typeof name === 'string' && name.trim() ? name.trim() : undefined,
      email: typeof email === 'string' && email.includes('@') ? email.trim() : undefined,
    };
  }

  // The identity as the server takes it: a long name shortened, an address too long to be one left out.
  #startIdentity() {
    const { displayName, email } = this.identity || {};
    return {
      displayName: displayName && clip(displayName, this.limits.display_name_max_chars),
      email: email && !tooLong(email, this.limits.email_max_chars) ? email : undefined,
    };
  }

  get conversation() {
    return this.state.conversation;
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
      if (err instanceof ApiError && (err.status === 403 || err.status === 404 || err.status === 401)) {
        // The conversation is gone (another database) or not ours: start clean later.
        clearSession();
        this.session = null;
        this.state.phase = 'idle';
        this.#changed();
        return false;
      }
      this.#fail(err);
      return false;
    }
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
    if (!saved) return;
    if (saved.conversationId === this.state.conversation?.id) return;
    this.session = saved;
    this.#reset();
    this.state.phase = 'idle';
    await this.resume();
  }

  async #start(forceNew) {
    if (!forceNew) {
      this.state.phase = 'loading';
      this.state.error = null;
      this.#changed();
    }
    try {
      const identity = this.#startIdentity();
      const answer = await this.api.start({ sessionId: this.session?.sessionId, forceNew, ...identity });
      const conv = answer.conversation;
      this.session = { sessionId: conv.customer_session_id, conversationId: conv.id };
      saveSession(this.session);
      this.#reset();
      this.onStarted(conv, identity);
      await this.#show(conv, answer.messages, answer.last_event_id, answer);
    } catch (err) {
      if (forceNew) {
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

  #setConversation(c) {
    const prev = this.state.conversation;
    const next = { ...(prev && prev.id === c.id ? prev : {}), ...c };
    if (next.assigned_agent_id && next.assigned_agent_name) this.agentNames.set(next.assigned_agent_id, next.assigned_agent_name);
    if (!next.assigned_agent_id) next.assigned_agent_name = null;
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
          this.#setConversation({ ...conv, status: 'agent', assigned_agent_id: data.agent.id, assigned_agent_name: data.agent.display_name });
        }
        break;
      case 'chat.closed':
        this.#setConversation({ ...conv, status: 'closed', closed_at: data.closed_at });
        break;
      case 'agent.typing':
        this.typingWatch.set('agent', Boolean(data.typing), data.agent_name || null);
        return;
      default:
        return;
    }
    this.#changed();
  }

  #ingest(message, live) {
    if (!message) return;
    const { added } = this.log.upsert(message);
    if (message.sender_type === 'agent') {
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

  /** Free text. Returns false when there is nothing to send. */
  send(text) {
    const conv = this.state.conversation;
    if (!conv || conv.status === 'closed') return false;
    if (!text.trim() || tooLong(text, this.limits.message_max_chars)) return false;
    this.typingSender.stop();
    const clientId = newClientId();
    this.log.addPending(clientId, { conversation_id: conv.id, sender_type: 'customer', kind: 'text', content: text });
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
        : await this.api.send(conv.id, entry.message.content, clientId);
      if (this.state.conversation?.id !== conv.id) return;
      this.#setConversation(answer.conversation);
      this.#ingest(answer.customer_message, false);
      if (answer.bot_message) this.#ingest(answer.bot_message, false);
      if (answer.conversation.status === 'automated') {
        this.state.quickQuestions = answer.quick_questions || [];
        this.state.showTalkToAgent = Boolean(answer.show_talk_to_agent);
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
      this.#setConversation({ ...this.state.conversation, status: answer.status, assigned_agent_id: answer.assigned_agent_id });
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
