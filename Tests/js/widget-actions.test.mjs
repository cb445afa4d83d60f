// widget/actions.js: the quick questions show once under the welcome, then
// fold into "More questions" (issue 25, item 5), and open again on demand
// until the next question.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { load } from './load.mjs';

const { chipsMode } = await load('widget/actions.js');

const questions = [{ slug: 'returns', question: 'What is your return policy?' }, { slug: 'shipping', question: 'How long is shipping?' }];

test('under the welcome, before the shopper has asked anything: every question', () => {
  assert.equal(chipsMode({ questions, asked: 0, openedAt: null }), 'all');
});

test('after a question (tapped or typed, sending or sent): one "More questions" button', () => {
  for (const asked of [1, 2, 3, 10]) assert.equal(chipsMode({ questions, asked, openedAt: null }), 'more', String(asked));
});

test('"More questions" opens them until the next question', () => {
  assert.equal(chipsMode({ questions, asked: 3, openedAt: 3 }), 'all');
  assert.equal(chipsMode({ questions, asked: 4, openedAt: 3 }), 'more');
});

test('no questions: nothing', () => {
  for (const q of [[], undefined, null]) {
    assert.equal(chipsMode({ questions: q, asked: 0, openedAt: null }), 'none');
    assert.equal(chipsMode({ questions: q, asked: 2, openedAt: 2 }), 'none');
  }
});

test('openedAt defaults to never', () => {
  assert.equal(chipsMode({ questions, asked: 1 }), 'more');
});
