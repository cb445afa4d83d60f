// Renders the chat's state into the page skeleton of index.html; the
// messages themselves are drawn by the shared Thread (js/thread.js), the
// contact forms by contactview.js, the question after a chat by ratingview.js,
// the files that go with the next message by the shared FileTray (js/filetray.js).

import { $, autosize, clear, h, hueFor, initials, nearBottom, submitOnEnter } from '../js/dom.js';
import { FileTray, wireFileInputs } from '../js/filetray.js';
import { applyLimits } from '../js/limits.js';
import { State } from '../js/sse.js';
import { Thread, keepPinned, scrollToNewest } from '../js/thread.js';
import { acceptList } from '../js/upload.js';
import { chipsMode } from './actions.js';
import { filedStatus, headerStatus, holderStatus, leaveHint, replyTimeInWords } from './availability.js';
import { ContactView } from './contactview.js';
import { RatingView } from './ratingview.js';

// The inputs whose lengths the server limits (widget-config `limits`).
const LIMITED = {
  input: { maxlength: 'message_max_chars' },
  'leave-message': { maxlength: 'message_max_chars' },
  'prechat-name': { maxlength: 'display_name_max_chars' },
  'leave-name': { maxlength: 'display_name_max_chars' },
  'prechat-email': { maxlength: 'email_max_chars' },
  'leave-email': { maxlength: 'email_max_chars' },
  'transcript-email': { maxlength: 'email_max_chars' },
};

export class ChatView {
  /** `rating`: rating.js's state; `canFocus`: the chat is on screen (an embedded one whose panel is closed is not). */
  constructor(chat, contact, { embedded, config, onMinimize, rating, canFocus = () => true }) {
    this.chat = chat;
    this.contact = contact;
    this.embedded = embedded;
    this.onMinimize = onMinimize;
    this.chipsKey = '';
    this.chipsOpenedAt = null; // how many messages the shopper had written when they pressed "More questions"
    this.lastRenderedSize = 0;
    this.el = {
      app: $('app'), title: $('title'), status: $('status'), topAvatar: $('top-avatar'), topInitials: $('top-initials'),
      minimize: $('minimize'), conn: $('conn'), scroller: $('scroller'),
      loading: $('loading'), error: $('error'), errorText: $('error-text'), errorRetry: $('error-retry'),
      log: $('log'), typing: $('typing'), typingAvatar: $('typing-avatar'), typingText: $('typing-text'),
      actions: $('actions'), chips: $('chips'), more: $('more'), talk: $('talk'), talkLabel: $('talk-label'), talkHint: $('talk-hint'),
      talkPerson: $('talk-icon-person'), talkMail: $('talk-icon-mail'), notice: $('notice'),
      form: $('form'), input: $('input'), send: $('send'), ended: $('ended'), newChat: $('new-chat'),
      attach: $('attach'), attachInput: $('attach-input'), tray: $('tray'), trayStatus: $('tray-status'),
    };
    this.configure(config);
    this.el.minimize.hidden = !embedded;
    this.thread = new Thread(this.el.log, {
      side: (m) => (m.sender_type === 'customer' ? 'right' : 'left'),
      name: (m) => (m.sender_type === 'bot' ? this.botName : m.sender_type === 'agent' ? chat.agentName(m.sender_agent_id) : 'You'),
      showName: (m) => m.sender_type !== 'customer',
      you: (m) => m.sender_type === 'customer',
      onRetry: (cid) => chat.retry(cid),
      onDiscard: (cid) => chat.discard(cid),
      refreshLinks: () => chat.refreshLinks(),
    });
    this.tray = new FileTray({
      list: this.el.tray,
      status: this.el.trayStatus,
      limits: () => chat.attachmentLimits,
      upload: (file, onProgress) => chat.upload(file, onProgress),
      onChange: () => this.#syncSend(),
      focusAfterRemove: () => this.el.input.focus({ preventScroll: true }),
    });
    this.trayConversation = null;
    this.contactView = new ContactView(contact, {
      scrollIntoView: (node) => this.#reveal(node),
    });
    this.ratingView = new RatingView(rating, {
      scrollIntoView: (node) => this.#reveal(node),
      canFocus,
      // "No thanks": on to what the shopper can do next.
      focusAfter: () => { if (!this.el.ended.hidden) this.el.newChat.focus({ preventScroll: true }); },
    });
    keepPinned(this.el.scroller, () => this.scrollToBottom(), this.el.input, 132);
    this.#wire();
  }

  /** The shop's settings (config.js): the header's title and subtitle, the bot's name, the inputs' limits. */
  configure({ title, subtitle, botName, brandName, limits }) {
    applyLimits(limits, LIMITED);
    this.title = title;
    this.subtitle = subtitle;
    this.botName = botName;
    this.el.title.textContent = title;
    document.title = brandName && brandName !== title ? `${title} · ${brandName}` : title;
    if (this.thread) this.render();
  }

  #wire() {
    const { el, chat } = this;
    submitOnEnter(el.form, el.input, () => this.#submit());
    el.input.addEventListener('input', () => {
      autosize(el.input, 132);
      this.#syncSend();
      chat.typing(el.input.value.trim().length > 0);
    });
    wireFileInputs({
      tray: this.tray, button: el.attach, input: el.attachInput, dropZone: el.app, pasteTarget: el.input,
      enabled: () => chat.canAttach() && !el.form.hidden,
    });
    el.input.addEventListener('blur', () => chat.stopTyping());
    el.talk.addEventListener('click', () => this.contact.talk());
    el.more.addEventListener('click', () => this.#openChips());
    el.newChat.addEventListener('click', async () => {
      await chat.startNew();
      this.focusComposer(true);
    });
    el.errorRetry.addEventListener('click', () => chat.retryLoad());
    el.minimize.addEventListener('click', () => this.onMinimize());
    el.notice.addEventListener('click', () => chat.dismissNotice());
    document.addEventListener('keydown', (event) => {
      if (event.key === 'Escape' && this.embedded) this.onMinimize();
    });
  }

  // Text, files, or both; never while a file is still on its way (the message waits for it).
  #submit() {
    const { input } = this.el;
    if (this.tray.busy) return;
    if (!this.chat.send(input.value, this.tray.attachments())) return;
    this.tray.take();
    input.value = '';
    autosize(input, 132);
    this.#syncSend();
    this.scrollToBottom();
  }

  // Send: something to send (words, or files uploaded) and no file still uploading.
  #syncSend() {
    const hasText = this.el.input.value.trim().length > 0;
    this.el.send.disabled = this.tray.busy || !(hasText || this.tray.ready);
  }

  /** Focus the message box (not on touch screens unless asked: it pops the keyboard up). */
  focusComposer(force = false) {
    if (this.el.form.hidden) {
      this.ratingView.focusSurvey(); // a closed chat with its question open: the question
      return;
    }
    if (!force && !matchMedia('(pointer: fine)').matches) return;
    this.el.input.focus({ preventScroll: true });
  }

  // Scrolls the conversation (only: scrollIntoView would move the shop's page too) so that
  // `node` shows whole, or at least from its top.
  #reveal(node) {
    const s = this.el.scroller;
    const top = node.offsetTop - 12;
    const bottom = node.offsetTop + node.offsetHeight + 12;
    if (bottom > s.scrollTop + s.clientHeight) s.scrollTop = Math.min(top, bottom - s.clientHeight);
    else if (top < s.scrollTop) s.scrollTop = top;
  }

  scrollToBottom() {
    // A fresh conversation (just the welcome) reads best from the top.
    if (this.chat.log.size <= 1) this.el.scroller.scrollTop = 0;
    else scrollToNewest(this.el.scroller, this.el.log);
    // A form or a confirmation under the messages is the newest thing: shown whole.
    const card = this.contactView?.card() || this.ratingView?.card();
    if (card) this.#reveal(card);
  }

  render() {
    const { el, chat } = this;
    const st = chat.state;
    const conv = st.conversation;
    const stick = nearBottom(el.scroller);
    el.app.dataset.phase = st.phase;
    el.app.dataset.status = conv ? conv.status : 'none';

    this.#renderHeader(st, conv);

    el.conn.hidden = !(st.phase === 'ready' && conv && conv.status !== 'closed' && st.connection === State.RECONNECTING);
    el.loading.hidden = st.phase !== 'loading';
    el.error.hidden = st.phase !== 'error';
    if (st.phase === 'error') el.errorText.textContent = st.error;

    this.thread.render(chat.log.entries());
    this.#renderTyping(st);
    this.contactView.render();
    el.app.dataset.rating = this.ratingView.render() || 'none'; // survey | thanks | none
    const blocked = this.contactView.blocking; // a form stands in for the actions and the message box
    this.#renderActions(st, conv, blocked);

    el.notice.hidden = !st.notice;
    el.notice.textContent = st.notice || '';

    const ready = st.phase === 'ready' && conv;
    el.form.hidden = !ready || conv.status === 'closed' || blocked;
    this.#renderFiles(conv);
    el.ended.hidden = !ready || conv.status !== 'closed';
    el.newChat.disabled = st.startingNew;
    el.newChat.textContent = st.startingNew ? 'Starting…' : 'Start a new conversation';

    const size = chat.log.size;
    const grew = size > this.lastRenderedSize;
    this.lastRenderedSize = size;
    if (stick || (grew && this.#lastIsMine())) this.scrollToBottom();
    this.contactView.afterRender();
    this.ratingView.afterRender();
  }

  // The paperclip while the shop takes files; what is waiting to go belongs to one open conversation.
  #renderFiles(conv) {
    const { el, chat } = this;
    const key = conv && conv.status !== 'closed' ? conv.id : null;
    if (key !== this.trayConversation) {
      this.trayConversation = key;
      if (this.tray.items.length > 0) this.tray.clear();
    }
    el.attach.hidden = !chat.attachmentLimits.enabled;
    el.form.classList.toggle('with-attach', !el.attach.hidden);
    const accept = acceptList(chat.attachmentLimits);
    if (accept) el.attachInput.setAttribute('accept', accept);
    else el.attachInput.removeAttribute('accept');
    el.tray.hidden = el.form.hidden || (this.tray.items.length === 0 && !this.tray.notice);
  }

  #lastIsMine() {
    const entries = this.chat.log.entries();
    const last = entries[entries.length - 1];
    return Boolean(last && last.message.sender_type === 'customer');
  }

  #renderHeader(st, conv) {
    const { el } = this;
    let status = this.subtitle;
    let agentName = null;
    let present = false;
    const filed = this.contact.filed();
    if (conv) {
      if (filed) status = filedStatus(filed);
      else if (this.contact.awaitingContact()) status = headerStatus(this.contact.availability) || status;
      else if (conv.status === 'automated') status = headerStatus(this.contact.availability) || status;
      else if (conv.status === 'agent') {
        // Who holds the chat, and whether they are there (their presence, live).
        ({ text: status, name: agentName, present } = holderStatus(conv, { seen: st.holderSeen }));
      } else if (conv.status === 'closed') status = 'This conversation has ended';
    }
    el.status.textContent = status;
    el.status.hidden = !status;
    el.topAvatar.classList.toggle('has-agent', Boolean(agentName));
    el.topAvatar.classList.toggle('is-away', Boolean(agentName) && !present);
    el.topAvatar.dataset.presence = agentName ? (present ? 'online' : 'away') : 'none';
    el.topInitials.textContent = agentName ? initials(agentName) : '';
    if (agentName) el.topAvatar.style.setProperty('--hue', String(hueFor(agentName)));
  }

  #renderTyping(st) {
    const { el } = this;
    const t = st.agentTyping;
    const show = Boolean(t) && st.conversation?.status === 'agent';
    el.typing.hidden = !show;
    if (show) {
      const name = t.name || st.conversation.assigned_agent_name || 'Support';
      el.typingText.textContent = `${name} is typing`;
      el.typingAvatar.textContent = initials(name);
      el.typingAvatar.style.setProperty('--hue', String(hueFor(name)));
    }
  }

  // How many messages the shopper has written or tapped in this conversation (sending ones too).
  #asked() {
    return this.chat.log.entries().filter((e) => e.message.sender_type === 'customer').length;
  }

  // "More questions": the quick questions open again under the conversation (until the next
  // question), shown whole above the way to a person; the focus goes to the first.
  #openChips() {
    this.chipsOpenedAt = this.#asked();
    this.render();
    const s = this.el.scroller;
    s.scrollTop = s.scrollHeight;
    this.#reveal(this.el.chips);
    this.el.chips.querySelector('button')?.focus({ preventScroll: true });
  }

  #renderActions(st, conv, blocked) {
    const { el, chat } = this;
    const automated = st.phase === 'ready' && conv?.status === 'automated' && !blocked;
    if (conv?.id !== this.chipsConversation) {
      this.chipsConversation = conv?.id;
      this.chipsOpenedAt = null;
    }
    const mode = automated ? chipsMode({ questions: st.quickQuestions, asked: this.#asked(), openedAt: this.chipsOpenedAt }) : 'none';
    const questions = mode === 'all' ? st.quickQuestions : [];
    const key = questions.map((q) => q.slug).join('|');
    if (key !== this.chipsKey) {
      this.chipsKey = key;
      const hadFocus = el.chips.contains(document.activeElement); // a tapped question: the focus goes on below
      clear(el.chips);
      if (hadFocus) queueMicrotask(() => (el.more.hidden ? el.talk : el.more).focus({ preventScroll: true }));
      for (const q of questions) {
        el.chips.append(h('button', { class: 'chip', type: 'button', on: { click: () => chat.quickReply(q) } }, q.question));
      }
    }
    el.chips.hidden = questions.length === 0;
    el.more.hidden = mode !== 'more';
    el.more.setAttribute('aria-expanded', String(mode === 'all'));
    // Online: "Talk to a person" and how soon people reply; away or closed: "Leave a message".
    const av = this.contact.availability;
    const leave = this.contact.offering === 'leave';
    el.talk.hidden = !(automated && st.showTalkToAgent);
    el.talk.disabled = st.escalating;
    el.talkLabel.textContent = st.escalating ? 'Connecting you…' : leave ? 'Leave a message' : 'Talk to a person';
    el.talkPerson.toggleAttribute('hidden', leave); // SVG elements have no .hidden property
    el.talkMail.toggleAttribute('hidden', !leave);
    const hint = leave ? leaveHint(av) : replyTimeInWords(av.typicalReplySeconds);
    el.talkHint.hidden = el.talk.hidden || !hint;
    if (el.talkHint.textContent !== hint) el.talkHint.textContent = hint;
    el.actions.hidden = el.more.hidden && el.talk.hidden;
  }
}
