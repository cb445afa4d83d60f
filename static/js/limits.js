// The limits the browser enforces are the server's own: widget-config (the
// widget) and GET agent/me (the console) carry them as `limits`, e.g.
// {message_max_chars: 4000}. Until they are known nothing is checked here;
// the server still refuses what is too long (400) and its words are shown.
// Lengths count Unicode scalars, as the server does (docs/API.md, "Text").

import { $ } from './dom.js';

/** The members of a server's `limits` that are whole numbers ≥ 0; anything else is left out. */
export function parseLimits(raw) {
  const limits = {};
  if (!raw || typeof raw !== 'object') return limits;
  for (const [key, value] of Object.entries(raw)) {
    if (Number.isInteger(value) && value >= 0) limits[key] = value;
  }
  return limits;
}

/** How long `text` is as the server counts it (code points, not UTF-16 units). */
export function charCount(text) {
  let n = 0;
  for (const _ of String(text)) n++;
  return n;
}

/** True when `text` is longer than `max` characters (an unknown `max` allows anything). */
export function tooLong(text, max) {
  return Number.isInteger(max) && charCount(text) > max;
}

/** `text` cut to at most `max` characters, never inside a surrogate pair (unknown `max`: as is). */
export function clip(text, max) {
  return tooLong(text, max) ? [...text].slice(0, max).join('') : text;
}

/** UTF-8 bytes of `text` (passwords are limited in bytes). */
export function byteCount(text) {
  return new TextEncoder().encode(String(text)).length;
}

/**
 * Puts limits on the page's inputs: `fields` maps an element id to
 * {attribute: limit key}, e.g. {reply: {maxlength: 'message_max_chars'}}. An
 * attribute whose limit is unknown is removed (the HTML carries none).
 */
export function applyLimits(limits, fields, find = $) {
  for (const [id, attributes] of Object.entries(fields)) {
    const el = find(id);
    if (!el) continue;
    for (const [attribute, key] of Object.entries(attributes)) {
      if (Number.isInteger(limits[key])) el.setAttribute(attribute, String(limits[key]));
      else el.removeAttribute(attribute);
    }
  }
}
