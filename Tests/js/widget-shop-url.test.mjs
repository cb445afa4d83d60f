// static/shop/chat-url.js: where the demo shop loads the chat from (issue 25,
// item 11): ?chat= in the page's URL, else the page's own origin under /shop/,
// else demo-shop.json's switchboard_url (scripts/run.sh writes the configured
// URL), else port 8080 of the same host.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { load } from './load.mjs';

const { chatBase, chatBaseFromPage, chatBaseFromFile, defaultChatBase, widgetScriptUrl } = await load('shop/chat-url.js');

const page = (href) => new URL(href);

describe('chatBase', () => {
  test('an http(s) URL becomes the base the chat lives under, ending in /', () => {
    assert.equal(chatBase('http://127.0.0.1:18300'), 'http://127.0.0.1:18300/');
    assert.equal(chatBase('http://127.0.0.1:18300/'), 'http://127.0.0.1:18300/');
    assert.equal(chatBase(' https://chat.example.com/support '), 'https://chat.example.com/support/');
    assert.equal(chatBase('https://chat.example.com/support/?x=1#y'), 'https://chat.example.com/support/');
  });

  test('anything else is null', () => {
    for (const value of [undefined, null, 42, '', '   ', 'chat.example.com', '/relative', 'javascript:alert(1)',
      'data:text/html,hi', 'ftp://chat.example.com/', 'http://user:secret@chat.example.com/']) {
      assert.equal(chatBase(value), null, String(value));
    }
  });
});

describe('chatBaseFromPage', () => {
  test('?chat= wins (its origin only)', () => {
    assert.equal(chatBaseFromPage(page('http://127.0.0.1:8081/?chat=http://127.0.0.1:18280/some/path')), 'http://127.0.0.1:18280/');
  });

  test('a malformed ?chat= is ignored', () => {
    assert.equal(chatBaseFromPage(page('http://127.0.0.1:8081/?chat=nonsense')), null);
  });

  test('served under /shop/ of the chat origin: that origin', () => {
    assert.equal(chatBaseFromPage(page('http://127.0.0.1:18300/shop/index.html')), 'http://127.0.0.1:18300/');
  });

  test('on its own origin with nothing said: null (ask demo-shop.json)', () => {
    assert.equal(chatBaseFromPage(page('http://127.0.0.1:8081/')), null);
  });
});

describe('chatBaseFromFile', () => {
  test("demo-shop.json's switchboard_url", () => {
    assert.equal(chatBaseFromFile({ switchboard_url: 'http://127.0.0.1:18300' }), 'http://127.0.0.1:18300/');
  });

  test('a file without a usable URL: null (the default follows)', () => {
    for (const data of [null, undefined, 'http://127.0.0.1:18300', [], {}, { switchboard_url: 42 }, { switchboard_url: 'javascript:1' }]) {
      assert.equal(chatBaseFromFile(data), null, JSON.stringify(data));
    }
  });
});

test('the default is port 8080 of the same host', () => {
  assert.equal(defaultChatBase(page('http://127.0.0.1:8081/')), 'http://127.0.0.1:8080/');
  assert.equal(defaultChatBase(page('http://shop.localhost:9000/x')), 'http://shop.localhost:8080/');
});

test("the loader's URL under a base (a path prefix kept)", () => {
  assert.equal(widgetScriptUrl('http://127.0.0.1:18300/'), 'http://127.0.0.1:18300/widget.js');
  assert.equal(widgetScriptUrl('https://chat.example.com/support/'), 'https://chat.example.com/support/widget.js');
});
