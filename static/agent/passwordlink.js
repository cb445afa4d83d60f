// Choosing a password through a single-use link (docs/API.md, "Invitations
// and forgotten passwords"): an invitation (72 hours) or a reset (1 hour)
// e-mails {public URL}/agent/#set-password=<token>. The token leaves the
// address bar at once, the link is checked (POST auth/password-link: whose,
// and what for), and the password chosen here (POST auth/set-password) signs
// the agent in as a login does (auth.js).

import { ApiError, passwordLinks } from '../js/api.js';
import { $ } from '../js/dom.js';
import { authFrom, showPane } from './auth.js';
import { busy, clearInvalid, explain, invalid, onSubmit, showError } from './forms.js';
import { passwordProblem } from './limits.js';

const PREFIX = '#set-password=';

// Before sign-in there are no `limits` (GET me): the rules docs/API.md gives every password.
export const PASSWORD_RULES = { password_min_chars: 10, password_max_bytes: 256 };

/** The token in a set-password address ("#set-password=<token>"): '' when it is unreadable, null when the address is no such link. */
export function linkToken(hash) {
  const text = String(hash || '');
  if (!text.startsWith(PREFIX)) return null;
  try {
    return decodeURIComponent(text.slice(PREFIX.length)).trim();
  } catch {
    return '';
  }
}

/**
 * Takes a set-password link's token out of the address (at once, before
 * anything else: it must not stay in the history, be bookmarked or copied
 * along) and returns it; null when the address holds none.
 */
export function takeLinkToken(loc = location, hist = history) {
  const token = linkToken(loc.hash);
  if (token !== null) hist.replaceState(null, '', loc.pathname + loc.search);
  return token;
}

const REASONS = {
  unknown: 'This link is not valid.',
  used: 'This link was already used. Ask for a new one.',
  expired: 'This link has expired. Ask for a new one.',
};

/** What the pane says when a link was refused or could not be checked: {title, text, retry}. */
export function linkProblem(err) {
  if (err instanceof ApiError && err.code === 'invalid_token') {
    return { title: 'This link can’t be used', text: REASONS[err.reason] || REASONS.unknown, retry: false };
  }
  return { title: 'Couldn’t check your link', text: explain(err, { fallback: 'Something went wrong. Try again.' }).text, retry: true };
}

/** The pane's heading and line for a checked link (POST auth/password-link's answer): {title, text}. */
export function linkWelcome(link) {
  if (link.purpose === 'invite') {
    return { title: `Welcome, ${link.display_name}`, text: `Choose a password to start. Your username is ${link.username}.` };
  }
  return { title: 'Choose a new password', text: `for ${link.username}` };
}

/**
 * Wires the set-password pane; returns open(token).
 * @param {{onSignedIn: (auth) => void, forgot: {open, options}, toast}} deps
 *   onSignedIn: as after a login (console.js); forgot: forgot.js, for a link that no longer works.
 */
export function wirePasswordLink({ onSignedIn, forgot, toast }) {
  const el = {
    title: $('setpw-title'), text: $('setpw-text'), form: $('setpw-form'), username: $('setpw-username'),
    password: $('setpw-password'), confirm: $('setpw-confirm'), error: $('setpw-error'), submit: $('setpw-submit'),
    problem: $('setpw-problem'), retry: $('setpw-retry'), forgot: $('setpw-forgot'),
  };
  let token = null;

  const say = ({ title, text }, shown) => {
    el.title.textContent = title;
    el.text.textContent = text;
    el.form.hidden = shown !== 'form';
    el.problem.hidden = shown !== 'problem';
  };

  async function refused(err) {
    const problem = linkProblem(err);
    if (!problem.retry) token = null; // refused for good
    el.retry.hidden = !problem.retry;
    el.forgot.hidden = problem.retry || !(await forgot.options()).passwordReset;
    say(problem, 'problem');
    el.title.focus();
  }

  async function check() {
    say({ title: 'Checking your link…', text: '' }, null);
    showPane('setpw');
    if (!token) return refused(new ApiError(400, 'invalid_token'));
    try {
      const link = await passwordLinks.check(token);
      el.username.value = link.username;
      el.password.value = el.confirm.value = '';
      clearInvalid(el.form);
      showError(el.error, '');
      say(linkWelcome(link), 'form');
      el.title.focus();
    } catch (err) {
      await refused(err);
    }
  }

  onSubmit(el.form, async () => {
    clearInvalid(el.form);
    const password = el.password.value;
    const weak = passwordProblem(password, 'The password', PASSWORD_RULES);
    if (weak) {
      showError(el.error, weak);
      return invalid(el.password);
    }
    if (el.confirm.value !== password) {
      showError(el.error, 'The two passwords are not the same. Type the new one again.');
      return invalid(el.confirm);
    }
    showError(el.error, '');
    try {
      const answer = await busy(el.submit, 'Saving…', () => passwordLinks.setPassword(token, password));
      token = null;
      el.password.value = el.confirm.value = '';
      onSignedIn(authFrom(answer));
      toast('Your password is saved: sign in with it from now on.');
    } catch (err) {
      if (err instanceof ApiError && err.code === 'invalid_token') return refused(err);
      const { text, input } = explain(err, { fields: { password: { input: el.password, label: 'Password' } } });
      showError(el.error, text);
      if (input || (err instanceof ApiError && err.status === 400)) invalid(input || el.password);
    }
  });

  el.retry.addEventListener('click', () => check());
  el.forgot.addEventListener('click', () => forgot.open());
  $('setpw-back').addEventListener('click', () => {
    token = null;
    showPane('login', { focus: true });
  });

  return (value) => {
    token = value;
    return check();
  };
}
