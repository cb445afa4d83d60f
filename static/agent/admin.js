// Admins add agents from Settings → Team (POST /api/v1/agent/register). The
// username is suggested from the display name until the admin edits it; while
// it is still the suggestion, clicking into it selects it, so what they type
// replaces it instead of being appended ("sam.riverasam"). On a desk that
// sends e-mail the admin may invite them instead of choosing their password:
// a link to choose their own goes to the e-mail given.

import { ApiError } from '../js/api.js';
import { $ } from '../js/dom.js';
import { clip } from '../js/limits.js';
import { capacityProblem, limits, passwordProblem, usernameProblem } from './limits.js';

/** The username suggested for `displayName` ("José Núñez" → "jose.nunez"), at most `max` characters. */
export function usernameFrom(displayName, max) {
  const name = String(displayName).toLowerCase().normalize('NFKD').replace(/[^\w\s.-]/g, '')
    .trim().replace(/\s+/g, '.').replace(/_/g, '-');
  return clip(name, max);
}

/**
 * The register body for the dialog's values: an invitation carries the e-mail
 * and `invite: true` and no password; otherwise the password, and the e-mail when given.
 */
export function registerBody({ username, display, chats, role, online, email, password, invite }) {
  const body = { username, display_name: display, max_active_chats: chats, role, start_online: online };
  if (email) body.email = email;
  if (invite) body.invite = true;
  else body.password = password;
  return body;
}

const SUB = {
  password: 'They can sign in right away with the username and password you choose.',
  either: 'They sign in with the username and a password: the one you choose here, or one they choose through an invitation by e-mail.',
};

/** @param {{api, me: () => object|null, toast, onAdded: (agent) => void}} deps  me: the admin (GET me's email_enabled) */
export function wireAddAgent({ api, me, toast, onAdded = () => {} }) {
  const dialog = $('agent-dialog');
  const form = $('agent-form');
  const error = $('agent-error');
  const submit = $('agent-submit');
  const fields = {
    display: $('agent-display'), username: $('agent-username'), chats: $('agent-chats'),
    password: $('agent-password'), role: $('agent-role'), online: $('agent-online'), email: $('agent-email'), invite: $('agent-invite'),
  };

  // Inviting: no password to choose, and the e-mail is needed.
  const inviting = () => {
    const on = fields.invite.checked;
    $('agent-password-field').hidden = on;
    $('agent-email-optional').hidden = on;
    fields.password.required = !on;
    fields.email.required = on;
    submit.textContent = on ? 'Add and invite' : 'Add agent';
  };
  fields.invite.addEventListener('change', inviting);

  const showError = (text, field = null) => {
    error.textContent = text;
    error.hidden = !text;
    if (field) field.focus();
  };

  // Suggest a username from the display name until the admin edits it.
  let usernameTouched = false;
  let keepSelection = false;
  const usernameBox = fields.username;

  $('add-agent').addEventListener('click', () => {
    form.reset();
    const mail = me()?.email_enabled === true;
    $('agent-invite-row').hidden = !mail;
    $('agent-sub').textContent = mail ? SUB.either : SUB.password;
    inviting();
    usernameTouched = false;
    showError('');
    dialog.showModal();
    fields.display.focus();
  });
  $('agent-cancel').addEventListener('click', () => dialog.close());

  usernameBox.addEventListener('input', () => { usernameTouched = true; });
  dialog.addEventListener('close', () => { usernameTouched = false; });
  fields.display.addEventListener('input', () => {
    if (!usernameTouched) usernameBox.value = usernameFrom(fields.display.value, limits().username_max_chars);
  });
  // Still the suggestion: focusing the field selects it (a click's mouseup would put the
  // cursor at the click, so that one mouseup keeps the selection instead).
  usernameBox.addEventListener('focus', () => {
    if (usernameTouched || !usernameBox.value) return;
    usernameBox.select();
    keepSelection = true;
  });
  usernameBox.addEventListener('mouseup', (event) => {
    if (keepSelection) event.preventDefault();
    keepSelection = false;
  });
  usernameBox.addEventListener('blur', () => { keepSelection = false; });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const display = fields.display.value.trim();
    const username = fields.username.value.trim().toLowerCase();
    const chats = Number(fields.chats.value || 5);
    const email = fields.email.value.trim();
    const invite = fields.invite.checked;
    if (!display) return showError('Enter the name customers will see.', fields.display);
    const problem = [[usernameProblem(username), fields.username],
      [invite && !email ? 'Enter their e-mail: the invitation goes there.' : null, fields.email],
      [invite ? null : passwordProblem(fields.password.value), fields.password],
      [capacityProblem(chats), fields.chats]].find(([text]) => text);
    if (problem) return showError(...problem);
    showError('');
    submit.disabled = true;
    submit.textContent = 'Adding…';
    try {
      const agent = await api.register(registerBody({
        username, display, chats, role: fields.role.value, online: fields.online.checked, email, password: fields.password.value, invite,
      }));
      dialog.close();
      toast(invite ? `Invitation sent to ${email}: ${agent.display_name} chooses a password with its link.`
        : `${agent.display_name} can now sign in as “${agent.username}”.`);
      onAdded(agent);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      showError(err instanceof ApiError ? err.detail : 'Could not add the agent. Try again.',
        err instanceof ApiError && err.code === 'invalid_email' ? fields.email : null);
    } finally {
      submit.disabled = false;
      inviting();
    }
  });
}
