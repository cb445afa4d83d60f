// js/messagelog.js (one message kept once, whichever way it arrives) and
// js/poll.js (polling while the stream is down; Retry-After puts it off).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const { MessageLog } = await load('js/messagelog.js');
const { FallbackPoller } = await load('js/poll.js');
const { ApiError } = await load('js/api.js');

const msg = (id, createdAt, extra = {}) => ({ id, created_at: createdAt, content: id, sender_type: 'customer', ...extra });

describe('MessageLog', () => {
  test('a message seen by the send, the stream and a poll is kept once', () => {
    const log = new MessageLog();
    const m = msg('m1', '2026-12-07T10:00:00.000Z');
    assert.equal(log.upsert(m).added, true);
    assert.equal(log.upsert({ ...m }).added, false);
    log.upsertPage([m]);
    assert.equal(log.size, 1);
  });

  test('a pending send is confirmed in place by its client_message_id', () => {
    const log = new MessageLog();
    const entry = log.addPending('c1', { content: 'Hello', sender_type: 'customer' });
    assert.equal(entry.status, 'sending');
    assert.deepEqual(log.entries().map((e) => e.key), ['c:c1']);
    const { entry: confirmed, added } = log.upsert(msg('m1', '2026-12-07T10:00:00.000Z', { client_message_id: 'c1' }));
    assert.equal(added, false, 'the page had it already, as a pending send');
    assert.equal(confirmed, entry);
    assert.equal(confirmed.status, 'sent');
    assert.equal(log.size, 1);
    assert.equal(log.pendingEntry('c1'), null);
  });

  test('server order by time, pending sends after the confirmed ones', () => {
    const log = new MessageLog();
    log.addPending('c9', { content: 'mine', sender_type: 'customer' });
    log.upsert(msg('b', '2026-12-07T10:00:02.000Z'));
    log.upsert(msg('a', '2026-12-07T10:00:01.000Z'));
    log.upsert(msg('c', '2026-12-07T10:00:02.000Z')); // the same time: arrival order
    assert.deepEqual(log.entries().map((e) => e.message.id ?? e.key), ['a', 'b', 'c', 'c:c9']);
  });

  test('the polling cursor moves only with complete list reads', () => {
    const log = new MessageLog();
    log.upsert(msg('live', '2026-12-07T10:00:05.000Z'));
    assert.equal(log.cursor(), null, 'an event alone never moves the cursor');
    log.upsertPage([msg('a', '2026-12-07T10:00:01.000Z'), msg('b', '2026-12-07T10:00:02.000Z')]);
    assert.equal(log.cursor(), 'b');
    log.pageRead([]);
    assert.equal(log.cursor(), 'b');
  });

  test('failed, retried, dropped', () => {
    const log = new MessageLog();
    log.addPending('c1', { content: 'x' });
    assert.equal(log.setStatus('c1', 'failed', 'Not sent.').error, 'Not sent.');
    assert.equal(log.setStatus('nope', 'failed'), null);
    log.drop('c1');
    assert.equal(log.size, 0);
  });
});

describe('FallbackPoller', () => {
  const realSetTimeout = globalThis.setTimeout;
  const realClearTimeout = globalThis.clearTimeout;
  let timers;
  beforeEach(() => {
    timers = [];
    // Timers are collected, not run: the test runs the next one itself.
    globalThis.setTimeout = (fn, ms) => timers.push({ fn, ms }) && timers.length;
    globalThis.clearTimeout = () => {};
  });
  afterEach(() => {
    globalThis.setTimeout = realSetTimeout;
    globalThis.clearTimeout = realClearTimeout;
  });
  const runNext = async () => {
    const t = timers.shift();
    await t.fn();
    return t.ms;
  };

  test('starts after the grace, then every interval; off stops it', async () => {
    let rounds = 0;
    const poller = new FallbackPoller(async () => { rounds++; }, { interval: 3000, grace: 1500 });
    poller.setActive(true);
    assert.equal(timers[0].ms, 1500);
    await runNext();
    assert.equal(rounds, 1);
    assert.equal(timers.at(-1).ms, 3000);
    poller.setActive(false);
    await runNext(); // a timer that fires after the stop does nothing
    assert.equal(rounds, 1);
  });

  test('a round refused with Retry-After puts the next one off that long', async () => {
    const poller = new FallbackPoller(async () => {
      throw new ApiError(429, 'rate_limited', 'Slow down.', 10_000);
    }, { interval: 3000, grace: 0 });
    poller.setActive(true);
    await runNext();
    assert.equal(timers.at(-1).ms, 10_000);
  });

  test('any other failure: the next round at the usual interval', async () => {
    const poller = new FallbackPoller(async () => { throw new ApiError(0); }, { interval: 3000, grace: 0 });
    poller.setActive(true);
    await runNext();
    assert.equal(timers.at(-1).ms, 3000);
  });
});
