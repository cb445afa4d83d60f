// A Switchboard behind `fetch` for the widget's tests: `answers` maps "METHOD /path" (the
// path without /api/v1) to (req) => {status, body}; event streams stay open and the test
// pushes frames into them (`streams[i].send(name, data, id)`). One copy for every test file.

import assert from 'node:assert/strict';

export function json(status, body) {
  return new Response(status === 204 ? null : JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

export function fakeServer(answers) {
  const calls = [];
  const streams = [];
  globalThis.fetch = async (url, init = {}) => {
    const u = new URL(url, 'http://chat.test');
    const req = {
      method: init.method || 'GET',
      path: u.pathname.replace(/^\/api\/v1/, ''),
      url: String(url),
      headers: { ...(init.headers || {}) },
      body: init.body ? JSON.parse(init.body) : undefined,
    };
    calls.push(req);
    if (req.path === '/events') {
      let controller;
      const body = new ReadableStream({ start(c) { controller = c; } });
      const stream = {
        req,
        send(name, data, id) {
          controller.enqueue(new TextEncoder().encode(`${id ? `id: ${id}\n` : ''}event: ${name}\ndata: ${JSON.stringify(data)}\n\n`));
        },
      };
      init.signal?.addEventListener('abort', () => { try { controller.error(new Error('aborted')); } catch { /* closed */ } });
      streams.push(stream);
      return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
    }
    const handler = answers[`${req.method} ${req.path}`];
    if (!handler) return json(404, { code: 'not_found', detail: `no route ${req.method} ${req.path}` });
    const { status = 200, body } = await handler(req);
    return json(status, body);
  };
  /** The POSTs made, to paths ending in `path` when given. */
  const posts = (path) => calls.filter((c) => c.method === 'POST' && (!path || c.path.endsWith(path)));
  return { calls, streams, posts };
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits (1 s at most) until `condition()` holds; fails naming `what`. */
export async function until(condition, what) {
  for (let i = 0; i < 200; i += 1) {
    if (condition()) return;
    await tick(5);
  }
  assert.fail(`never: ${what}`);
}
