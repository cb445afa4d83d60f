// "Change my password", for every agent (POST /api/v1/agent/me/password).
// The server ends the agent's other sessions; this one goes on (session.js
// checks its own token when the resulting agent.session_revoked arrives).

import { $ } from '../js/dom.js';
import { busy, clearInvalid, invalid, showApiError, showError, signedOut } from './forms.js';
import { passwordProblem } from './limits.js';

/** @param {{api, me: () => object|null, toast}} deps */
export function wirePassword({ api, me, toast }) {
  const dialog = $('password-dialog');
  const form = $('password-form');
  const current = $('password-current');
  const next = $('password-new');
  const error = $('password-error');
  const submit = $('password-submit');

  $('change-password').addEventListener('click', () => {
    form.reset();
    clearInvalid(form);
    showError(error, '');
    $('password-username').value = me()?.username || ''; // for password managers
    dialog.showModal();
    current.focus();
  });
  $('password-cancel').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearInvalid(form);
    if (!current.value) {
      showError(error, 'Enter your current password.');
      return invalid(current);
    }
    const weak = passwordProblem(next.value, 'The new password');
    if (weak) {
      showError(error, weak);
      return invalid(next);
    }
    if (next.value === current.value) {
      showError(error, 'The new password is the same as the current one.');
      return invalid(next);
    }
    showError(error, '');
    try {
      await busy(submit, 'Changing…', () => api.changePassword(current.value, next.value));
      dialog.close();
      form.reset();
      toast('Your password is changed. Your other sessions have ended.');
    } catch (err) {
      if (signedOut(err)) return;
      showApiError(error, err, {
        codes: { wrong_password: { text: 'That is not your current password.', input: current } },
        fields: { new_password: { input: next, label: 'New password' }, password: { input: next, label: 'New password' } },
      });
    }
  });
}
