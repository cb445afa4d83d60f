// widget/config.js (widget-config read member by member, its limits kept) and
// js/color.js (an admin's accent colour with readable text on and beside it).

import assert from 'node:assert/strict';
import { afterEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const { initialConfig, loadConfig, parseAvailability } = await load('widget/config.js');
const { accentVars, contrast, parseHex, textOn } = await load('js/color.js');

const realFetch = globalThis.fetch;
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe('widget config', () => {
  const overrides = { title: '', greeting: '', color: '', position: '' };

  test('the server\'s limits are kept; the page starts with none', async () => {
    assert.deepEqual(initialConfig(overrides).limits, {});
    globalThis.fetch = async (url) => {
      assert.equal(url, '/api/v1/customer/widget-config');
      return new Response(JSON.stringify({
        brand_name: 'Northwind', widget: { title: 'Support', color: '#2f6f4e', position: 'left' },
        limits: { message_max_chars: 4000, display_name_max_chars: 80, email_max_chars: 254, junk: 'x' },
      }));
    };
    const config = await loadConfig(overrides);
    assert.deepEqual(config.limits, { message_max_chars: 4000, display_name_max_chars: 80, email_max_chars: 254 });
    assert.equal(config.title, 'Support');
    assert.equal(config.position, 'left');
    assert.equal(config.color, '#2f6f4e');
  });

  test('no answer: the initial settings, no limits', async () => {
    globalThis.fetch = async () => { throw new TypeError('fetch failed'); };
    const config = await loadConfig({ ...overrides, title: 'Help' });
    assert.deepEqual(config.limits, {});
    assert.equal(config.title, 'Help');
  });

  test('availability: anything missing or odd means the old behaviour', () => {
    assert.deepEqual(parseAvailability(null), {
      status: 'online', agentsOnline: null, nextOpenAt: null, typicalReplySeconds: null,
      awayMessage: '', hideWhenClosed: false, prechat: 'off', emailEnabled: false,
    });
    const av = parseAvailability({ status: 'closed', next_open_at: '2026-12-08T08:00:00Z', typical_reply_seconds: -3, prechat: 'sometimes', email_enabled: 'yes' });
    assert.equal(av.status, 'closed');
    assert.equal(av.nextOpenAt, '2026-12-08T08:00:00Z');
    assert.equal(av.typicalReplySeconds, null);
    assert.equal(av.prechat, 'off');
    assert.equal(av.emailEnabled, false);
  });
});

describe('accent colours', () => {
  test('parseHex reads #rgb and #rrggbb only', () => {
    assert.deepEqual(parseHex('#1A56db'), [26, 86, 219]);
    assert.deepEqual(parseHex('#fff'), [255, 255, 255]);
    assert.equal(parseHex('1a56db'), null);
    assert.equal(parseHex('red'), null);
  });

  test('the text on any accent reads at 4.5:1 or better where black or white can', () => {
    for (const hex of ['#000000', '#ffffff', '#2f6f4e', '#1a56db', '#ffcc00', '#777777', '#ff0000']) {
      const rgb = parseHex(hex);
      const on = parseHex(textOn(rgb));
      const best = Math.max(contrast(rgb, [255, 255, 255]), contrast(rgb, [0, 0, 0]));
      assert.ok(contrast(rgb, on) >= Math.min(4.5, best), `${hex} with ${textOn(rgb)}`);
    }
  });

  test('accentVars: the accent, its text, and ink that reads on both page backgrounds', () => {
    const vars = accentVars('#ffcc00'); // a yellow that does not read as text on white
    assert.equal(vars['--sb-accent'], '#ffcc00');
    assert.ok(contrast(parseHex(vars['--sb-accent-ink-light']), [255, 255, 255]) >= 4.5);
    assert.ok(contrast(parseHex(vars['--sb-accent-ink-dark']), [21, 23, 28]) >= 4.5);
    assert.equal(accentVars('not a colour'), null);
  });
});
