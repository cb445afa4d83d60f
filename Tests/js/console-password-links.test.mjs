// The sign-in page's part of invitations and forgotten passwords (docs/API.md,
// "Invitations and forgotten passwords"): what GET auth/options shows (the
// demo note, "Forgot your password?" as a form or as the note about admins),
// the reset request's one answer, and the set-password pane: the token taken
// out of the address at once, the link checked, what each refusal says, the
// password checked in the browser, and the sign-in that follows.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { fakeServer, until } from './fakeserver.mjs';
import { load } from './load.mjs';

globalThis.addEventListener ??= () => {}; // the console's chrome (auth.js's) listens on the window

const { ApiError } = await load('js/api.js');
const { h } = await load('js/dom.js');
const { SENT_TEXT, optionsFrom, wireForgot } = await load('agent/forgot.js');
const { PASSWORD_RULES, linkProblem, linkToken, linkWelcome, takeLinkToken, wirePasswordLink } = await load('agent/passwordlink.js');

const realFetch = globalThis.fetch;

// The elements of index.html the sign-in screen's modules find by id.
const IDS = {
  div: ['login-view', 'login-main', 'app-view', 'pane', 'settings-view', 'contacts-view', 'search-view', 'login-pane', 'forgot-pane', 'setpw-pane', 'setpw-problem'],
  h1: ['login-title', 'forgot-title', 'setpw-title'],
  p: ['forgot-admin', 'login-foot', 'forgot-error', 'forgot-status', 'setpw-text', 'setpw-error'],
  form: ['forgot-form', 'setpw-form'],
  input: ['forgot-email', 'setpw-username', 'setpw-password', 'setpw-confirm'],
  button: ['forgot-open', 'forgot-submit', 'forgot-back', 'setpw-submit', 'setpw-retry', 'setpw-forgot', 'setpw-back'],
};

let document;
const $ = (id) => document.getElementById(id);

/** A fresh page with those elements, hidden as index.html hides them. */
function page() {
  document = installDom();
  for (const [tag, ids] of Object.entries(IDS)) for (const id of ids) document.body.append(h(tag, { id }));
  for (const id of ['login-foot', 'forgot-admin', 'forgot-pane', 'setpw-pane']) $(id).hidden = true;
}

const click = (id) => $(id).dispatchEvent({ type: 'click' });
const submit = (id) => $(id).dispatchEvent({ type: 'submit' });
const shownPane = () => ['login', 'forgot', 'setpw'].filter((name) => !$(`${name}-pane`).hidden);

afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('options: what the sign-in page offers', () => {
  beforeEach(page);

  test('only a clear yes is a yes', () => {
    assert.deepEqual(optionsFrom({ password_reset: true, demo_accounts: true }), { passwordReset: true, demoAccounts: true });
    assert.deepEqual(optionsFrom({ password_reset: 'yes', demo_accounts: 1 }), { passwordReset: false, demoAccounts: false });
    assert.deepEqual(optionsFrom(null), { passwordReset: false, demoAccounts: false });
  });

  test('the demo note shows only while the demo accounts exist, and never when the call fails', async () => {
    let answer = { status: 200, body: { password_reset: false, demo_accounts: true } };
    const server = fakeServer({ 'GET /agent/auth/options': () => answer });
    const forgot = wireForgot();
    assert.equal($('login-foot').hidden, true, 'hidden until the server says');
    await forgot.load();
    assert.equal($('login-foot').hidden, false);
    answer = { status: 200, body: { password_reset: false, demo_accounts: false } };
    await forgot.load();
    assert.equal($('login-foot').hidden, true);
    answer = { status: 200, body: { password_reset: false, demo_accounts: true } };
    await forgot.load();
    answer = { status: 500, body: { code: 'internal', detail: 'boom' } };
    assert.deepEqual(await forgot.load(), { passwordReset: false, demoAccounts: false });
    assert.equal($('login-foot').hidden, true);
    assert.equal(server.calls.length, 4);
  });

  test('without e-mail, "Forgot your password?" shows and hides the note about admins, and no form', async () => {
    fakeServer({ 'GET /agent/auth/options': () => ({ body: { password_reset: false, demo_accounts: false } }) });
    const forgot = wireForgot();
    await forgot.load();
    assert.equal($('forgot-open').getAttribute('aria-expanded'), 'false');
    assert.equal($('forgot-open').getAttribute('aria-controls'), 'forgot-admin');
    click('forgot-open');
    assert.equal($('forgot-admin').hidden, false);
    assert.equal($('forgot-open').getAttribute('aria-expanded'), 'true');
    assert.deepEqual(shownPane(), ['login'], 'the sign-in form stays');
    click('forgot-open');
    assert.equal($('forgot-admin').hidden, true);
    assert.equal($('forgot-open').getAttribute('aria-expanded'), 'false');
  });
});

describe('a forgotten password, with e-mail', () => {
  let server;
  let reset;
  let forgot;

  beforeEach(async () => {
    page();
    reset = () => ({ status: 202, body: { status: 'sent', expires_in_seconds: 3600 } });
    server = fakeServer({
      'GET /agent/auth/options': () => ({ body: { password_reset: true, demo_accounts: false } }),
      'POST /agent/auth/password-reset': (req) => reset(req),
    });
    forgot = wireForgot();
    await forgot.load();
  });

  test('the control is a plain button that opens the form, its heading focused; Back returns to sign-in', () => {
    assert.equal($('forgot-open').getAttribute('aria-expanded'), null);
    click('forgot-open');
    assert.deepEqual(shownPane(), ['forgot']);
    assert.equal(document.activeElement, $('forgot-title'));
    assert.equal($('forgot-admin').hidden, true);
    click('forgot-back');
    assert.deepEqual(shownPane(), ['login']);
    assert.equal(document.activeElement, $('login-title'));
  });

  test('the same words whatever the address, after the 202', async () => {
    click('forgot-open');
    for (const address of ['ann@example.com', 'nobody@example.com']) {
      $('forgot-email').value = ` ${address} `;
      submit('forgot-form');
      await until(() => $('forgot-status').textContent, 'the status');
      assert.equal($('forgot-status').textContent, SENT_TEXT);
      assert.equal($('forgot-error').hidden, true);
      assert.deepEqual(server.posts('/password-reset').at(-1).body, { email: address });
      $('forgot-status').textContent = '';
    }
  });

  test('an empty address is not sent', () => {
    click('forgot-open');
    submit('forgot-form');
    assert.equal(server.posts().length, 0);
    assert.equal($('forgot-error').hidden, false);
    assert.equal($('forgot-email').getAttribute('aria-invalid'), 'true');
  });

  test('400, 429 and 409 say the server\'s detail (naming the field as the form does), and nothing is announced as sent', async () => {
    click('forgot-open');
    const refusals = [
      [400, 'invalid_email', 'email: not an e-mail address.', 'E-mail: Not an e-mail address.'],
      [429, 'rate_limited', 'Too many requests. Try again in a minute.'],
      [409, 'email_unavailable', 'This desk does not send e-mail.'],
    ];
    for (const [status, code, detail, shown = detail] of refusals) {
      reset = () => ({ status, body: { code, detail } });
      $('forgot-email').value = 'ann@example.com';
      submit('forgot-form');
      await until(() => $('forgot-error').textContent === shown, `the ${status}'s detail`);
      assert.equal($('forgot-status').textContent, '');
      assert.equal($('forgot-email').getAttribute('aria-invalid'), code === 'invalid_email' ? 'true' : null);
      $('forgot-email').removeAttribute('aria-invalid');
    }
  });
});

describe('the link in the address', () => {
  test('the token after #set-password=, decoded; \'\' when unreadable; null for any other address', () => {
    assert.equal(linkToken('#set-password=abc_DEF-123'), 'abc_DEF-123');
    assert.equal(linkToken('#set-password=a%2Bb'), 'a+b');
    assert.equal(linkToken('#set-password='), '');
    assert.equal(linkToken('#set-password=%E0%A4%A'), '');
    assert.equal(linkToken('#settings/team'), null);
    assert.equal(linkToken(''), null);
    assert.equal(linkToken('#x#set-password=abc'), null);
  });

  test('taken out of the address bar at once, the path and query kept; nothing done for another address', () => {
    const replaced = [];
    const hist = { replaceState: (...args) => replaced.push(args) };
    assert.equal(takeLinkToken({ hash: '#set-password=tok', pathname: '/agent/', search: '?x=1' }, hist), 'tok');
    assert.deepEqual(replaced, [[null, '', '/agent/?x=1']]);
    assert.equal(takeLinkToken({ hash: '#set-password=', pathname: '/agent/', search: '' }, hist), '');
    assert.equal(replaced.length, 2, 'even an unreadable link leaves the address');
    assert.equal(takeLinkToken({ hash: '#contacts', pathname: '/agent/', search: '' }, hist), null);
    assert.equal(replaced.length, 2);
  });

  test('what each refusal says', () => {
    const refused = (reason) => linkProblem(Object.assign(new ApiError(400, 'invalid_token', 'x'), { reason }));
    assert.equal(refused('unknown').text, 'This link is not valid.');
    assert.equal(refused('used').text, 'This link was already used. Ask for a new one.');
    assert.equal(refused('expired').text, 'This link has expired. Ask for a new one.');
    assert.equal(refused(undefined).text, 'This link is not valid.');
    assert.equal(refused('used').retry, false);
    const offline = linkProblem(new ApiError(0));
    assert.equal(offline.retry, true, 'a network failure may be tried again');
    assert.match(offline.text, /reach the server/);
  });

  test('an invitation welcomes by name; a reset names the account', () => {
    assert.deepEqual(linkWelcome({ purpose: 'invite', username: 'sam', display_name: 'Sam Rivera' }),
      { title: 'Welcome, Sam Rivera', text: 'Choose a password to start. Your username is sam.' });
    assert.deepEqual(linkWelcome({ purpose: 'reset', username: 'sam', display_name: 'Sam Rivera' }),
      { title: 'Choose a new password', text: 'for sam' });
  });

  test('the rules checked before sign-in are the API\'s', () => {
    assert.deepEqual(PASSWORD_RULES, { password_min_chars: 10, password_max_bytes: 256 });
  });
});

describe('the set-password pane', () => {
  const LINK = { purpose: 'invite', username: 'sam', display_name: 'Sam Rivera', expires_at: '2026-12-10T10:00:00.000Z' };
  const LOGIN = { access_token: 'new-token', token_type: 'bearer', expires_at: '2026-12-08T10:00:00.000Z', username: 'sam', agent: { id: 'a1', username: 'sam' } };
  let server;
  let routes;
  let signedIn;
  let toasts;
  let open;
  let stored;

  const refusal = (reason) => ({ status: 400, body: { code: 'invalid_token', reason, detail: `link ${reason}` } });

  beforeEach(() => {
    page();
    stored = new Map();
    globalThis.sessionStorage = { setItem: (k, v) => stored.set(k, v), getItem: (k) => stored.get(k) ?? null, removeItem: (k) => stored.delete(k) };
    routes = {
      'GET /agent/auth/options': () => ({ body: { password_reset: true, demo_accounts: false } }),
      'POST /agent/auth/password-link': () => ({ body: LINK }),
      'POST /agent/auth/set-password': () => ({ body: LOGIN }),
    };
    server = fakeServer(new Proxy({}, { get: (_, key) => routes[key] }));
    signedIn = [];
    toasts = [];
    const forgot = wireForgot();
    forgot.load();
    open = wirePasswordLink({ onSignedIn: (auth) => signedIn.push(auth), forgot, toast: (text) => toasts.push(text) });
  });

  afterEach(() => {
    delete globalThis.sessionStorage;
  });

  const choose = (password, again = password) => {
    $('setpw-password').value = password;
    $('setpw-confirm').value = again;
    submit('setpw-form');
  };

  test('an invitation: checked, welcomed, the heading focused, the username there for password managers', async () => {
    await open('tok');
    assert.deepEqual(server.posts('/password-link').map((c) => c.body), [{ token: 'tok' }]);
    assert.deepEqual(shownPane(), ['setpw']);
    assert.equal($('setpw-title').textContent, 'Welcome, Sam Rivera');
    assert.equal($('setpw-text').textContent, 'Choose a password to start. Your username is sam.');
    assert.equal($('setpw-username').value, 'sam');
    assert.equal($('setpw-form').hidden, false);
    assert.equal($('setpw-problem').hidden, true);
    assert.equal(document.activeElement, $('setpw-title'));
  });

  test('a password the rules refuse, or two that differ, are not sent', async () => {
    await open('tok');
    choose('short');
    assert.match($('setpw-error').textContent, /at least 10 characters/);
    assert.equal($('setpw-password').getAttribute('aria-invalid'), 'true');
    choose('a long enough one', 'a long enough 1');
    assert.match($('setpw-error').textContent, /not the same/);
    assert.equal($('setpw-confirm').getAttribute('aria-invalid'), 'true');
    assert.equal(server.posts('/set-password').length, 0);
  });

  test('a password set signs in as a login does: the answer kept for the tab, then onSignedIn', async () => {
    await open('tok');
    choose('a long enough one');
    await until(() => signedIn.length, 'signed in');
    assert.deepEqual(server.posts('/set-password').map((c) => c.body), [{ token: 'tok', password: 'a long enough one' }]);
    const auth = { token: 'new-token', agent: LOGIN.agent, expiresAt: LOGIN.expires_at };
    assert.deepEqual(signedIn, [auth]);
    assert.deepEqual(JSON.parse(stored.get('switchboard.console.auth.v1')), auth);
    assert.equal($('setpw-password').value, '');
    assert.equal(toasts.length, 1);
  });

  test('a password the server refuses: its detail at the field', async () => {
    routes['POST /agent/auth/set-password'] = () => ({ status: 400, body: { code: 'invalid_request', detail: 'password: at most 256 bytes.' } });
    await open('tok');
    choose('a long enough one');
    await until(() => !$('setpw-error').hidden, 'the error');
    assert.equal($('setpw-error').textContent, 'Password: At most 256 bytes.');
    assert.equal($('setpw-password').getAttribute('aria-invalid'), 'true');
    assert.equal(document.activeElement, $('setpw-password'));
    assert.equal(signedIn.length, 0);
  });

  test('a used link: what it says, the way back and to "Forgot your password?", no retry', async () => {
    routes['POST /agent/auth/password-link'] = () => refusal('used');
    await open('tok');
    assert.equal($('setpw-text').textContent, 'This link was already used. Ask for a new one.');
    assert.equal($('setpw-form').hidden, true);
    assert.equal($('setpw-problem').hidden, false);
    assert.equal($('setpw-forgot').hidden, false);
    assert.equal($('setpw-retry').hidden, true);
    assert.equal(document.activeElement, $('setpw-title'));
    click('setpw-forgot');
    assert.deepEqual(shownPane(), ['forgot']);
  });

  test('without e-mail, an expired link offers only the way back', async () => {
    routes['GET /agent/auth/options'] = () => ({ body: { password_reset: false, demo_accounts: false } });
    routes['POST /agent/auth/password-link'] = () => refusal('expired');
    page();
    const forgot = wireForgot();
    forgot.load();
    await wirePasswordLink({ onSignedIn: () => {}, forgot, toast: () => {} })('tok');
    assert.equal($('setpw-text').textContent, 'This link has expired. Ask for a new one.');
    assert.equal($('setpw-forgot').hidden, true);
    click('setpw-back');
    assert.deepEqual(shownPane(), ['login']);
  });

  test('a link that stops working between the check and the password (used in another tab)', async () => {
    routes['POST /agent/auth/set-password'] = () => refusal('used');
    await open('tok');
    choose('a long enough one');
    await until(() => !$('setpw-problem').hidden, 'the problem');
    assert.equal($('setpw-text').textContent, 'This link was already used. Ask for a new one.');
    assert.equal($('setpw-form').hidden, true);
    assert.equal(signedIn.length, 0);
  });

  test('an unreadable link is not sent; a check that failed on the way may be tried again', async () => {
    await open('');
    assert.equal(server.posts('/password-link').length, 0);
    assert.equal($('setpw-text').textContent, 'This link is not valid.');
    routes['POST /agent/auth/password-link'] = () => ({ status: 503, body: { code: 'busy', detail: 'The server is busy.' } });
    await open('tok');
    assert.equal($('setpw-text').textContent, 'The server is busy.');
    assert.equal($('setpw-retry').hidden, false);
    routes['POST /agent/auth/password-link'] = () => ({ body: LINK });
    click('setpw-retry');
    await until(() => !$('setpw-form').hidden, 'the form after trying again');
    assert.deepEqual(server.posts('/password-link').map((c) => c.body.token), ['tok', 'tok']);
  });
});
