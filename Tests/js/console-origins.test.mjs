// The console's Settings → Widget: the sites that may show the chat
// (agent/origins.js), checked and written the way a browser sends an Origin
// before they are saved, and the server's 400 about them in the form's words
// (agent/widgetsites.js).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { load } from './load.mjs';

const { ANY, MAX_ORIGINS, addOrigin, checkOrigins, fromSetting, parseOrigin } = await load('agent/origins.js');
const { explainOrigins } = await load('agent/widgetsites.js');

describe('parseOrigin', () => {
  test('an origin is kept as a browser writes it: lowercase, no trailing slash, no default port', () => {
    assert.deepEqual(parseOrigin('https://shop.example'), { origin: 'https://shop.example' });
    assert.deepEqual(parseOrigin('  HTTPS://Shop.Example/  '), { origin: 'https://shop.example' });
    assert.deepEqual(parseOrigin('https://shop.example:443'), { origin: 'https://shop.example' });
    assert.deepEqual(parseOrigin('http://shop.example:80/'), { origin: 'http://shop.example' });
    assert.deepEqual(parseOrigin('https://shop.example:8443'), { origin: 'https://shop.example:8443' });
  });

  test('the demo shop of `make run` (http, an address and a port) and IPv6 hosts are origins too', () => {
    assert.deepEqual(parseOrigin('http://127.0.0.1:8081'), { origin: 'http://127.0.0.1:8081' });
    assert.deepEqual(parseOrigin('http://[::1]:8081'), { origin: 'http://[::1]:8081' });
  });

  test('a name in another script becomes the punycode a browser sends', () => {
    assert.deepEqual(parseOrigin('https://bücher.example'), { origin: 'https://xn--bcher-kva.example' });
  });

  test('a path, a query or a fragment is refused, naming the origin to write instead', () => {
    for (const text of ['https://shop.example/checkout', 'https://shop.example/?a=1', 'https://shop.example#top', 'https://shop.example?']) {
      const { origin, error } = parseOrigin(text);
      assert.equal(origin, undefined, text);
      assert.match(error, /without a path: https:\/\/shop\.example$/, text);
    }
  });

  test('no scheme: the https:// form is suggested', () => {
    assert.equal(parseOrigin('shop.example').error, 'Start with https:// (or http://): https://shop.example');
    assert.equal(parseOrigin('shop.example:8080').error, 'Start with https:// (or http://): https://shop.example:8080');
  });

  test('other schemes, credentials, bad hosts, wildcards and "*" are refused with a reason', () => {
    assert.match(parseOrigin('ftp://shop.example').error, /Only https:\/\/ and http:\/\//);
    assert.match(parseOrigin('https://user:pw@shop.example').error, /user name and password/);
    assert.match(parseOrigin('https://shop_name.example').error, /not a host name/);
    assert.match(parseOrigin('https://-shop.example').error, /not a host name/);
    assert.match(parseOrigin('https://shop..example').error, /not a host name|not a web address/);
    assert.match(parseOrigin('https://*.shop.example').error, /patterns with \* are not supported/);
    assert.match(parseOrigin('https://shop.example:99999').error, /not a web address/);
    assert.match(parseOrigin('https://shop.example:0').error, /from 1 to 65535/);
    assert.match(parseOrigin('*').error, /Any website/);
    assert.match(parseOrigin('   ').error, /Enter a site/);
    assert.match(parseOrigin(null).error, /Enter a site/);
  });
});

describe('the list', () => {
  test('checkOrigins: 1 to 20 distinct origins, or ["*"] for any site', () => {
    assert.deepEqual(checkOrigins(['https://a.example', 'http://127.0.0.1:8081']), { origins: ['https://a.example', 'http://127.0.0.1:8081'] });
    assert.deepEqual(checkOrigins([], { any: true }), { origins: [ANY] });
    assert.deepEqual(checkOrigins(['https://a.example'], { any: true }), { origins: [ANY] });
    assert.equal(checkOrigins([]).index, -1);
    assert.match(checkOrigins([]).error, /at least one site/);
    const many = Array.from({ length: MAX_ORIGINS + 1 }, (_, i) => `https://s${i}.example`);
    assert.match(checkOrigins(many).error, /At most 20 sites\. Remove 1 first/);
    assert.deepEqual(checkOrigins(many.slice(0, MAX_ORIGINS)).origins.length, MAX_ORIGINS);
  });

  test('checkOrigins points at the entry at fault: a bad one, or the second of two that are the same site', () => {
    assert.deepEqual(checkOrigins(['https://a.example', 'a.example']).index, 1);
    const twice = checkOrigins(['https://a.example', 'https://A.example/']);
    assert.equal(twice.index, 1);
    assert.equal(twice.error, 'https://a.example is in the list twice.');
  });

  test('addOrigin adds at the end, normalised, once, and never past 20', () => {
    assert.deepEqual(addOrigin(['https://a.example'], 'HTTPS://B.example/'), { list: ['https://a.example', 'https://b.example'], origin: 'https://b.example' });
    assert.equal(addOrigin(['https://a.example'], 'https://a.example:443').error, 'https://a.example is already in the list.');
    const full = Array.from({ length: MAX_ORIGINS }, (_, i) => `https://s${i}.example`);
    assert.match(addOrigin(full, 'https://one-more.example').error, /At most 20 sites/);
    assert.match(addOrigin([], 'nonsense value').error, /./);
  });

  test('fromSetting splits the saved value into the form: any site, and the listed ones', () => {
    assert.deepEqual(fromSetting(['*']), { any: true, list: [] });
    assert.deepEqual(fromSetting(['https://a.example']), { any: false, list: ['https://a.example'] });
    assert.deepEqual(fromSetting(undefined), { any: false, list: [] });
    assert.deepEqual(fromSetting(['https://a.example', 3, null]), { any: false, list: ['https://a.example'] });
  });
});

describe('explainOrigins (the server\'s 400 invalid_settings)', () => {
  test('one entry named by index: said with that site', () => {
    const err = { code: 'invalid_settings', detail: 'widget.allowed_origins[1]: not an origin like https://shop.example' };
    assert.deepEqual(explainOrigins(err, ['https://a.example', 'https://b.example']),
      { text: 'https://b.example: Not an origin like https://shop.example', index: 1 });
  });

  test('the list as a whole', () => {
    assert.deepEqual(explainOrigins({ detail: 'widget.allowed_origins: 1–20 origins' }, []), { text: 'Sites: 1–20 origins', index: -1 });
  });

  test('about another field: not ours to explain', () => {
    assert.equal(explainOrigins({ detail: 'widget.color: #rrggbb' }, []), null);
    assert.equal(explainOrigins(null, []), null);
  });
});
