"""The pages' SSE client (static/js/sse.js) in real Chromium, without a
notifier: the parser against awkward chunkings, and the reconnecting stream
against a scripted fake fetch() (resume header, dedupe by id, reset, 401,
backoff after 502). The module is imported on a page of the Switchboard
origin, so the nginx CSP applies as in production."""

from __future__ import annotations


import pytest

PARSE = """
const [text, sizes, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
import('/js/sse.js').then(({SSEParser}) => {
  const out = [];
  const retries = [];
  const results = {};
  for (const size of sizes) {
    const events = [];
    const p = new SSEParser((ev) => events.push(ev), {onRetry: (ms) => retries.push(ms)});
    for (let i = 0; i < text.length; i += size) p.push(text.slice(i, i + size));
    results[size] = events;
  }
  done({results, retries});
}).catch((e) => done({error: String(e)}));
"""

STREAM = """
const done = arguments[arguments.length - 1];
import('/js/sse.js').then(async ({EventStream}) => {
  const enc = new TextEncoder();
  const requests = [];
  // Each connection: {status, body: [chunks], hold: keep the stream open}
  const script = [
    {status: 200, body: ['retry: 10\\n', 'id: 5\\nevent: message.created\\ndata: {"n":5}\\n\\n',
                         ': heartbeat\\n\\n', 'event: customer.typing\\ndata: {"typing":true}\\n\\n',
                         'id: 6\\nevent: message.created\\ndata: {"n":6}\\n\\n']},
    {status: 502, body: ['{"detail":"The service is not available right now.","code":"service_unavailable"}'], type: 'application/json'},
    {status: 200, body: ['id: 6\\nevent: message.created\\ndata: {"n":6}\\n\\n',
                         'id: 7\\nevent: message.created\\ndata: {"n":7}\\n\\n', 'event: reset\\ndata: {"last_event_id":1}\\n\\n',
                         'id: 2\\nevent: message.created\\ndata: {"n":2}\\n\\n']},
    {status: 200, body: ['id: 3\\nevent: message.created\\ndata: {"n":3}\\n\\n'], hold: true},
  ];
  let call = 0;
  const realFetch = window.fetch;
  window.fetch = async (url, init) => {
    requests.push({url: String(url), lastEventId: init.headers['Last-Event-ID'] ?? null, auth: init.headers['Authorization'] ?? null});
    const step = script[Math.min(call++, script.length - 1)];
    if (call > script.length) return new Promise(() => {});
    const body = new ReadableStream({
      start(controller) {
        for (const chunk of step.body) controller.enqueue(enc.encode(chunk));
        if (!step.hold) controller.close();
      },
    });
    return new Response(body, {status: step.status, headers: {'Content-Type': step.type || 'text/event-stream'}});
  };
  const events = [];
  const states = [];
  let resets = 0;
  let pendingReset = false;
  const stream = new EventStream({
    url: '/api/v1/events', headers: () => ({Authorization: 'Bearer t0ken'}), lastEventId: 4, minDelay: 10,
    onEvent: (name, data, id) => events.push([name, data, id]),
    onState: (s) => states.push(s),
    // Like the pages: refetch over REST (a tick later), then continue from that read's cursor.
    onReset: () => { resets++; pendingReset = true; setTimeout(() => { pendingReset = false; stream.restartFrom(2); }, 50); },
  });
  stream.start();
  const until = Date.now() + 8000;
  while (Date.now() < until && !(events.length >= 6 && states.at(-1) === 'open' && requests.length >= 4 && !pendingReset)) {
    await new Promise((r) => setTimeout(r, 20));
  }
  stream.stop();
  window.fetch = realFetch;
  done({events, states, resets, requests});
}).catch((e) => done({error: String(e)}));
"""

DENIED = """
const done = arguments[arguments.length - 1];
import('/js/sse.js').then(async ({EventStream}) => {
  let calls = 0;
  const realFetch = window.fetch;
  window.fetch = async () => { calls++; return new Response('{"detail":"no","code":"invalid_token"}', {status: 401, headers: {'Content-Type': 'application/json'}}); };
  const states = [];
  let denied = null;
  const stream = new EventStream({url: '/api/v1/events', minDelay: 10, onEvent: () => {}, onState: (s) => states.push(s), onDenied: (st) => { denied = st; }});
  stream.start();
  await new Promise((r) => setTimeout(r, 300));
  window.fetch = realFetch;
  done({calls, states, denied});
}).catch((e) => done({error: String(e)}));
"""


@pytest.fixture
def page(stack, browser):
    d = browser(800, 600)
    d.get(stack.url("/docs/"))  # a same-origin page with no scripts of its own
    return d


def test_parser_handles_chunking_line_endings_and_fields(page):
    text = (
        "\ufeff: comment at the start\r\n"
        "retry: 2500\r\n"
        "id: 41\r\nevent: message.created\r\ndata: {\"a\":1}\r\n\r\n"
        "event: customer.typing\ndata: {\"typing\":true}\n\n"
        "id: 42\revent: chat.closed\rdata: line one\rdata: line two\r\r"
        "data:no-space\n\n"
        "id: 43\n\n"
        "event: ignored-because-unterminated\ndata: x"
    )
    out = page.execute_async_script(PARSE, text, [1, 2, 3, 7, 1000])
    assert "error" not in out, out
    expected = [
        {"id": "41", "event": "message.created", "data": '{"a":1}'},
        {"id": None, "event": "customer.typing", "data": '{"typing":true}'},
        {"id": "42", "event": "chat.closed", "data": "line one\nline two"},
        {"id": None, "event": "message", "data": "no-space"},
        {"id": "43", "event": "message", "data": ""},
    ]
    for size, events in out["results"].items():
        assert events == expected, (size, events)
    assert set(out["retries"]) == {2500}


def test_stream_resumes_dedupes_resets_and_backs_off(page):
    out = page.execute_async_script(STREAM)
    assert "error" not in out, out
    reqs = out["requests"]
    # Credentials in headers, never in the URL; each reconnect resumes after the last id seen.
    assert all(r["url"] == "/api/v1/events" and r["auth"] == "Bearer t0ken" for r in reqs)
    assert [r["lastEventId"] for r in reqs[:4]] == ["4", "6", "6", "2"]
    names = [(e[0], e[1], e[2]) for e in out["events"]]
    # 6 is replayed by the third connection and dropped; typing (no id) passes through;
    # `reset` hands over the server's cursor (1, another database), so its live 2 is not
    # mistaken for a replay; after the refetch the page restarts from its cursor (2).
    assert names == [
        ("message.created", {"n": 5}, "5"),
        ("customer.typing", {"typing": True}, None),
        ("message.created", {"n": 6}, "6"),
        ("message.created", {"n": 7}, "7"),
        ("message.created", {"n": 2}, "2"),
        ("message.created", {"n": 3}, "3"),
    ], names
    assert out["resets"] == 1
    states = out["states"]
    assert states[0] == "connecting" and states[1] == "open"
    assert "reconnecting" in states and states[-1] == "closed"


def test_stream_stops_on_401(page):
    out = page.execute_async_script(DENIED)
    assert "error" not in out, out
    assert out["denied"] == 401
    assert out["calls"] == 1, "a refused stream must not be retried in a loop"
    assert out["states"][-1] == "closed"
