// What the console's forms share: an error line next to the form in plain
// words (the API's 400 `detail` names the field: "question: 1–200
// characters."), the field marked invalid, and a busy submit button.

import { ApiError } from '../js/api.js';
import { h } from '../js/dom.js';

/** Shows `text` in the error line `el` (hides it when empty). */
export function showError(el, text) {
  el.textContent = text || '';
  el.hidden = !text;
}

/**
 * The error line for a failed call, in plain words, and the input it is about.
 * `fields` maps the API's field names ("question", "widget.color") to
 * {input, label}; `codes` maps error codes to a sentence of our own (or to
 * {text, input}).
 */
export function explain(err, { fields = {}, codes = {}, fallback = 'That did not work. Try again.' } = {}) {
  if (!(err instanceof ApiError)) return { text: fallback, input: null };
  const known = codes[err.code];
  if (known) return typeof known === 'string' ? { text: known, input: null } : { input: null, ...known };
  if (err.status === 0) return { text: "Can't reach the server. Check your connection and try again.", input: null };
  const m = /^([a-z_.]+): (.*)$/s.exec(err.detail || '');
  if (m && fields[m[1]]) {
    const { input, label } = fields[m[1]];
    const rest = m[2].charAt(0).toUpperCase() + m[2].slice(1);
    return { text: `${label}: ${rest}`, input };
  }
  return { text: err.detail || fallback, input: null };
}

/** Shows a failed call's explanation next to `form` and focuses the field it names. */
export function showApiError(errorEl, err, options) {
  const { text, input } = explain(err, options);
  showError(errorEl, text);
  if (input) invalid(input);
  return text;
}

/** Marks `input` invalid until it is edited, and focuses it. */
export function invalid(input) {
  input.setAttribute('aria-invalid', 'true');
  input.addEventListener('input', () => input.removeAttribute('aria-invalid'), { once: true });
  input.focus();
}

/**
 * A field built in script: its label, the input (or `more`, the input among other nodes) and
 * its error line, whose id is the input's with "-error" (fieldError() writes there; put it
 * first in the input's aria-describedby).
 */
export function errorField(label, input, ...more) {
  return h('div', { class: 'field' },
    h('label', { for: input.id }, label), ...(more.length ? more : [input]),
    h('p', { class: 'field-error', id: `${input.id}-error`, hidden: true }));
}

/** `text` under `input` in its errorField() line (none: cleared), the field marked invalid and focused. */
export function fieldError(input, text) {
  const line = document.getElementById(`${input.id}-error`);
  line.textContent = text;
  line.hidden = !text;
  if (!text) return input.removeAttribute('aria-invalid');
  input.setAttribute('aria-invalid', 'true');
  return input.focus();
}

/** Clears the invalid marks of a form's fields. */
export function clearInvalid(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** Runs `task` with `button` disabled and showing `label`; resolves to what `task` returns. */
export async function busy(button, label, task) {
  const before = button.textContent;
  button.disabled = true;
  button.textContent = label;
  try {
    return await task();
  } finally {
    button.disabled = false;
    button.textContent = before;
  }
}

/** Calls `submit` when `form` is submitted (Enter or its button), instead of the browser's navigation. */
export function onSubmit(form, submit) {
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit();
  });
}

/**
 * A Settings section shows the shared Settings (settings.js): its error line
 * and marks cleared, then `fill(settings)`, or why they could not be read.
 */
export async function loadSettings(store, { form, error }, fill) {
  showError(error, '');
  clearInvalid(form);
  try {
    fill(await store.load());
  } catch (err) {
    if (!signedOut(err)) showApiError(error, err, { fallback: "Couldn't load the settings." });
  }
}

/**
 * Saves `body` (a PATCH of the Settings) with the section's button busy, then
 * toasts `done`; a refusal is explained next to the form, naming the field
 * (`fields`, as for explain()). Resolves to the saved Settings, or null.
 */
export async function saveSettings(store, { error, save }, body, { done, toast, fields }) {
  showError(error, '');
  try {
    const saved = await busy(save, 'Saving…', () => store.save(body));
    toast(done);
    return saved;
  } catch (err) {
    if (!signedOut(err)) showApiError(error, err, { fields });
    return null;
  }
}

/** True for the 401 that signs the console out (nothing to show next to a form then). */
export function signedOut(err) {
  return err instanceof ApiError && err.status === 401;
}

/**
 * Copies a read-only field's text (a Copy button beside it); without clipboard
 * access (an insecure origin, or refused) selects it for Ctrl+C instead.
 */
export async function copyField(field, { toast, done }) {
  try {
    await navigator.clipboard.writeText(field.value);
    toast(done);
  } catch {
    field.focus();
    field.select();
    toast('Selected: press Ctrl+C (⌘C on a Mac) to copy.');
  }
}
