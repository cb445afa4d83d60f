// The composer's two modes: "Reply" (to the customer) and "Note" (for the
// team only). Two radio buttons choose; in Note mode the composer turns
// yellow, says "Only your team sees this", and the send button says "Add
// note". A note may be written on any chat, closed or held by someone else,
// so the box is open in Note mode even where a reply is not allowed.

import { $ } from '../js/dom.js';

export const REPLY = 'reply';
export const NOTE_MODE = 'note';

/** What the reply box offers in `mode`: {placeholder, send, label, enabled}. */
export function composeLook(mode, canReply) {
  if (mode === NOTE_MODE) {
    return { placeholder: 'A note for your team…', send: 'Add note', label: 'Note for your team', enabled: true };
  }
  return { placeholder: 'Write a reply…', send: 'Send', label: 'Reply', enabled: canReply };
}

export class ComposeMode {
  /** @param {{onChange: (mode) => void, signal?: AbortSignal}} deps */
  constructor({ onChange, signal }) {
    this.el = {
      foot: $('conv-foot'), reply: $('mode-reply'), note: $('mode-note'), only: $('note-only'),
      input: $('reply'), send: $('reply-send'), label: $('reply-label'),
    };
    this.mode = REPLY;
    for (const radio of [this.el.reply, this.el.note]) {
      radio.addEventListener('change', () => {
        if (!radio.checked) return;
        this.mode = radio.value;
        onChange(this.mode);
      }, { signal });
    }
  }

  get isNote() {
    return this.mode === NOTE_MODE;
  }

  /** Another chat opened: replies first again. */
  reset() {
    this.mode = REPLY;
    this.el.reply.checked = true;
    this.el.note.checked = false;
  }

  /** Draws the mode; returns whether the box takes text. */
  render(canReply) {
    const { el } = this;
    const look = composeLook(this.mode, canReply);
    el.foot.dataset.mode = this.mode;
    el.only.hidden = !this.isNote;
    el.input.placeholder = look.placeholder;
    el.label.textContent = look.label;
    el.send.textContent = look.send;
    // "Only your team sees this" is part of what the box says while it is a note.
    el.input.setAttribute('aria-describedby', this.isNote ? 'note-only reply-hint' : 'reply-hint');
    return look.enabled;
  }
}
