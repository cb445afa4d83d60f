// js/sse.js: the text/event-stream parser (fields split across chunks, id:,
// comments, multi-line data, CRLF and CR, retry:, BOM) and the one event
// stream client (Last-Event-ID, replays dropped by id, reset, 401, Retry-After).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { load } from './load.mjs';

const { EventStream, SSEParser, State } = await load('js/sse.js');

/** A parser that records what it reports. */
function recorder() {
  const seen = { events: [], comments: [], retries: [] };
  const parser = new SSEParser((ev) => seen.events.push(ev), {
    onComment: (text) => seen.comments.push(text),
    onRetry: (ms) => seen.retries.push(ms),
  });
  return { parser, seen, feed: (...chunks) => chunks.forEach((c) => parser.push(c)) };
}

describe('SSEParser', () => {
  test('one event: name, id and data; an event without a name is "message"', () => {
    const { seen, feed } = recorder();
    feed('event: message.created\nid: 42\ndata: {"a":1}\n\n', 'data: plain\n\n');
    assert.deepEqual(seen.events, [
      { id: '42', event: 'message.created', data: '{"a":1}' },
      { id: null, event: 'message', data: 'plain' },
    ]);
  });

  test('fields split anywhere across chunks, even inside a field name', () => {
    const { seen, feed } = recorder();
    feed('ev', 'ent: chat.clo', 'sed\ni', 'd: 7\nda', 'ta: {"x"', ':2}\n', '\n');
    assert.deepEqual(seen.events, [{ id: '7', event: 'chat.closed', data: '{"x":2}' }]);
  });

  test('nothing is dispatched until the blank line', () => {
    const { seen, feed } = recorder();
    feed('data: half\n');
    assert.equal(seen.events.length, 0);
    feed('\n');
    assert.equal(seen.events.length, 1);
  });

  test('several data lines join with a newline; a field without a colon has an empty value', () => {
    const { seen, feed } = recorder();
    feed('data: line one\ndata:line two\ndata\ndata:  indented\n\n');
    assert.deepEqual(seen.events, [{ id: null, event: 'message', data: 'line one\nline two\n\n indented' }]);
  });

  test('CRLF, CR and LF all end lines, also when CR and LF arrive in separate chunks', () => {
    const { seen, feed } = recorder();
    feed('data: a\r\n\r\n', 'data: b\r\rdata: c\r');
    assert.deepEqual(seen.events.map((e) => e.data), ['a', 'b']);
    feed('\n\n'); // the CR that ended "data: c" was a CRLF after all: one line end, then the blank line
    assert.deepEqual(seen.events.map((e) => e.data), ['a', 'b', 'c']);
  });

  test('a CRLF is one line end, never two: it does not cut an event short', () => {
    const { seen, feed } = recorder();
    feed('data: one\r\ndata: two\r\n\r\n', 'data: three\r', '\ndata: four\r\n', '\r\n');
    assert.deepEqual(seen.events.map((e) => e.data), ['one\ntwo', 'three\nfour']);
  });

  test('comments go to onComment (heartbeats), not to events', () => {
    const { seen, feed } = recorder();
    feed(': heartbeat\n\n', ':no space\n');
    assert.deepEqual(seen.comments, ['heartbeat', 'no space']);
    assert.equal(seen.events.length, 0);
  });

  test('retry: only digits count; unknown fields are ignored', () => {
    const { seen, feed } = recorder();
    feed('retry: 2500\nretry: soon\nfoo: bar\ndata: x\n\n');
    assert.deepEqual(seen.retries, [2500]);
    assert.deepEqual(seen.events, [{ id: null, event: 'message', data: 'x' }]);
  });

  test('an id alone is dispatched (it moves the cursor); an id with NUL is ignored', () => {
    const { seen, feed } = recorder();
    feed('id: 5\n\n', 'id: 6\u0000\ndata: y\n\n');
    assert.deepEqual(seen.events, [{ id: '5', event: 'message', data: '' }, { id: null, event: 'message', data: 'y' }]);
  });

  test('a byte-order mark at the very start is dropped, not later', () => {
    const { seen, feed } = recorder();
    feed('\ufeffdata: first\n\n', '\ufeffdata: second\n\n');
    assert.deepEqual(seen.events.map((e) => e.data), ['first']); // "\ufeffdata" is an unknown field
  });

  test('end() discards an unterminated event', () => {
    const { parser, seen, feed } = recorder();
    feed('data: never finished\n');
    parser.end();
    feed('\n');
    assert.equal(seen.events.length, 0);
  });
});

// --- the client ------------------------------------------------------------------------

const encoder = new TextEncoder();
const realFetch = globalThis.fetch;
const realSetTimeout = globalThis.setTimeout;
let requests;
let answers;
let delays;

/** A streaming answer whose chunks the test pushes. */
function streamAnswer() {
  let controller;
  const body = new ReadableStream({ start(c) { controller = c; } });
  return {
    response: new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } }),
    push: (text) => controller.enqueue(encoder.encode(text)),
    close: () => controller.close(),
  };
}

beforeEach(() => {
  requests = [];
  answers = [];
  delays = [];
  globalThis.addEventListener ??= () => {};
  globalThis.removeEventListener ??= () => {};
  globalThis.fetch = async (url, init) => {
    requests.push({ url, headers: init.headers });
    const next = answers.shift();
    if (!next) return new Promise(() => {}); // hangs until aborted
    return next;
  };
  // Reconnection delays are recorded and not waited for (the idle timer keeps its real length).
  globalThis.setTimeout = (fn, ms, ...args) => {
    delays.push(ms);
    return realSetTimeout(fn, ms >= 45000 ? ms : 0, ...args);
  };
});

afterEach(() => {
  globalThis.fetch = realFetch;
  globalThis.setTimeout = realSetTimeout;
});

const tick = () => new Promise((resolve) => realSetTimeout(resolve, 5));
async function until(condition, what) {
  for (let i = 0; i < 200; i++) {
    if (condition()) return;
    await tick();
  }
  assert.fail(`timed out waiting for ${what}`);
}

describe('EventStream', () => {
  test('sends its headers and Last-Event-ID; passes events on once, dropping replays by id', async () => {
    const live = streamAnswer();
    answers.push(live.response);
    const got = [];
    const states = [];
    const s = new EventStream({
      url: '/api/v1/events', headers: () => ({ Authorization: 'Bearer t' }), lastEventId: 10,
      onEvent: (name, data, id) => got.push([name, data, id]), onState: (st) => states.push(st),
    });
    s.start();
    await until(() => states.includes(State.OPEN), 'open');
    assert.equal(requests[0].headers.Authorization, 'Bearer t');
    assert.equal(requests[0].headers.Accept, 'text/event-stream');
    assert.equal(requests[0].headers['Last-Event-ID'], '10');
    live.push('id: 9\nevent: message.created\ndata: {"n":9}\n\n'); // already seen
    live.push('id: 11\nevent: message.created\ndata: {"n":11}\n\n');
    live.push('id: 11\nevent: message.created\ndata: {"n":11}\n\n'); // a replay
    live.push('event: agent.typing\ndata: {"typing":true}\n\n'); // no id: always passed
    live.push('id: 12\nevent: message.created\ndata: not json\n\n'); // not ours: skipped, but counted
    await until(() => s.lastEventId === 12, 'id 12');
    s.stop();
    assert.deepEqual(got, [['message.created', { n: 11 }, '11'], ['agent.typing', { typing: true }, null]]);
    assert.equal(states.at(-1), State.CLOSED);
  });

  test('a dropped stream reconnects from the last id it saw', async () => {
    const first = streamAnswer();
    const second = streamAnswer();
    answers.push(first.response, second.response);
    const states = [];
    const s = new EventStream({ url: '/e', lastEventId: null, onEvent: () => {}, onState: (st) => states.push(st) });
    s.start();
    await until(() => states.includes(State.OPEN), 'open');
    assert.equal('Last-Event-ID' in requests[0].headers, false);
    first.push('id: 3\ndata: {}\n\n');
    await until(() => s.lastEventId === 3, 'id 3');
    first.close();
    await until(() => requests.length === 2, 'the reconnection');
    assert.equal(requests[1].headers['Last-Event-ID'], '3');
    assert.ok(states.includes(State.RECONNECTING));
    s.stop();
  });

  test('reset: adopts the server\'s cursor (even a lower one) and asks the page to refetch', async () => {
    const live = streamAnswer();
    answers.push(live.response);
    let resets = 0;
    const got = [];
    const s = new EventStream({ url: '/e', lastEventId: 500, onEvent: (name) => got.push(name), onReset: () => resets++ });
    s.start();
    live.push('event: reset\ndata: {"last_event_id": 20}\n\n');
    await until(() => resets === 1, 'the reset');
    assert.equal(s.lastEventId, 20);
    live.push('id: 21\nevent: message.created\ndata: {}\n\n');
    await until(() => got.length === 1, 'the event after the reset');
    s.stop();
  });

  test('401 and 403 stop for good and say so', async () => {
    answers.push(new Response('{"code":"unauthorized"}', { status: 401 }));
    let denied = null;
    const states = [];
    const s = new EventStream({ url: '/e', onEvent: () => {}, onDenied: (status) => { denied = status; }, onState: (st) => states.push(st) });
    s.start();
    await until(() => denied !== null, 'the refusal');
    assert.equal(denied, 401);
    assert.equal(states.at(-1), State.CLOSED);
    await tick();
    assert.equal(requests.length, 1, 'no retry after 401');
  });

  test('a 503 with Retry-After is not retried sooner than it says', async () => {
    answers.push(new Response('{"code":"service_unavailable"}', { status: 503, headers: { 'Retry-After': '7' } }));
    const s = new EventStream({ url: '/e', onEvent: () => {}, minDelay: 1000 });
    s.start();
    await until(() => requests.length === 2, 'the retry');
    s.stop();
    assert.ok(delays.some((ms) => ms >= 7000 && ms < 45000), `delays: ${delays}`);
  });

  test('without Retry-After the first retry comes within the base delay (with jitter)', async () => {
    answers.push(new Response('{}', { status: 502 }));
    const s = new EventStream({ url: '/e', onEvent: () => {}, minDelay: 1000 });
    s.start();
    await until(() => requests.length === 2, 'the retry');
    s.stop();
    const retry = delays.find((ms) => ms < 45000);
    assert.ok(retry >= 500 && retry <= 1000, `delays: ${delays}`);
  });
});
