// js/dom.js: $, h() (text stays text), clear, icon, initials, hueFor,
// nearBottom, autosize, submitOnEnter and linkify.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { Element, Text, installDom } from './fakedom.mjs';
import { load } from './load.mjs';

const dom = await load('js/dom.js');
let document;
beforeEach(() => {
  document = installDom();
});

describe('$', () => {
  test('finds an element by id, null when there is none', () => {
    const el = document.createElement('p');
    el.setAttribute('id', 'status');
    document.body.append(el);
    assert.equal(dom.$('status'), el);
    assert.equal(dom.$('nothing'), null);
  });
});

describe('h', () => {
  test('strings become text nodes, never markup', () => {
    const el = dom.h('p', {}, '<b>bold</b>', 42);
    assert.equal(el.childNodes.length, 2);
    assert.ok(el.childNodes.every((c) => c instanceof Text));
    assert.equal(el.textContent, '<b>bold</b>42');
  });

  test('props: class, text, dataset, hidden/disabled as properties, attributes, listeners; null/false skipped', () => {
    let clicks = 0;
    const el = dom.h('button', {
      class: 'btn primary', type: 'button', 'aria-pressed': true, title: null, hidden: true, disabled: false,
      dataset: { clientId: 'c1' }, on: { click: () => clicks++ },
    }, 'Send', null, false, [['nested']]);
    assert.equal(el.tagName, 'BUTTON');
    assert.equal(el.className, 'btn primary');
    assert.equal(el.getAttribute('type'), 'button');
    assert.equal(el.getAttribute('aria-pressed'), '');
    assert.equal(el.hasAttribute('title'), false);
    assert.equal(el.hidden, true);
    assert.equal(el.disabled, false);
    assert.equal(el.hasAttribute('disabled'), false);
    assert.equal(el.getAttribute('data-client-id'), 'c1');
    assert.equal(el.textContent, 'Sendnested');
    el.dispatchEvent({ type: 'click' });
    assert.equal(clicks, 1);
  });

  test('text: sets textContent; element children are appended as they are', () => {
    const child = dom.h('span', { text: 'inner' });
    const el = dom.h('div', {}, child);
    assert.equal(el.childNodes[0], child);
    assert.equal(child.textContent, 'inner');
  });
});

test('clear removes every child and returns the element', () => {
  const el = dom.h('ul', {}, dom.h('li', {}, 'a'), dom.h('li', {}, 'b'));
  assert.equal(dom.clear(el), el);
  assert.equal(el.childNodes.length, 0);
});

describe('icon', () => {
  test('decorative by default: aria-hidden, one path per stroke', () => {
    const svg = dom.icon('close', { size: 18 });
    assert.equal(svg.namespaceURI, 'http://www.w3.org/2000/svg');
    assert.equal(svg.getAttribute('aria-hidden'), 'true');
    assert.equal(svg.getAttribute('width'), '18');
    assert.equal(svg.getAttribute('viewBox'), '0 0 24 24');
    assert.deepEqual(svg.childNodes.map((p) => p.getAttribute('d')), ['M6 6l12 12', 'M18 6L6 18']);
  });

  test('with a label: an image with that name, not hidden', () => {
    const svg = dom.icon('check', { label: 'Sent' });
    assert.equal(svg.getAttribute('role'), 'img');
    assert.equal(svg.getAttribute('aria-label'), 'Sent');
    assert.equal(svg.hasAttribute('aria-hidden'), false);
  });

  test('an unknown name draws nothing rather than failing', () => {
    assert.equal(dom.icon('no-such-icon').childNodes.length, 0);
  });
});

test('initials: first and last word, one word gives one letter, nothing gives "?"', () => {
  assert.equal(dom.initials('Alex Agent'), 'AA');
  assert.equal(dom.initials('  visitor 9bfc '), 'V9');
  assert.equal(dom.initials('Jamie Lee Rivera'), 'JR');
  assert.equal(dom.initials('Sam'), 'S');
  assert.equal(dom.initials('Émile Zola'), 'ÉZ');
  assert.equal(dom.initials('😀 Smile'), '😀S');
  assert.equal(dom.initials(''), '?');
  assert.equal(dom.initials(null), '?');
});

test('hueFor: the same name always gets the same hue, within 0–359', () => {
  assert.equal(dom.hueFor('Alex Agent'), dom.hueFor('Alex Agent'));
  assert.notEqual(dom.hueFor('Alex Agent'), dom.hueFor('Sam Rivera'));
  for (const name of ['', 'a', 'Alex Agent', '😀'.repeat(50)]) {
    const hue = dom.hueFor(name);
    assert.ok(Number.isInteger(hue) && hue >= 0 && hue < 360, `${name}: ${hue}`);
  }
});

test('nearBottom: within the slack of the end', () => {
  const box = { scrollHeight: 1000, clientHeight: 400, scrollTop: 550 };
  assert.equal(dom.nearBottom(box), true); // 50 px left
  assert.equal(dom.nearBottom({ ...box, scrollTop: 500 }), false); // 100 px left
  assert.equal(dom.nearBottom({ ...box, scrollTop: 500 }, 100), true);
});

describe('autosize', () => {
  const box = (value, scrollHeight, clientHeight) => Object.assign(new Element('textarea'), { value, scrollHeight, clientHeight });

  test('grows with the content, up to max', () => {
    const t = box('one\ntwo', 60, 40);
    dom.autosize(t, 140);
    assert.equal(t.style.getPropertyValue('height'), '62px');
    const tall = box('x'.repeat(900), 500, 40);
    dom.autosize(tall, 140);
    assert.equal(tall.style.getPropertyValue('height'), '140px');
  });

  test('empty: back to the stylesheet height', () => {
    const t = box('', 60, 40);
    t.style.setProperty('height', '90px');
    dom.autosize(t);
    assert.equal(t.style.getPropertyValue('height'), '');
  });
});

describe('submitOnEnter', () => {
  function wired() {
    const form = new Element('form');
    const input = new Element('textarea');
    let sent = 0;
    dom.submitOnEnter(form, input, () => sent++);
    return { form, input, sent: () => sent };
  }

  test('Enter and the form submit send; the default is prevented', () => {
    const w = wired();
    const enter = { type: 'keydown', key: 'Enter', shiftKey: false, isComposing: false, keyCode: 13 };
    assert.equal(w.input.dispatchEvent(enter), false);
    assert.equal(w.form.dispatchEvent({ type: 'submit' }), false);
    assert.equal(w.sent(), 2);
  });

  test('Shift+Enter, and Enter while an IME composes, do not send', () => {
    const w = wired();
    w.input.dispatchEvent({ type: 'keydown', key: 'Enter', shiftKey: true, isComposing: false, keyCode: 13 });
    w.input.dispatchEvent({ type: 'keydown', key: 'Enter', shiftKey: false, isComposing: true, keyCode: 13 });
    w.input.dispatchEvent({ type: 'keydown', key: 'Enter', shiftKey: false, isComposing: false, keyCode: 229 });
    w.input.dispatchEvent({ type: 'keydown', key: 'a', shiftKey: false, isComposing: false, keyCode: 65 });
    assert.equal(w.sent(), 0);
  });

  test('an aborted signal removes the listeners', () => {
    const form = new Element('form');
    const input = new Element('textarea');
    const ctrl = new AbortController();
    let sent = 0;
    dom.submitOnEnter(form, input, () => sent++, ctrl.signal);
    ctrl.abort();
    form.dispatchEvent({ type: 'submit' });
    input.dispatchEvent({ type: 'keydown', key: 'Enter', shiftKey: false, isComposing: false, keyCode: 13 });
    assert.equal(sent, 0);
  });
});

describe('linkify', () => {
  const parts = (frag) => frag.childNodes.map((n) => (n instanceof Text ? n.data : { href: n.href, text: n.textContent, rel: n.rel, target: n.target }));

  test('http(s) URLs become links opening apart; trailing punctuation stays text', () => {
    const out = parts(dom.linkify('See https://example.com/a?b=1, or http://shop.example/x).'));
    assert.deepEqual(out, [
      'See ',
      { href: 'https://example.com/a?b=1', text: 'https://example.com/a?b=1', rel: 'noopener noreferrer nofollow', target: '_blank' },
      ', or ',
      { href: 'http://shop.example/x', text: 'http://shop.example/x', rel: 'noopener noreferrer nofollow', target: '_blank' },
      ').',
    ]);
  });

  test('other schemes and markup stay text', () => {
    const text = 'javascript:alert(1) <img src=x onerror=alert(1)> ftp://example.com';
    assert.deepEqual(parts(dom.linkify(text)), [text]);
  });

  test('plain text is one text node; empty text is nothing', () => {
    assert.deepEqual(parts(dom.linkify('no links here')), ['no links here']);
    assert.deepEqual(parts(dom.linkify('')), []);
  });
});
