// "Are you sure?" for what cannot be undone (deleting an FAQ, disabling an
// agent): the confirm dialog of index.html, as a promise.

import { $ } from '../js/dom.js';

/** Resolves to true when the person confirmed. */
export function confirmDialog({ title, text, ok }) {
  const dialog = $('confirm-dialog');
  $('confirm-title').textContent = title;
  $('confirm-text').textContent = text;
  $('confirm-ok').textContent = ok;
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
