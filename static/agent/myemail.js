// "My e-mail", for every agent: their address and whether offline messages
// (left while nobody was online) are e-mailed to them too
// (PATCH /api/v1/agent/me {email, email_notifications}). Opened from their
// name in the top bar.

import { $ } from '../js/dom.js';
import { busy, clearInvalid, invalid, showApiError, showError, signedOut } from './forms.js';

/**
 * @param {{api, me: () => object|null, onMe: (agent) => void, toast}} deps
 *   api: agentApi (a 401 signs out); onMe: the server's answer (the agent with the new e-mail), to keep.
 */
export function wireMyEmail({ api, me, onMe, toast }) {
  const dialog = $('my-email-dialog');
  const form = $('my-email-form');
  const email = $('my-email');
  const notify = $('my-email-notify');
  const error = $('my-email-error');
  const submit = $('my-email-submit');

  $('my-account').addEventListener('click', () => {
    const agent = me();
    form.reset();
    clearInvalid(form);
    showError(error, '');
    email.value = agent?.email || '';
    notify.checked = Boolean(agent?.email_notifications);
    dialog.showModal();
    email.focus();
  });
  $('my-email-cancel').addEventListener('click', () => dialog.close());

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearInvalid(form);
    const address = email.value.trim();
    if (notify.checked && !address) {
      showError(error, 'Enter your e-mail to get offline messages, or untick the box.');
      return invalid(email);
    }
    showError(error, '');
    try {
      const agent = await busy(submit, 'Saving…', () => api.updateMe({ email: address || null, email_notifications: notify.checked }));
      dialog.close();
      onMe(agent);
      toast(!address ? 'Your e-mail is removed.' : agent.email_notifications
        ? `Saved. Offline messages go to ${agent.email} too.` : `Saved your e-mail, ${agent.email}.`);
    } catch (err) {
      if (signedOut(err)) return;
      showApiError(error, err, {
        codes: {
          invalid_email: { text: "That doesn't look like an e-mail address.", input: email },
          not_found: "This server can't keep an agent's e-mail yet.",
        },
        fields: { email: { input: email, label: 'E-mail' }, email_notifications: { input: notify, label: 'E-mail me offline messages' } },
      });
    }
  });
}
