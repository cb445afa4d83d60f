// Draws contact.js's state into the forms of index.html: the pre-chat form,
// "Leave a message" and its confirmation, and the transcript by e-mail. The
// inputs are never cleared by a render, so a failed send keeps what was typed.

import { $ } from '../js/dom.js';
import { filedText, leaveIntro, transcriptText } from './availability.js';

/** Shows `text` in the error line `el` (hidden when empty) and marks `input` invalid. */
function showError(el, text, input = null) {
  el.hidden = !text;
  el.textContent = text || '';
  if (input) {
    if (text) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

export class ContactView {
  constructor(contact, { scrollIntoView }) {
    this.contact = contact;
    this.scrollIntoView = scrollIntoView;
    this.prefilledFor = { prechat: null, leave: null };
    this.el = {
      prechat: $('prechat'), prechatIntro: $('prechat-intro'), prechatName: $('prechat-name'), prechatEmail: $('prechat-email'),
      prechatEmailOpt: $('prechat-email-opt'), prechatEmailError: $('prechat-email-error'), prechatError: $('prechat-error'),
      prechatSkip: $('prechat-skip'), prechatSubmit: $('prechat-submit'),
      leave: $('leave'), leaveIntro: $('leave-intro'), leaveEmail: $('leave-email'), leaveName: $('leave-name'),
      leaveMessage: $('leave-message'), leaveEmailError: $('leave-email-error'), leaveMessageError: $('leave-message-error'),
      leaveError: $('leave-error'), leaveCancel: $('leave-cancel'), leaveSend: $('leave-send'),
      filed: $('filed'), filedText: $('filed-text'),
      transcriptOpen: $('transcript-open'), transcriptDone: $('transcript-done'), transcriptForm: $('transcript-form'),
      transcriptEmail: $('transcript-email'), transcriptEmailError: $('transcript-email-error'),
      transcriptError: $('transcript-error'), transcriptSend: $('transcript-send'), transcriptCancel: $('transcript-cancel'),
    };
    this.#wire();
  }

  #wire() {
    const { el, contact } = this;
    el.prechat.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = await contact.submitPrechat({ email: el.prechatEmail.value, name: el.prechatName.value });
      if (ok) this.#focusAfter('input');
      else this.#focusInvalid(el.prechat);
    });
    el.prechatSkip.addEventListener('click', () => {
      contact.skipPrechat();
      this.#focusAfter('input');
    });
    for (const [input, form, field] of [
      [el.prechatEmail, 'prechat', 'email'], [el.leaveEmail, 'leave', 'email'],
      [el.leaveMessage, 'leave', 'message'], [el.transcriptEmail, 'transcript', 'email'],
    ]) {
      input.addEventListener('input', () => contact.clearError(form, field));
    }
    el.leave.addEventListener('submit', async (event) => {
      event.preventDefault();
      const ok = await contact.leaveMessage({ email: el.leaveEmail.value, name: el.leaveName.value, message: el.leaveMessage.value });
      if (ok) {
        el.leaveMessage.value = '';
        this.#focusAfter('input');
      } else {
        this.#focusInvalid(el.leave);
      }
    });
    el.leaveCancel.addEventListener('click', () => {
      contact.closeForm();
      this.#focusAfter('talk', true);
    });
    el.transcriptOpen.addEventListener('click', () => contact.askTranscript());
    el.transcriptForm.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (!(await contact.requestTranscript(el.transcriptEmail.value))) this.#focusInvalid(el.transcriptForm);
    });
    el.transcriptCancel.addEventListener('click', () => {
      contact.closeForm();
      el.transcriptOpen.focus();
    });
  }

  // Once the form has given way (the next render runs first): where the shopper goes on.
  // The message box only with a mouse or trackpad: on a phone it would pop the keyboard up.
  #focusAfter(id, always = false) {
    if (!always && !matchMedia('(pointer: fine)').matches) return;
    queueMicrotask(() => {
      const target = $(id);
      if (target && target.offsetParent !== null) target.focus({ preventScroll: true });
    });
  }

  // After a refused send: the first field that says what is wrong (its error is its description).
  #focusInvalid(form) {
    const bad = form.querySelector('[aria-invalid="true"]');
    if (bad) bad.focus();
  }

  /** Whether a form stands in for the quick actions and the message box (read after render()). */
  get blocking() {
    return !this.el.prechat.hidden || !this.el.leave.hidden;
  }

  render() {
    this.#renderPrechat();
    this.#renderLeave();
    this.#renderFiled();
    this.#renderTranscript();
  }

  /** The form or confirmation shown under the messages, if any. */
  card() {
    const { el } = this;
    return [el.prechat, el.leave, el.filed].find((node) => !node.hidden) || null;
  }

  /** After the page has scrolled for new messages: a form that just opened is shown whole and focused. */
  afterRender() {
    const which = this.contact.focus;
    if (!which) return;
    this.contact.focus = null;
    const { el } = this;
    if (which === 'leave' && !el.leave.hidden) {
      this.scrollIntoView(el.leave);
      (el.leaveEmail.value ? el.leaveMessage : el.leaveEmail).focus({ preventScroll: true });
    } else if (which === 'transcript' && !el.transcriptForm.hidden) {
      el.transcriptEmail.focus({ preventScroll: true });
    }
  }

  #prefill(which, emailInput, nameInput) {
    const id = this.contact.conversationId;
    if (this.prefilledFor[which] === id) return;
    this.prefilledFor[which] = id;
    const { email, name } = this.contact.prefill();
    if (!emailInput.value) emailInput.value = email;
    if (!nameInput.value) nameInput.value = name;
  }

  #renderPrechat() {
    const { el, contact } = this;
    const show = contact.prechatPending();
    el.prechat.hidden = !show;
    if (!show) return;
    this.#prefill('prechat', el.prechatEmail, el.prechatName);
    const required = contact.availability.prechat === 'require_email';
    el.prechatIntro.textContent = required
      ? 'Please tell us your e-mail address before we start, so we can answer you even if the chat is interrupted.'
      : "Tell us who you are and we can answer you even if the chat is interrupted. You can skip this.";
    el.prechatEmailOpt.textContent = required ? '(required)' : '(optional)';
    el.prechatEmail.required = required;
    el.prechatSkip.hidden = required;
    const errors = contact.errors.prechat || {};
    showError(el.prechatEmailError, errors.email, el.prechatEmail);
    showError(el.prechatError, errors.form);
    const busy = contact.busy === 'prechat';
    el.prechatSubmit.disabled = busy;
    el.prechatSubmit.textContent = busy ? 'Saving…' : 'Start chatting';
  }

  #renderLeave() {
    const { el, contact } = this;
    // Still the bot's, or queued but not taken yet (nobody was there: the shop needs the address).
    const conv = contact.chat.conversation;
    const show = contact.form === 'leave' && Boolean(conv) && conv.status !== 'closed' && !conv.assigned_agent_id;
    el.leave.hidden = !show;
    if (!show) return;
    this.#prefill('leave', el.leaveEmail, el.leaveName);
    el.leaveIntro.textContent = leaveIntro(contact.availability, { changed: contact.leaveChanged });
    const errors = contact.errors.leave || {};
    showError(el.leaveEmailError, errors.email, el.leaveEmail);
    showError(el.leaveMessageError, errors.message, el.leaveMessage);
    showError(el.leaveError, errors.form);
    const busy = contact.busy === 'leave';
    el.leaveSend.disabled = busy;
    el.leaveSend.textContent = busy ? 'Sending…' : 'Send message';
    el.leaveCancel.disabled = busy;
  }

  #renderFiled() {
    const { el, contact } = this;
    const filed = contact.filed();
    el.filed.hidden = !filed;
    const text = filed ? filedText(filed) : '';
    if (el.filedText.textContent !== text) el.filedText.textContent = text;
  }

  #renderTranscript() {
    const { el, contact } = this;
    const offered = contact.transcriptOffered;
    const done = offered ? contact.transcript() : null;
    const formOpen = offered && contact.form === 'transcript';
    el.transcriptForm.hidden = !formOpen;
    el.transcriptOpen.hidden = !offered || Boolean(done) || formOpen;
    el.transcriptOpen.disabled = contact.busy === 'transcript';
    const doneText = done ? transcriptText(done) : '';
    if (el.transcriptDone.textContent !== doneText) el.transcriptDone.textContent = doneText;
    if (!formOpen) return;
    if (!el.transcriptEmail.value) el.transcriptEmail.value = contact.prefill().email;
    const errors = contact.errors.transcript || {};
    showError(el.transcriptEmailError, errors.email, el.transcriptEmail);
    showError(el.transcriptError, errors.form);
    el.transcriptSend.disabled = contact.busy === 'transcript';
    el.transcriptSend.textContent = contact.busy === 'transcript' ? 'Sending…' : 'Send';
  }
}
