// The right pane: one conversation with its full history and the team's
// private notes (notes.js), the reply box (a reply, or a note: composemode.js;
// "/" for canned replies: cannedpicker.js) and the actions (claim, transfer,
// release, close); its labels as chips under the name, set from the "Labels"
// menu (labelmenu.js); the customer's rating after it closed ("Rated 4/5" and their
// comment, rating.js). Messages arrive from the stream or the fallback poll through
// ingest(), notes through addNote(); sends are optimistic like the widget's. Files go
// with a reply as in the widget (js/filetray.js: the paperclip, a drop, a pasted image).

import { ApiError } from '../js/api.js';
import { $, autosize, clear, h, hueFor, initials, nearBottom, submitOnEnter } from '../js/dom.js';
import { FileTray, wireFileInputs } from '../js/filetray.js';
import { newClientId } from '../js/ids.js';
import { tooLong } from '../js/limits.js';
import { MessageLog } from '../js/messagelog.js';
import { Thread, keepPinned, scrollToNewest } from '../js/thread.js';
import { fullDate, waited } from '../js/time.js';
import { TypingSender } from '../js/typing.js';
import { acceptList, uploadFile } from '../js/upload.js';
import { replaceToken } from './canned.js';
import { CannedPicker } from './cannedpicker.js';
import { ComposeMode } from './composemode.js';
import { customerName, endsWithOfflineNote, holderOf, integrationLabel, integrationOf, shopperWords, statusOf, verified } from './convinfo.js';
import { LabelMenu } from './labelmenu.js';
import { labelChip, labelsKey, labelsOf } from './labels.js';
import { attachmentLimits, limits } from './limits.js';
import { NOTE, mergeTimeline } from './notes.js';
import { ratingKey, ratingLabel, ratingOf, ratingShort } from './rating.js';
import { awaySince } from './team.js';

// Phones and tablets: opening a chat does not pull up the on-screen keyboard over it.
const touchOnly = () => matchMedia('(pointer: coarse)').matches && !matchMedia('(pointer: fine)').matches;

// Where the shopper's e-mail came from (AgentConversation.customer.source).
const SOURCES = {
  prechat: 'from the pre-chat form',
  offline: 'from the offline form',
  start: "from your shop's page",
};

export class ConversationPane {
  /**
   * @param {{api, inbox, me, notes: import('./notes.js').NoteBook, canned: import('./canned.js').CannedStore, labels: import('./labels.js').LabelStore,
   *          toast: (text, kind?) => void, onChange: () => void, onBack: () => void, onClaimed: (id) => void,
   *          onOwn?: (id) => void, onTransfer?: (conv) => void, isAdmin: boolean}} deps
   *   onOwn: this console is about to take conversation `id` (a claim, or a first reply to a
   *   waiting chat), so the assignment that follows is no news; onTransfer: "Transfer" was pressed.
   */
  constructor(deps) {
    Object.assign(this, deps);
    this.id = null;
    this.log = new MessageLog();
    this.loading = false;
    this.busy = null; // 'claim' | 'release' | 'close'
    this.notesLoading = false;
    this.sendingNote = false;
    this.customerTyping = false;
    this.otherAgentTyping = null;
    this.el = {
      empty: $('pane-empty'), conv: $('conv'), back: $('conv-back'), avatar: $('conv-avatar'), name: $('conv-name'),
      status: $('conv-status'), verified: $('conv-verified'), labels: $('conv-labels'), offline: $('conv-offline'), detail: $('conv-detail'),
      rating: $('conv-rating'), ratingComment: $('conv-rating-comment'), claim: $('claim'), release: $('release'), close: $('close-conv'), transfer: $('transfer'),
      scroll: $('conv-scroll'), loadingNote: $('conv-loading'), log: $('conv-log'), typing: $('conv-typing'),
      typingAvatar: $('conv-typing-avatar'), typingText: $('conv-typing-text'), note: $('compose-note'),
      form: $('reply-form'), input: $('reply'), send: $('reply-send'), hint: $('reply-hint'),
      attach: $('reply-attach'), attachInput: $('reply-attach-input'), tray: $('reply-tray'), trayStatus: $('reply-tray-status'),
      dialog: $('close-dialog'), dialogText: $('close-text'),
    };
    // Notes sit on a side of their own (side-note: across the thread, neither the customer's
    // nor the team's), under "Note · {author}".
    this.thread = new Thread(this.el.log, {
      side: (m) => (m.sender_type === NOTE ? NOTE : m.sender_type === 'customer' ? 'left' : 'right'),
      name: (m) => this.#senderName(m),
      showName: (m) => m.sender_type === NOTE || !(m.sender_type === 'agent' && m.sender_agent_id === this.me.id),
      you: (m) => m.sender_type === 'agent' && m.sender_agent_id === this.me.id,
      onRetry: (cid) => this.#deliver(cid),
      onDiscard: (cid) => { this.log.drop(cid); this.render(); },
      refreshLinks: () => this.refreshLinks(),
    });
    this.linksRead = null; // {conversationId, at, pending, promise}: the last re-read for fresh file links
    this.typingSender = new TypingSender((typing) => {
      const c = this.conv;
      if (!c || c.status === 'closed' || (c.assigned_agent_id && c.assigned_agent_id !== this.me.id)) return null;
      return this.api.typing(c.id, typing);
    });
    keepPinned(this.el.scroll, () => this.scrollToNewest(), this.el.input, 180);
    this.#wire();
  }

  get conv() {
    return this.id ? this.inbox.get(this.id) : null;
  }

  #senderName(m) {
    if (m.sender_type === 'customer') return this.conv ? customerName(this.conv) : 'Customer';
    if (m.sender_type === 'bot') return 'Assistant';
    if (m.sender_type === NOTE) return `Note · ${m.author?.id === this.me.id ? 'You' : m.author?.display_name || 'Agent'}`;
    // The shop's own system (an API key) wrote it: its name, never taken for a person's.
    const integration = integrationOf(m);
    if (integration) return integrationLabel(integration);
    if (m.sender_type === 'agent') return m.sender_agent_id === this.me.id ? 'You' : this.inbox.agentName(m.sender_agent_id);
    return '';
  }

  #wire() {
    const { el } = this;
    const signal = this.signal; // a new session's pane replaces this one: its listeners go with it
    el.back.addEventListener('click', () => this.onBack(), { signal });
    el.claim.addEventListener('click', () => this.claim(), { signal });
    el.release.addEventListener('click', () => this.release(), { signal });
    el.close.addEventListener('click', () => this.#confirmClose(), { signal });
    el.transfer.addEventListener('click', () => { if (this.conv) this.onTransfer?.(this.conv); }, { signal });
    this.mode = new ComposeMode({ signal, onChange: () => this.render() });
    // Before Enter-to-send: while the list is open, Enter chooses a canned reply.
    this.picker = new CannedPicker({
      combo: $('reply-combo'), input: el.input, popup: $('canned-popup'), list: $('canned-list'), empty: $('canned-empty'), status: $('canned-status'),
      store: this.canned, signal, onChoose: (reply, token) => this.#insertCanned(reply, token),
    });
    this.labelMenu = new LabelMenu({
      api: this.api, store: this.labels, inbox: this.inbox, toast: this.toast, admin: this.isAdmin, signal, onChange: () => this.onChange(),
    });
    this.tray = new FileTray({
      list: el.tray,
      status: el.trayStatus,
      limits: attachmentLimits,
      upload: (file, onProgress) => uploadFile(this.api.uploadPath(this.id), file, { headers: this.api.streamHeaders(), onProgress }),
      onChange: () => this.#syncSend(),
      focusAfterRemove: () => el.input.focus({ preventScroll: true }),
    });
    wireFileInputs({
      tray: this.tray, button: el.attach, input: el.attachInput, dropZone: el.conv, pasteTarget: el.input,
      enabled: () => this.#canAttach(), signal,
    });
    submitOnEnter(el.form, el.input, () => this.#submit(), signal);
    el.input.addEventListener('input', () => {
      autosize(el.input, 180);
      const hasText = el.input.value.trim().length > 0;
      this.#syncSend();
      if (hasText && !this.mode.isNote) this.typingSender.input(true);
      else this.typingSender.stop();
    }, { signal });
    el.input.addEventListener('blur', () => this.typingSender.stop(), { signal });
  }

  /** Shows conversation `id` (loading its history); `focus`: the cursor goes to the reply box. */
  async open(id, { focus = false } = {}) {
    if (this.id !== id) {
      this.typingSender.stop();
      this.id = id;
      this.log.clear();
      this.thread.reset();
      this.customerTyping = false;
      this.otherAgentTyping = null;
      this.el.input.value = '';
      autosize(this.el.input, 180);
      this.mode.reset();
      this.picker.close();
      this.tray.clear(); // files waiting for one chat's reply are not another's
    }
    this.loading = true;
    this.#loadNotes(id);
    this.render();
    if (focus) this.focusReply();
    try {
      const page = await this.api.messages(id);
      if (this.id !== id) return;
      const conv = this.inbox.upsert(page.conversation);
      if (endsWithOfflineNote(conv)) {
        const words = shopperWords(page.messages);
        if (words) this.inbox.words.set(id, words);
      }
      this.log.upsertPage(page.messages);
      this.loading = false;
      this.render();
      this.scrollToNewest();
      // Still nowhere else (the agent may have moved on while it loaded): the reply box.
      if (focus && (document.activeElement === document.body || document.activeElement?.closest?.('#list'))) this.focusReply();
      this.onChange();
    } catch (err) {
      if (this.id !== id) return;
      this.loading = false;
      this.render();
      if (err instanceof ApiError && err.status === 404) {
        this.toast('That conversation no longer exists.', 'error');
        this.inbox.forget(id);
        this.closePane();
      } else if (!(err instanceof ApiError && err.status === 401)) {
        this.toast(err instanceof ApiError ? err.detail : 'Could not load the conversation.', 'error');
      }
    }
  }

  /** The chat's notes (again: a stream that lost its place may have missed some). */
  async #loadNotes(id) {
    this.notesLoading = true;
    try {
      const { items } = await this.api.notes(id);
      const stick = nearBottom(this.el.scroll, 120);
      this.notes.set(id, items);
      if (this.id === id) {
        this.render();
        if (stick) this.scrollToNewest();
      }
    } catch (err) {
      if (this.id === id && !(err instanceof ApiError && (err.status === 401 || err.status === 404))) {
        this.toast("Couldn't load the team's notes on this chat.", 'error');
      }
    } finally {
      this.notesLoading = false;
      if (this.id === id) this.render();
    }
  }

  /** A note (note.created, or this console's own): drawn when it belongs to the open chat. */
  addNote(note) {
    const fresh = this.notes.add(note);
    if (!fresh || note.conversation_id !== this.id) return false;
    const stick = nearBottom(this.el.scroll, 120);
    this.render();
    if (stick) this.scrollToNewest();
    return true;
  }

  closePane() {
    this.typingSender.stop();
    this.picker.close();
    this.tray.clear();
    this.id = null;
    this.log.clear();
    this.thread.reset();
    this.render();
    this.onChange();
  }

  /** The cursor in the reply box, when the agent may reply (not on touch screens: no keyboard popping up). */
  focusReply() {
    if (!this.el.input.disabled && !this.el.form.hidden && !touchOnly()) this.el.input.focus({ preventScroll: true });
  }

  scrollToNewest() {
    scrollToNewest(this.el.scroll, this.el.log);
  }

  // --- live input -------------------------------------------------------------------

  /** A message for the open conversation (stream or poll). Returns true if new. */
  ingest(message) {
    if (!this.id || message.conversation_id !== this.id) return false;
    const stick = nearBottom(this.el.scroll, 120);
    const { added } = this.log.upsert(message);
    if (message.sender_type === 'customer') this.customerTyping = false;
    if (message.sender_type === 'agent' && message.sender_agent_id !== this.me.id) this.otherAgentTyping = null;
    this.render();
    if (stick) this.scrollToNewest();
    return added;
  }

  setCustomerTyping(conversationId, typing) {
    if (conversationId !== this.id || this.customerTyping === typing) return;
    const stick = nearBottom(this.el.scroll, 120);
    this.customerTyping = typing;
    this.render();
    if (stick) this.scrollToNewest();
  }

  setAgentTyping(conversationId, typing, name) {
    if (conversationId !== this.id) return;
    this.otherAgentTyping = typing ? name || 'Another agent' : null;
    this.render();
  }

  /**
   * Fresh links for the files shown (signed links expire): the messages read again. One read
   * at a time, and not again within 30 s. Resolves to the attachments by id.
   */
  refreshLinks() {
    const id = this.id;
    if (!id) return Promise.resolve(new Map());
    const last = this.linksRead;
    if (last && last.conversationId === id && (last.pending || Date.now() - last.at < 30_000)) return last.promise;
    const read = { conversationId: id, at: Date.now(), pending: true, promise: null };
    this.linksRead = read;
    read.promise = (async () => {
      try {
        const page = await this.api.messages(id);
        if (this.id === id) {
          this.inbox.upsert(page.conversation);
          this.log.upsertPage(page.messages);
          this.render();
        }
      } finally {
        read.pending = false;
        read.at = Date.now();
      }
      return this.log.attachmentsById();
    })();
    return read.promise;
  }

  /** Fallback poll: messages after the newest we have. */
  async poll() {
    const id = this.id;
    if (!id || this.loading) return;
    let page;
    try {
      page = await this.api.messages(id, this.log.cursor() || undefined);
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_cursor') page = await this.api.messages(id);
      else throw err;
    }
    if (this.id !== id) return;
    this.inbox.upsert(page.conversation);
    for (const m of page.messages) this.ingest(m);
    this.log.pageRead(page.messages);
    this.render();
  }

  // --- actions ----------------------------------------------------------------------

  #canReply() {
    const c = this.conv;
    if (!c || c.status === 'closed') return false;
    return !c.assigned_agent_id || c.assigned_agent_id === this.me.id;
  }

  /** What the box is for now may be sent: a reply where replying is allowed, a note anywhere. */
  #canWrite() {
    return this.mode.isNote ? Boolean(this.conv) && !this.sendingNote : this.#canReply();
  }

  /** Files may go with a reply now: the server takes them and a reply may be sent. */
  #canAttach() {
    return attachmentLimits().enabled && !this.mode.isNote && this.#canReply();
  }

  // Send: something to send (words, or files for a reply) and no file still on its way.
  #syncSend() {
    const { el } = this;
    const hasText = el.input.value.trim().length > 0;
    const files = !this.mode.isNote && this.tray.ready;
    el.send.disabled = !this.#canWrite() || this.sendingNote || (!this.mode.isNote && this.tray.busy) || !(hasText || files);
  }

  /** The transfer button: the holder's own chat, or (admins) any chat waiting on a person. */
  #canTransfer(c) {
    return c.status === 'agent' && (c.assigned_agent_id === this.me.id || this.isAdmin);
  }

  async #act(kind, call, done) {
    const c = this.conv;
    if (!c || this.busy) return;
    this.busy = kind;
    this.render();
    try {
      const answer = await call(c.id);
      this.inbox.upsert(answer.conversation);
      if (answer.system_message) this.ingest(answer.system_message);
      done?.(answer);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      if (err instanceof ApiError && err.code === 'already_claimed') {
        this.toast('Another agent claimed this chat first.', 'error');
        this.open(c.id); // refresh who holds it
      } else {
        this.toast(err instanceof ApiError ? err.detail : 'Something went wrong. Try again.', 'error');
      }
    } finally {
      this.busy = null;
      this.render();
      this.onChange();
    }
  }

  claim() {
    if (this.conv) this.onOwn?.(this.conv.id);
    return this.#act('claim', (id) => this.api.claim(id), (answer) => {
      this.toast('Chat claimed. It is in My chats now.');
      this.onClaimed(answer.conversation.id);
      this.focusReply();
    });
  }

  /** "Return to queue": an agent's own chat, or (admins) anyone's. */
  release() {
    const c = this.conv;
    const holder = c && c.assigned_agent_id !== this.me.id ? c.assigned_agent_name : null;
    return this.#act('release', (id) => this.api.release(id),
      () => this.toast(holder ? `${holder}'s chat is back in the queue.` : 'Chat returned to the queue.'));
  }

  #confirmClose() {
    const c = this.conv;
    if (!c) return;
    const { dialog } = this.el;
    const name = c.contact?.name || c.customer?.display_name || 'The customer';
    this.el.dialogText.textContent = `${name} will see that the chat has ended. A closed conversation can't be reopened.`;
    dialog.returnValue = '';
    dialog.addEventListener('close', () => {
      if (dialog.returnValue === 'close') {
        this.#act('close', (id) => this.api.close(id), () => this.toast('Conversation closed.'));
      }
    }, { once: true });
    dialog.showModal();
  }

  #submit() {
    if (this.mode.isNote) return this.#sendNote();
    const text = this.el.input.value;
    if (this.tray.busy) return; // the reply waits for its files
    const files = this.tray.attachments();
    if ((!text.trim() && files.length === 0) || tooLong(text, limits().message_max_chars) || !this.#canReply()) return;
    const c = this.conv;
    if (!c.assigned_agent_id) this.onOwn?.(c.id); // the first reply to a waiting chat takes it
    this.typingSender.stop();
    const clientId = newClientId();
    this.log.addPending(clientId, {
      conversation_id: c.id, sender_type: 'agent', sender_agent_id: this.me.id, kind: 'text', content: text.trim() ? text : '', attachments: files,
    });
    this.tray.take();
    this.el.input.value = '';
    autosize(this.el.input, 180);
    this.el.send.disabled = true;
    this.render();
    this.scrollToNewest();
    this.#deliver(clientId);
  }

  /**
   * A note: sent before it is shown (the box keeps the words until the server has them, and
   * gives them back with the reason when it refuses).
   */
  async #sendNote() {
    const c = this.conv;
    const text = this.el.input.value;
    if (!c || !text.trim() || tooLong(text, limits().message_max_chars) || this.sendingNote) return;
    this.sendingNote = true;
    this.render();
    try {
      const note = await this.api.addNote(c.id, text);
      if (this.id === c.id && this.el.input.value === text) {
        this.el.input.value = '';
        autosize(this.el.input, 180);
      }
      this.addNote(note);
      this.scrollToNewest();
      this.toast(note.mentions?.length ? 'Note added. Those you mentioned are told.' : 'Note added. Only your team sees it.');
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) this.toast(err instanceof ApiError ? err.detail : 'The note was not added. Try again.', 'error');
    } finally {
      this.sendingNote = false;
      this.render();
    }
  }

  /** A canned reply chosen in the list: its text, filled in for this chat, where `/query` was typed. */
  async #insertCanned(reply, token) {
    const c = this.conv;
    const { input } = this.el;
    if (!c) return;
    const typed = input.value.slice(token.start, token.end);
    let content;
    try {
      ({ content } = await this.api.renderCannedReply(c.id, reply.id));
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) this.toast(err instanceof ApiError ? err.detail : "Couldn't insert the canned reply.", 'error');
      return;
    }
    if (this.id !== c.id) return;
    // Typed on meanwhile: the query is replaced where it still stands, else the text goes at the caret.
    const where = input.value.slice(token.start, token.end) === typed ? token : { start: input.selectionStart, end: input.selectionEnd };
    const next = replaceToken(input.value, where, content);
    input.value = next.text;
    input.focus();
    input.setSelectionRange(next.caret, next.caret);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    this.picker.settle();
    $('canned-status').textContent = `Inserted /${reply.shortcut}. Edit it if you like, then send.`;
  }

  async #deliver(clientId) {
    const entry = this.log.setStatus(clientId, 'sending');
    if (!entry) return;
    this.render();
    const convId = entry.message.conversation_id;
    try {
      const answer = await this.api.send(convId, entry.message.content, clientId, (entry.message.attachments || []).map((a) => a.id));
      this.inbox.upsert(answer.conversation);
      if (this.id === convId) this.log.upsert(answer.message);
      this.inbox.noteMessage(convId, answer.message);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0);
      if (e.status === 401) return;
      this.log.setStatus(clientId, 'failed', e.status === 403 ? 'Another agent has this chat.' : e.status === 409 ? 'The conversation is closed.' : e.transient ? 'Not sent.' : e.detail);
    }
    if (this.id === convId) this.render();
    this.onChange();
  }

  // --- rendering ---------------------------------------------------------------------

  // "Rated 4/5" by the status, and what the customer wrote (text; the stylesheet keeps it to two lines, the title holds it all).
  #renderRating(c) {
    const { el } = this;
    const rating = ratingOf(c);
    el.rating.hidden = !rating;
    el.ratingComment.hidden = !rating?.comment;
    const sig = ratingKey(rating);
    if (!rating || el.rating.dataset.sig === sig) return;
    el.rating.dataset.sig = sig;
    clear(el.rating).append(h('span', { 'aria-hidden': 'true' }, `★ ${ratingShort(rating)}`), h('span', { class: 'sr-only' }, ratingLabel(rating)));
    el.rating.title = ratingLabel(rating);
    el.ratingComment.textContent = rating.comment ? `“${rating.comment}”` : '';
    el.ratingComment.title = rating.comment;
  }

  render() {
    const { el } = this;
    const c = this.conv;
    el.empty.hidden = Boolean(this.id);
    el.conv.hidden = !this.id;
    this.labelMenu.sync(c);
    if (!this.id) return;
    el.loadingNote.hidden = !(this.loading && this.log.size === 0);
    if (!c) return;

    const name = customerName(c);
    el.name.textContent = name;
    el.avatar.textContent = initials(name);
    el.avatar.style.setProperty('--hue', String(hueFor(name)));

    const mine = c.assigned_agent_id === this.me.id;
    const [status, tone] = statusOf(c, this.me.id);
    el.status.textContent = status;
    el.status.dataset.tone = tone;
    el.verified.hidden = !verified(c);

    el.offline.hidden = !c.offline;
    this.#renderRating(c);
    const labels = labelsOf(c, this.labels);
    const labelSig = labelsKey(labels);
    if (labelSig !== el.labels.dataset.sig) {
      el.labels.dataset.sig = labelSig;
      clear(el.labels).append(h('span', { class: 'sr-only' }, 'Labels: '), ...labels.map((label) => labelChip(label)));
      el.labels.hidden = labels.length === 0;
    }
    const email = c.customer?.email;
    const source = SOURCES[c.customer?.source] || '';
    const when = c.status === 'agent' && !c.assigned_agent_id && c.requested_agent_at ? `waiting ${waited(c.requested_agent_at)}` : `started ${fullDate(c.created_at)}`;
    // Someone else holds it: are they there? (An admin may return it to the queue.)
    const holder = c.status === 'agent' && !mine ? holderOf(c, this.inbox.agents.get(c.assigned_agent_id)) : null;
    const there = holder?.presence === 'online' ? `${holder.name} is online`
      : holder?.presence === 'away' ? `${holder.name} has been ${awaySince(holder.awaySince).replace(/^Away/, 'away')}`
        : holder?.presence === 'offline' ? `${holder.name} is offline` : '';
    clear(el.detail).append(...(email ? [h('span', { class: 'conv-email' }, email), source ? ` ${source}` : '', ' · '] : []),
      ...(there ? [there, ' · '] : []), when);
    el.detail.title = el.detail.textContent;

    const live = c.status !== 'closed';
    el.claim.hidden = !(live && !c.assigned_agent_id);
    el.release.hidden = !(live && c.assigned_agent_id && (mine || this.isAdmin));
    el.close.hidden = !(c.status === 'agent' && (mine || !c.assigned_agent_id || this.isAdmin));
    el.transfer.hidden = !this.#canTransfer(c);
    el.claim.disabled = el.release.disabled = el.close.disabled = el.transfer.disabled = Boolean(this.busy);
    el.claim.textContent = this.busy === 'claim' ? 'Claiming…' : 'Claim';
    el.release.textContent = this.busy === 'release' ? 'Returning…' : 'Return to queue';
    el.close.textContent = this.busy === 'close' ? 'Closing…' : 'Close';

    const canReply = this.#canReply();
    let note = '';
    if (c.status === 'closed') note = 'This conversation is closed. You can still add a note for your team.';
    else if (c.assigned_agent_id && !mine) note = `${c.assigned_agent_name || 'Another agent'} is handling this conversation.`;
    else if (c.status === 'automated') note = 'The assistant is handling this chat. Replying takes it over and assigns it to you.';
    else if (!c.assigned_agent_id) note = 'This chat is waiting in the queue. Replying assigns it to you.';
    el.note.textContent = note;
    el.note.hidden = !note || this.mode.isNote; // about replying
    const open = this.mode.render(canReply);
    el.input.disabled = !open;
    if (!open) this.picker.close();
    const files = attachmentLimits();
    el.attach.hidden = !files.enabled || this.mode.isNote;
    el.attach.disabled = !this.#canAttach();
    const accept = acceptList(files);
    if (accept) el.attachInput.setAttribute('accept', accept);
    else el.attachInput.removeAttribute('accept');
    this.#syncSend();
    if (!open) el.send.disabled = true;
    if (this.sendingNote) el.send.textContent = 'Adding…';

    this.thread.render(mergeTimeline(this.log.entries(), this.notes.of(this.id)));

    const typingName = this.customerTyping ? name : this.otherAgentTyping;
    el.typing.hidden = !typingName || c.status === 'closed';
    if (typingName) {
      el.typingText.textContent = `${typingName} is typing`;
      el.typingAvatar.textContent = initials(typingName);
      el.typingAvatar.style.setProperty('--hue', String(hueFor(typingName)));
    }
  }
}
