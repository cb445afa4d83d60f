// Signing in and out. The access token is kept per tab (sessionStorage): a
// second tab signs in on its own, and closing the tab forgets the token.

import { ApiError, login } from '../js/api.js';
import { $ } from '../js/dom.js';
import { setMain } from './chrome.js';

const KEY = 'switchboard.console.auth.v1';

/** {token, agent, expiresAt} or null. */
export function loadAuth() {
  try {
    const value = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    if (value && typeof value.token === 'string' && value.agent) {
      if (value.expiresAt && Date.parse(value.expiresAt) <= Date.now()) return null;
      return value;
    }
  } catch {
    // unreadable or blocked
  }
  return null;
}

export function saveAuth(auth) {
  try {
    sessionStorage.setItem(KEY, JSON.stringify(auth));
  } catch {
    // blocked: the token lives in memory for this page view
  }
}

export function clearAuth() {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // ignore
  }
}

/**
 * A login answer ({access_token, agent, expires_at}: POST auth/login, or a
 * password chosen through a link) as this tab's sign-in, kept for the tab.
 */
export function authFrom(answer) {
  const auth = { token: answer.access_token, agent: answer.agent, expiresAt: answer.expires_at };
  saveAuth(auth);
  return auth;
}

/** Wires the sign-in form; onSignedIn(auth) runs after a successful login. */
export function wireLogin(onSignedIn) {
  const form = $('login-form');
  const username = $('login-username');
  const password = $('login-password');
  const error = $('login-error');
  const submit = $('login-submit');

  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const user = username.value.trim();
    if (!user || !password.value) {
      showError('Enter your username and password.');
      (user ? password : username).focus();
      return;
    }
    showError('');
    submit.disabled = true;
    submit.textContent = 'Signing in…';
    try {
      const auth = authFrom(await login(user, password.value));
      password.value = '';
      onSignedIn(auth);
    } catch (err) {
      const e = err instanceof ApiError ? err : new ApiError(0);
      if (e.status === 401) showError('Wrong username or password.');
      else if (e.status === 429) showError('Too many sign-in attempts. Wait a minute, then try again.');
      else if (e.status === 0) showError("Can't reach the server. Check your connection and try again.");
      else showError(e.detail);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
      submit.textContent = 'Sign in';
    }
  });
}

// The sign-in screen's panes (index.html): their element is `${name}-pane`, their heading `${name}-title`.
const PANES = { login: 'Sign in', forgot: 'Forgot your password', setpw: 'Choose a password' };

/** The sign-in screen with pane `name` ("login", "forgot", "setpw"); `focus`: its heading takes the keyboard focus. */
export function showPane(name, { focus = false } = {}) {
  $('app-view').hidden = true;
  $('login-view').hidden = false;
  setMain('login-main');
  for (const pane of Object.keys(PANES)) $(`${pane}-pane`).hidden = pane !== name;
  document.title = `${PANES[name]} · Switchboard Console`;
  if (focus) $(`${name}-title`).focus();
}

/** Shows the sign-in form, optionally with a message (e.g. "session expired"). */
export function showLogin(message = '') {
  showPane('login');
  const error = $('login-error');
  error.textContent = message;
  error.hidden = !message;
  const username = $('login-username');
  (username.value ? $('login-password') : username).focus();
}
