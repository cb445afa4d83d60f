// Signing out with open chats: "Return your 2 open chats to the queue?" (the
// logout dialog of index.html). Returning them is the default (the focused
// button, and what Enter does); keeping them is a choice; Escape or "Stay
// signed in" signs nobody out. POST /api/v1/agent/auth/logout {return_chats}.

import { $ } from '../js/dom.js';

/** The question and what it means, for `count` open chats: {title, text}. */
export function logoutQuestion(count) {
  const one = count === 1;
  return {
    title: `Return ${one ? 'your open chat' : `your ${count} open chats`} to the queue?`,
    text: one
      ? 'You are signing out either way. Returned, it goes to someone who is online (or waits in the queue) and the customer is told. Kept, it stays yours until you are back, unless you stay away longer than your shop allows.'
      : 'You are signing out either way. Returned, they go to someone who is online (or wait in the queue) and the customers are told. Kept, they stay yours until you are back, unless you stay away longer than your shop allows.',
  };
}

/** Asks; resolves to 'return', 'keep' or 'cancel'. */
export function askLogout(count) {
  const dialog = $('logout-dialog');
  const { title, text } = logoutQuestion(count);
  $('logout-title').textContent = title;
  $('logout-text').textContent = text;
  $('logout-return').textContent = count === 1 ? 'Return it' : 'Return them';
  $('logout-keep').textContent = count === 1 ? 'Keep it' : 'Keep them';
  dialog.returnValue = '';
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      const choice = dialog.returnValue;
      resolve(choice === 'return' || choice === 'keep' ? choice : 'cancel');
    }, { once: true });
    dialog.showModal();
    $('logout-return').focus();
  });
}
