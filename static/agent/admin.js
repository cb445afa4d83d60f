// Admins add agents from Settings → Team (POST /api/v1/agent/register). The
// username is suggested from the display name until the admin edits it; while
// it is still the suggestion, clicking into it selects it, so what they type
// replaces it instead of being appended ("sam.riverasam").

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

/** @param {{api, toast, onAdded: (agent) => void}} deps */
export function wireAddAgent({ api, toast, onAdded = () => {} }) {
  const dialog = $('agent-dialog');
  const form = $('agent-form');
  const error = $('agent-error');
  const submit = $('agent-submit');
  const fields = {
    display: $('agent-display'), username: $('agent-username'), chats: $('agent-chats'),
    password: $('agent-password'), role: $('agent-role'), online: $('agent-online'),
  };

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
    if (!display) return showError('Enter the name customers will see.', fields.display);
    const problem = [[usernameProblem(username), fields.username], [passwordProblem(fields.password.value), fields.password],
      [capacityProblem(chats), fields.chats]].find(([text]) => text);
    if (problem) return showError(...problem);
    showError('');
    submit.disabled = true;
    submit.textContent = 'Adding…';
    try {
      const agent = await api.register({
        username, password: fields.password.value, display_name: display,
        max_active_chats: chats, role: fields.role.value, start_online: fields.online.checked,
      });
      dialog.close();
      toast(`${agent.display_name} can now sign in as “${agent.username}”.`);
      onAdded(agent);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return;
      showError(err instanceof ApiError ? err.detail : 'Could not add the agent. Try again.');
    } finally {
      submit.disabled = false;
      submit.textContent = 'Add agent';
    }
  });
}
