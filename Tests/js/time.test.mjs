// js/time.js (dates as people read them) and js/ids.js (client message ids).

import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { afterEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const time = await load('js/time.js');
const { newClientId } = await load('js/ids.js');

const at = (y, mo, d, h = 12, mi = 0) => new Date(y, mo - 1, d, h, mi); // local time
const minutes = (n) => n * 60_000;

describe('age', () => {
  const now = at(2026, 12, 7, 15, 0).getTime();
  const ago = (ms) => new Date(now - ms).toISOString();

  test('now, minutes, hours and minutes, days', () => {
    assert.equal(time.age(ago(30_000), now), 'now');
    assert.equal(time.age(ago(minutes(4)), now), '4m');
    assert.equal(time.age(ago(minutes(59)), now), '59m');
    assert.equal(time.age(ago(minutes(125)), now), '2h 5m');
    assert.equal(time.age(ago(minutes(120)), now), '2h');
    assert.equal(time.age(ago(minutes(60 * 24 * 3)), now), '3d');
  });

  test('past a week: the date; in the future (clock skew): now', () => {
    const old = ago(minutes(60 * 24 * 10));
    assert.equal(time.age(old, now), new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric' }).format(new Date(old)));
    assert.equal(time.age(new Date(now + minutes(5)).toISOString(), now), 'now');
  });
});

test('waited: just now, minutes, hours and minutes', () => {
  const now = Date.parse('2026-12-07T15:00:00Z');
  assert.equal(time.waited('2026-12-07T14:59:30Z', now), 'just now');
  assert.equal(time.waited('2026-12-07T14:56:00Z', now), '4 min');
  assert.equal(time.waited('2026-12-07T12:55:00Z', now), '2 h 5 min');
});

describe('days', () => {
  test('dayKey is the local calendar date', () => {
    assert.equal(time.dayKey(at(2026, 3, 9, 0, 5)), '2026-03-09');
    assert.equal(time.dayKey(at(2026, 12, 31, 23, 59).toISOString()), '2026-12-31');
  });

  test('dayLabel: Today, Yesterday, else the weekday and date', () => {
    const now = new Date();
    const today = at(now.getFullYear(), now.getMonth() + 1, now.getDate(), 0, 1);
    const yesterday = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 1, 23, 59);
    const earlier = new Date(today.getFullYear(), today.getMonth(), today.getDate() - 3, 12);
    assert.equal(time.dayLabel(today.toISOString()), 'Today');
    assert.equal(time.dayLabel(yesterday.toISOString()), 'Yesterday');
    assert.equal(time.dayLabel(earlier), new Intl.DateTimeFormat(undefined, { weekday: 'long', month: 'long', day: 'numeric' }).format(earlier));
  });

  test('clock and fullDate show the local time', () => {
    const d = at(2026, 11, 21, 14, 5);
    assert.match(time.clock(d.toISOString()), /\b0?2:05\b|\b14:05\b/);
    assert.match(time.fullDate(d), /2026/);
  });
});

describe('newClientId', () => {
  const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  const real = Object.getOwnPropertyDescriptor(globalThis, 'crypto');
  const useCrypto = (crypto) => Object.defineProperty(globalThis, 'crypto', { value: crypto, configurable: true, writable: true });
  afterEach(() => {
    if (real) Object.defineProperty(globalThis, 'crypto', real);
    else delete globalThis.crypto;
  });

  test('a version 4 UUID, different every time', () => {
    useCrypto(webcrypto);
    const ids = new Set(Array.from({ length: 50 }, () => newClientId()));
    assert.equal(ids.size, 50);
    for (const id of ids) assert.match(id, UUID_V4);
  });

  test('where randomUUID refuses (plain http on a LAN name), random bytes make one', () => {
    let used = 0;
    useCrypto({
      randomUUID: () => { throw new DOMException('insecure context', 'SecurityError'); },
      getRandomValues: (bytes) => { used++; return webcrypto.getRandomValues(bytes); },
    });
    assert.match(newClientId(), UUID_V4);
    assert.equal(used, 1);
  });
});
