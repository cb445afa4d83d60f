// How the shop reaches the shopper when nobody is there: the availability
// (refreshed now and then), "Talk to a person" or "Leave a message", the
// pre-chat form, the transcript by e-mail, and what the shopper told us
// (session.js keeps it across reloads). The state is read by contactview.js;
// the conversation itself stays chat.js's.

import { ApiError } from '../js/api.js';
import { newClientId } from '../js/ids.js';
import { tooLong } from '../js/limits.js';
import { parseAvailability } from './config.js';
import { loadContact, saveContact } from './session.js';

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** A plain sentence for a failed call; `what` says what did not happen. */
function plain(err, what) {
  const e = err instanceof ApiError ? err : new ApiError(0);
  if (e.status === 0) return `${what} No connection — check your network and try again.`;
  if (e.code === 'too_many_open_chats') return `${what} ${e.detail}`;
  if (e.status === 429) return `${what} Too many tries in a short time — wait a moment and try again.`;
  if (e.status >= 500) return `${what} Our chat is having trouble right now — please try again in a moment.`;
  if (e.status === 409 && e.code !== 'email_unavailable') {
    return 'This conversation has ended. Start a new one to write to us.';
  }
  return `${what} ${e.detail}`;
}

export class Contact {
  /** @param {import('./chat.js').Chat} chat  @param {{onChange: () => void, refresh: () => Promise<object|null>}} hooks */
  constructor(chat, { onChange, refresh }) {
    this.chat = chat;
    this.onChange = onChange;
    this.refresh = refresh;
    this.availability = parseAvailability(null);
    this.record = loadContact() || {};
    this.form = null; // null | 'leave' | 'transcript': the form the shopper opened
    this.leaveChanged = false; // the form opened because availability changed under "Talk to a person"
    this.busy = null; // which form is being sent
    this.errors = {}; // form → {field → text, form → text}
    this.focus = null; // a form that just opened, for the view to focus once
    this.leaveDraft = null; // {text, clientId, sent}: the offline form's message, sent once across retries
  }

  #changed() {
    this.onChange();
  }

  #save() {
    saveContact(this.record);
  }

  // --- what we know -------------------------------------------------------------

  setAvailability(availability) {
    if (!availability) return;
    this.availability = availability;
    this.#changed();
  }

  /** Reads the availability again (the view follows it). */
  async update() {
    this.setAvailability(await this.refresh());
  }

  get conversationId() {
    return this.chat.conversation?.id || null;
  }

  /** This conversation's part of the record (reset when another conversation is shown). */
  #mine() {
    const id = this.conversationId;
    if (id && this.record.conversationId !== id) {
      this.record = { email: this.record.email, name: this.record.name, conversationId: id };
      this.form = null; // another conversation: nothing half-filled carries over
      this.#save();
    }
    return this.record;
  }

  /** chat.js: a conversation was started, with the host page's identity if it had one. */
  started(conversation, identity) {
    this.form = null;
    this.record = { email: this.record.email, name: this.record.name, conversationId: conversation.id };
    if (identity?.email) {
      this.record.contactEmail = identity.email;
      this.record.contactFrom = 'identify';
      this.record.email = identity.email;
      if (identity.displayName) this.record.name = identity.displayName;
    }
    this.#save();
  }

  /**
   * widget.js: the host page identified a guest (name and e-mail hints, as chat.identify
   * resolves them) while a conversation is on. `start` carried hints given before it; these
   * came after (the page signed its shopper in mid-chat, or a later page view resumed the
   * chat): the conversation's contact gets them, once. The only route for that takes an
   * e-mail, so a name alone waits for the next conversation. What the shopper typed
   * themselves (a form) is never replaced by the page's hints. Resolves to whether they were
   * sent.
   */
  async identified({ displayName, email } = {}) {
    const conv = this.chat.conversation;
    if (!email || !conv || conv.status === 'closed' || this.chat.signedIn) return false;
    const r = this.#mine();
    if (r.contactEmail && r.contactFrom !== 'identify') return false; // the shopper's own words
    if (r.contactEmail === email && (!displayName || r.name === displayName)) return false; // the server has them
    try {
      await this.chat.api.contact(conv.id, { email, name: displayName });
    } catch {
      return false; // hints: nothing to tell the shopper; the next page view tries again
    }
    if (this.conversationId !== conv.id) return false;
    this.#remember(email, displayName, 'identify');
    this.#changed();
    return true;
  }

  /** chat.js: a signed-in customer's conversation is shown; their contact as the server has it. */
  known(conversation, { name, email } = {}) {
    if (this.record.conversationId !== conversation.id) {
      this.form = null;
      this.record = { email: this.record.email, name: this.record.name, conversationId: conversation.id };
    }
    if (email) {
      this.record.contactEmail = email;
      this.record.contactFrom = 'token';
      this.record.email = email;
    }
    if (name) this.record.name = name;
    this.#save();
    this.#changed();
  }

  /** chat.js: the signed-in customer is gone (signed out): nothing of theirs stays in this browser. */
  forget() {
    this.record = {};
    this.form = null;
    this.errors = {};
    this.focus = null;
    this.leaveDraft = null;
    saveContact(null);
    this.#changed();
  }

  /** The e-mail the server has for this conversation, as far as this page knows. */
  knownEmail() {
    return this.conversationId ? this.#mine().contactEmail || null : null;
  }

  /** What to put in the forms: the host page's identity, else what the shopper typed before. */
  prefill() {
    const id = this.chat.identity || {};
    return { email: id.email || this.record.email || '', name: id.displayName || this.record.name || '' };
  }

  // `from`: who gave the address: the shopper in a form, or the host page (identify).
  #remember(email, name, from = 'form') {
    const r = this.#mine();
    r.contactEmail = email;
    r.contactFrom = from;
    r.email = email;
    if (name) r.name = name;
    this.#save();
  }

  /** "Talk to a person" while someone is there; else "Leave a message". */
  get offering() {
    return this.availability.status === 'online' ? 'talk' : 'leave';
  }

  /** The offline message filed in this conversation, while it still waits for a person. */
  filed() {
    return this.#waiting() ? this.#mine().offline || null : null;
  }

  /** Queued while nobody was there, and the shop has no e-mail to answer yet. */
  awaitingContact() {
    const r = this.#waiting() ? this.#mine() : null;
    return Boolean(r?.offlinePending && !r.offline);
  }

  // Asked for a person who has not taken the chat yet.
  #waiting() {
    const conv = this.chat.conversation;
    return Boolean(conv && conv.status === 'agent' && !conv.assigned_agent_id);
  }

  /** The pre-chat form: before the first message, unless we already know how to reach the shopper. */
  prechatPending() {
    const conv = this.chat.conversation;
    if (this.availability.prechat === 'off' || this.chat.state.phase !== 'ready' || !conv || conv.status !== 'automated') return false;
    const r = this.#mine();
    return !r.prechatDone && !r.contactEmail && !this.chat.hasCustomerMessage();
  }

  get transcriptOffered() {
    const conv = this.chat.conversation;
    return this.availability.emailEnabled && this.chat.state.phase === 'ready' && Boolean(conv) && !this.prechatPending();
  }

  transcript() {
    return this.conversationId ? this.#mine().transcript || null : null;
  }

  // --- "Talk to a person" / "Leave a message" ------------------------------------

  /**
   * The button under the quick replies: "Leave a message" opens the form;
   * "Talk to a person" asks for one. If nobody is there after all, the chat
   * is queued as an offline message anyway, and without an e-mail to answer
   * the form asks for it.
   */
  async talk() {
    if (this.offering === 'leave') {
      this.openLeave();
      return;
    }
    let answer;
    try {
      answer = await this.chat.escalate();
    } catch (err) {
      this.chat.notify(plain(err, "We couldn't reach a person."));
      return;
    }
    if (!answer?.offline) return;
    this.#escalatedOffline();
    await this.update();
    if (this.availability.status === 'online') this.setAvailability({ ...this.availability, status: 'away' });
    if (answer.needs_contact) this.openLeave({ changed: true });
    else this.#fileOffline(this.knownEmail(), this.record.name);
  }

  #escalatedOffline() {
    this.#mine().offlinePending = true;
    this.#save();
  }

  /**
   * chat.js: the shopper asked the bot for a person while nobody is there, and the bot
   * offered to take a message: the same form "Leave a message" opens. The button and the
   * header follow: nobody is there (the server knows better than our last read).
   */
  async offerLeave() {
    if (this.chat.conversation?.status !== 'automated') return;
    this.openLeave();
    if (this.availability.status === 'online') this.setAvailability({ ...this.availability, status: 'away' });
    await this.update();
    if (this.availability.status === 'online') this.setAvailability({ ...this.availability, status: 'away' });
  }

  openLeave({ changed = false } = {}) {
    this.#mine(); // the record follows this conversation first: a later switch would close the form
    this.form = 'leave';
    this.leaveChanged = changed;
    this.errors.leave = {};
    this.focus = 'leave';
    this.chat.dismissNotice();
    this.#changed();
  }

  /** The shopper is fixing `field`: its complaint goes (the form's own stays until the next send). */
  clearError(form, field) {
    const errors = this.errors[form];
    if (!errors?.[field]) return;
    delete errors[field];
    this.#changed();
  }

  closeForm() {
    this.form = null;
    this.#changed();
  }

  /**
   * The offline form. Its message goes in first, so that the shop's e-mail
   * (sent once the chat is offline and has an address, whichever comes
   * second) has it: with the escalation while the bot still has the chat
   * (stored just before it, as the shopper wrote it before asking), or as an
   * ordinary message once the chat is queued (the form came after an
   * escalation that needed the address). Then the contact. A retry after a
   * failure on the way repeats nothing: the escalation is skipped once done,
   * a message sent is not sent again (and keeps its client_message_id until
   * then), and the contact is idempotent.
   */
  async leaveMessage({ email, name, message }) {
    email = email.trim();
    name = name.trim();
    const max = this.chat.limits.message_max_chars;
    const errors = {};
    if (!email) errors.email = 'Enter your e-mail address so we can answer you.';
    else if (!EMAIL_RE.test(email)) errors.email = "That e-mail address doesn't look right — please check it.";
    if (!message.trim()) errors.message = 'Write your message.';
    else if (tooLong(message, max)) errors.message = `Your message is too long (at most ${max} characters).`;
    this.errors.leave = errors;
    if (Object.keys(errors).length > 0 || this.busy) {
      this.#changed();
      return false;
    }
    const conv = this.chat.conversation;
    if (!conv) return false;
    this.busy = 'leave';
    this.#changed();
    if (this.leaveDraft?.text !== message) this.leaveDraft = { text: message, clientId: newClientId(), sent: false };
    const draft = this.leaveDraft;
    try {
      if (this.chat.conversation?.status === 'automated') {
        const answer = await this.chat.escalate(message);
        if (!answer) throw new ApiError(0);
        draft.sent = true;
        if (answer.offline) this.#escalatedOffline();
      }
      if (!draft.sent) {
        await this.chat.post(message, draft.clientId);
        draft.sent = true;
      }
      await this.chat.api.contact(conv.id, { email, name, source: 'offline' });
      this.#remember(email, name);
      this.leaveDraft = null;
      if (this.#mine().offlinePending) this.#fileOffline(email, name);
      this.form = null;
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_email') {
        this.errors.leave = { email: "That e-mail address doesn't look right — please check it." };
      } else {
        const what = draft.sent ? "Your message is here, but we couldn't save your e-mail address." : "Your message wasn't sent.";
        this.errors.leave = { form: plain(err, what) };
      }
      return false;
    } finally {
      this.busy = null;
      this.#changed();
    }
  }

  #fileOffline(email, name) {
    const r = this.#mine();
    const av = this.availability;
    r.offline = { email: email || '', name: name || '', status: av.status, nextOpenAt: av.nextOpenAt, emailEnabled: av.emailEnabled };
    this.#save();
  }

  // --- the pre-chat form ------------------------------------------------------------

  async submitPrechat({ email, name }) {
    email = email.trim();
    name = name.trim();
    const errors = {};
    if (!email) {
      errors.email = this.availability.prechat === 'require_email'
        ? 'Enter your e-mail address to start the chat.'
        : 'Enter your e-mail address, or choose Skip.';
    } else if (!EMAIL_RE.test(email)) {
      errors.email = "That e-mail address doesn't look right — please check it.";
    }
    this.errors.prechat = errors;
    const conv = this.chat.conversation;
    if (Object.keys(errors).length > 0 || this.busy || !conv) {
      this.#changed();
      return false;
    }
    this.busy = 'prechat';
    this.#changed();
    try {
      await this.chat.api.contact(conv.id, { email, name, source: 'prechat' });
      this.#remember(email, name);
      this.#mine().prechatDone = true;
      this.#save();
      return true;
    } catch (err) {
      this.errors.prechat = err instanceof ApiError && err.code === 'invalid_email'
        ? { email: "That e-mail address doesn't look right — please check it." }
        : { form: plain(err, "We couldn't save your details.") };
      return false;
    } finally {
      this.busy = null;
      this.#changed();
    }
  }

  skipPrechat() {
    if (this.availability.prechat === 'require_email') return;
    this.#mine().prechatDone = true;
    this.#save();
    this.#changed();
  }

  // --- the transcript by e-mail -------------------------------------------------------

  /** "E-mail me the transcript": at once when we know the address, else the small form. */
  async askTranscript() {
    const known = this.knownEmail();
    if (known) {
      await this.requestTranscript(known);
      if (this.errors.transcript?.form) this.#openTranscript();
    } else {
      this.#openTranscript();
    }
  }

  #openTranscript() {
    this.#mine();
    this.form = 'transcript';
    this.focus = 'transcript';
    this.#changed();
  }

  async requestTranscript(email) {
    email = (email || '').trim();
    if (!email) this.errors.transcript = { email: 'Enter the e-mail address to send the transcript to.' };
    else if (!EMAIL_RE.test(email)) this.errors.transcript = { email: "That e-mail address doesn't look right — please check it." };
    else this.errors.transcript = {};
    const conv = this.chat.conversation;
    if (this.errors.transcript.email || this.busy || !conv) {
      this.#changed();
      return false;
    }
    this.busy = 'transcript';
    this.#changed();
    try {
      const answer = await this.chat.api.transcript(conv.id, email);
      const r = this.#mine();
      r.transcript = { status: answer?.status === 'queued' ? 'queued' : 'on_close', email: answer?.email || email };
      this.#remember(answer?.email || email, '');
      if (this.form === 'transcript') this.form = null;
      return true;
    } catch (err) {
      if (err instanceof ApiError && err.code === 'contact_required') {
        this.errors.transcript = { email: 'Enter the e-mail address to send the transcript to.' };
      } else if (err instanceof ApiError && err.code === 'invalid_email') {
        this.errors.transcript = { email: "That e-mail address doesn't look right — please check it." };
      } else if (err instanceof ApiError && err.code === 'email_unavailable') {
        this.availability = { ...this.availability, emailEnabled: false };
        this.form = null;
        this.chat.notify("Sorry — we can't send e-mail right now, so there's no transcript by e-mail.");
      } else {
        this.errors.transcript = { form: plain(err, "We couldn't ask for the transcript.") };
      }
      return false;
    } finally {
      this.busy = null;
      this.#changed();
    }
  }
}
