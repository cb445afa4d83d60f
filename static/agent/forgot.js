// The sign-in page's "Forgot your password?", and what the page offers before
// anyone signs in (GET /api/v1/agent/auth/options). A desk that sends e-mail
// mails a single-use link to choose a new password (POST auth/password-reset);
// the answer is the same whether or not the address is an agent's, and so is
// what the page says. Without e-mail the page says that an admin resets
// passwords. The note about the demo accounts' passwords shows only while an
// account still has the password `make run` printed.

import { passwordLinks } from '../js/api.js';
import { $ } from '../js/dom.js';
import { showPane } from './auth.js';
import { busy, clearInvalid, explain, invalid, onSubmit, showError } from './forms.js';

export const SENT_TEXT = 'If that address belongs to an agent, a link to choose a new password is on its way. It works for an hour.';

/** GET auth/options as the page uses it: anything but a clear yes is a no (a failed call too). */
export function optionsFrom(answer) {
  return { passwordReset: answer?.password_reset === true, demoAccounts: answer?.demo_accounts === true };
}

/**
 * Wires "Forgot your password?" and its pane. Returns
 * {load(): reads the options again (each time the sign-in page shows), options(): the last read's promise, open(): the pane}.
 */
export function wireForgot() {
  const el = {
    open: $('forgot-open'), admin: $('forgot-admin'), foot: $('login-foot'),
    form: $('forgot-form'), email: $('forgot-email'), error: $('forgot-error'), submit: $('forgot-submit'), status: $('forgot-status'),
  };
  let options = optionsFrom(null);
  let loading = Promise.resolve(options);

  // With e-mail the control opens the reset pane; without, it shows and hides the note about admins.
  const apply = () => {
    el.foot.hidden = !options.demoAccounts;
    if (options.passwordReset) {
      el.admin.hidden = true;
      el.open.removeAttribute('aria-expanded');
      el.open.removeAttribute('aria-controls');
    } else {
      el.open.setAttribute('aria-controls', 'forgot-admin');
      el.open.setAttribute('aria-expanded', String(!el.admin.hidden));
    }
  };
  apply();

  const open = () => {
    clearInvalid(el.form);
    showError(el.error, '');
    el.status.textContent = '';
    showPane('forgot', { focus: true });
  };

  el.open.addEventListener('click', () => {
    if (options.passwordReset) return open();
    el.admin.hidden = !el.admin.hidden;
    return apply();
  });
  $('forgot-back').addEventListener('click', () => showPane('login', { focus: true }));

  onSubmit(el.form, async () => {
    clearInvalid(el.form);
    const email = el.email.value.trim();
    if (!email) {
      showError(el.error, 'Enter the e-mail address of your account.');
      return invalid(el.email);
    }
    showError(el.error, '');
    el.status.textContent = ''; // emptied first, so that sending again is announced again
    try {
      await busy(el.submit, 'Sending…', () => passwordLinks.requestReset(email));
      el.status.textContent = SENT_TEXT;
    } catch (err) {
      const { text, input } = explain(err, { fields: { email: { input: el.email, label: 'E-mail' } }, fallback: "Couldn't send the link. Try again." });
      showError(el.error, text);
      if (input || err?.code === 'invalid_email') invalid(el.email);
    }
  });

  const load = () => {
    loading = passwordLinks.options().then(optionsFrom, () => optionsFrom(null)).then((read) => {
      options = read;
      apply();
      return read;
    });
    return loading;
  };
  return { load, open, options: () => loading };
}
