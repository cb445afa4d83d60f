// js/limits.js (the server's limits, counted as the server counts) and the
// console's agent/limits.js (GET me's limits on the inputs, hints and checks).

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { load } from './load.mjs';

const { applyLimits, byteCount, charCount, clip, parseLimits, tooLong } = await load('js/limits.js');
const agentLimits = await load('agent/limits.js');

// GET /api/v1/agent/me's limits, as the contract gives them.
const ME_LIMITS = {
  message_max_chars: 4000, display_name_max_chars: 80, list_max_limit: 200, max_active_chats_min: 1,
  max_active_chats_max: 100, password_min_chars: 10, password_max_bytes: 256, username_min_chars: 2,
  username_max_chars: 32, faq_question_max_chars: 200, faq_answer_max_chars: 2000, faq_keywords_max: 30,
  faq_keyword_max_chars: 40, faqs_max: 200,
};

let document;
beforeEach(() => {
  document = installDom();
});

function input(id, attributes = {}) {
  const el = document.createElement('input');
  el.setAttribute('id', id);
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  document.body.append(el);
  return el;
}

describe('js/limits.js', () => {
  test('parseLimits keeps whole numbers ≥ 0 only', () => {
    assert.deepEqual(parseLimits({ a: 4000, b: 0, c: -1, d: 1.5, e: '80', f: null }), { a: 4000, b: 0 });
    assert.deepEqual(parseLimits(null), {});
    assert.deepEqual(parseLimits('4000'), {});
  });

  test('lengths are code points, as the server counts: an emoji is one, é as one scalar is one', () => {
    assert.equal(charCount('abc'), 3);
    assert.equal(charCount('😀😀'), 2);
    assert.equal('😀😀'.length, 4);
    assert.equal(charCount('e\u0301'), 2); // e + combining accent: two scalars
    assert.equal(tooLong('😀'.repeat(4000), 4000), false);
    assert.equal(tooLong('😀'.repeat(4001), 4000), true);
  });

  test('an unknown limit allows anything', () => {
    assert.equal(tooLong('x'.repeat(100000), undefined), false);
    assert.equal(clip('abcdef', undefined), 'abcdef');
  });

  test('clip never cuts a surrogate pair in two', () => {
    assert.equal(clip('ab😀cd', 3), 'ab😀');
    assert.equal(clip('short', 80), 'short');
  });

  test('byteCount is UTF-8', () => {
    assert.equal(byteCount('abc'), 3);
    assert.equal(byteCount('é'), 2);
    assert.equal(byteCount('😀'), 4);
  });

  test('applyLimits sets the attributes it knows and removes the ones it does not', () => {
    const reply = input('reply', { maxlength: '5' });
    const chats = input('chats', { min: '3', max: '4' });
    applyLimits({ message_max_chars: 4000, max_active_chats_max: 100 }, {
      reply: { maxlength: 'message_max_chars' },
      chats: { min: 'max_active_chats_min', max: 'max_active_chats_max' },
      missing: { maxlength: 'message_max_chars' },
    });
    assert.equal(reply.getAttribute('maxlength'), '4000');
    assert.equal(chats.hasAttribute('min'), false);
    assert.equal(chats.getAttribute('max'), '100');
  });
});

describe('agent/limits.js', () => {
  test('setLimits puts GET me\'s limits on the console\'s inputs and hints', () => {
    const reply = input('reply');
    const username = input('agent-username');
    const chats = input('edit-agent-chats');
    const password = input('password-new');
    const hint = document.createElement('p');
    hint.setAttribute('data-limit', 'password_min_chars');
    document.body.append(hint);
    agentLimits.setLimits(ME_LIMITS);
    assert.equal(reply.getAttribute('maxlength'), '4000');
    assert.equal(username.getAttribute('minlength'), '2');
    assert.equal(username.getAttribute('maxlength'), '32');
    assert.equal(chats.getAttribute('min'), '1');
    assert.equal(chats.getAttribute('max'), '100');
    assert.equal(password.getAttribute('minlength'), '10');
    assert.equal(hint.textContent, 'At least 10 characters.');
    assert.equal(hint.hidden, false);
    assert.equal(agentLimits.limits().list_max_limit, 200);

    agentLimits.setLimits(undefined); // an older server: nothing known, nothing claimed
    assert.equal(reply.hasAttribute('maxlength'), false);
    assert.equal(hint.textContent, '');
    assert.equal(hint.hidden, true);
  });

  test('the checks follow the limits they were given', () => {
    agentLimits.setLimits({ ...ME_LIMITS, password_min_chars: 12, max_active_chats_max: 20, username_max_chars: 8 });
    assert.equal(agentLimits.passwordProblem('eleven-char', 'The new password'), 'The new password needs at least 12 characters.');
    assert.equal(agentLimits.passwordProblem('twelve-chars'), null);
    assert.match(agentLimits.passwordProblem('é'.repeat(200)), /^The password is too long: at most 256 bytes/);
    assert.equal(agentLimits.capacityProblem(20), null);
    assert.equal(agentLimits.capacityProblem(21), 'Max. chats is a whole number from 1 to 20.');
    assert.equal(agentLimits.capacityProblem(0), 'Max. chats is a whole number from 1 to 20.');
    assert.equal(agentLimits.capacityProblem(2.5), 'Max. chats is a whole number from 1 to 20.');
    assert.equal(agentLimits.usernameProblem('sam.rivera'), 'Usernames are 2–8 characters: lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit.');
    assert.equal(agentLimits.usernameProblem('sam'), null);
    assert.notEqual(agentLimits.usernameProblem('s'), null);
    assert.notEqual(agentLimits.usernameProblem('.sam'), null);
    assert.notEqual(agentLimits.usernameProblem('Sam'), null);
  });

  test('unknown limits: only what needs no number is checked', () => {
    agentLimits.setLimits({});
    assert.equal(agentLimits.passwordProblem('x'), null);
    assert.equal(agentLimits.capacityProblem(1000), null);
    assert.equal(agentLimits.capacityProblem(1.5), 'Max. chats is a whole number.');
    assert.equal(agentLimits.usernameProblem('a'.repeat(100)), null);
    assert.equal(agentLimits.usernameProblem('-bad'),
      'Usernames are lowercase letters, digits, dots, dashes or underscores, starting with a letter or digit.');
  });
});
