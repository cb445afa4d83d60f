// Files and images in a conversation (issue 22), as the widget and the console
// draw them (js/attachments.js through the shared js/thread.js): an image as its
// preview in a link to the whole file (a new tab, rel=noopener, alt = its name),
// any other file as a chip that downloads it; names as text; signed links that
// expired are read again (js/messagelog.js keeps the fresher copy) and renewed in
// place. Then the widget's chat.js: a message of files alone, an upload with the
// shopper's session, the re-read; and the console's limits (agent/limits.js).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { fakeFile, installXhr } from './fakexhr.mjs';
import { fakeServer, tick, until } from './fakeserver.mjs';
import { load } from './load.mjs';
import { CONV, conversation, message, startAnswer, trackChats, widget } from './widgetrig.mjs';

const { Thread } = await load('js/thread.js');
const { MessageLog } = await load('js/messagelog.js');
const { linksExpired, safeUrl } = await load('js/attachments.js');

// widgetrig's stand-in document, for chat.js; the drawing tests put a fake DOM in its place for a while.
const plainDocument = globalThis.document;
const LATER = '2099-01-01T00:00:00.000Z';
const SOON = '2098-01-01T00:00:00.000Z';
const PAST = '2020-01-01T00:00:00.000Z';
const png = (id, filename, expires = LATER, sig = 'one') => ({
  id, filename, content_type: 'image/png', size: 48_000, sha256: 'ab', width: 960, height: 640, inline: true,
  url: `/api/v1/files/${id}?exp=1&sig=${sig}`, url_expires_at: expires, preview_url: `/api/v1/files/${id}?exp=1&sig=${sig}&variant=preview`,
});
const pdf = (id, filename, expires = LATER, sig = 'one') => ({
  id, filename, content_type: 'application/pdf', size: 12 * 1024, sha256: 'cd', width: null, height: null, inline: false,
  url: `/api/v1/files/${id}?exp=1&sig=${sig}`, url_expires_at: expires, preview_url: null,
});
const withFiles = (id, sender, content, attachments) => message(id, sender, content, null, { attachments });

// --- drawing -------------------------------------------------------------------------

describe('a message with files, drawn', () => {
  let log;
  let container;
  let reads;
  let fresh; // what the next re-read gives
  beforeEach(() => {
    installDom();
    container = document.createElement('div');
    document.body.append(container);
    log = new MessageLog();
    reads = 0;
    fresh = [];
  });
  afterEach(() => { globalThis.document = plainDocument; });

  // The thread as the widget sets it up (the customer on the right), re-reading through the log.
  function thread() {
    const t = new Thread(container, {
      side: (m) => (m.sender_type === 'customer' ? 'right' : 'left'),
      name: (m) => (m.sender_type === 'customer' ? 'You' : 'Alex Agent'),
      showName: (m) => m.sender_type !== 'customer',
      you: (m) => m.sender_type === 'customer',
      onRetry: () => {},
      onDiscard: () => {},
      refreshLinks: async () => {
        reads += 1;
        log.upsertPage(fresh);
        t.render(log.entries());
        return log.attachmentsById();
      },
    });
    return t;
  }
  const all = () => [...container.descendants()];
  const links = () => all().filter((el) => el.tagName === 'A' && el.hasAttribute('data-attachment-id'));

  test('an image: its preview in a link that opens the whole file in a new tab, alt text its name', () => {
    log.upsert(withFiles('m-1', 'customer', 'Here is the damage', [png('a-1', 'broken-mug.png')]));
    thread().render(log.entries());
    const [a] = links();
    assert.equal(a.getAttribute('href'), '/api/v1/files/a-1?exp=1&sig=one');
    assert.equal(a.getAttribute('target'), '_blank');
    assert.equal(a.getAttribute('rel'), 'noopener');
    const img = all().find((el) => el.tagName === 'IMG');
    assert.equal(img.getAttribute('src'), '/api/v1/files/a-1?exp=1&sig=one&variant=preview');
    assert.equal(img.getAttribute('alt'), 'broken-mug.png');
    assert.equal(img.getAttribute('width'), '480', 'the preview size (at most 480 px on the longer side)');
    assert.equal(img.getAttribute('height'), '320');
    assert.match(container.textContent, /Here is the damage/);
  });

  test('any other file: a chip with its name, type and size that downloads it', () => {
    log.upsert(withFiles('m-1', 'agent', 'Your invoice', [pdf('a-2', 'invoice-1042.pdf')]));
    thread().render(log.entries());
    const [a] = links();
    assert.equal(a.getAttribute('href'), '/api/v1/files/a-2?exp=1&sig=one');
    assert.ok(a.hasAttribute('download'));
    assert.equal(a.getAttribute('target'), null, 'a download, not a new tab');
    assert.equal(all().filter((el) => el.tagName === 'IMG').length, 0);
    assert.match(a.textContent, /invoice-1042\.pdf/);
    assert.match(a.textContent, /PDF · 12 KB/);
  });

  test('a file name with <script> stays text', () => {
    const name = '<script>alert(1)</script>.pdf';
    log.upsert(withFiles('m-1', 'customer', '', [pdf('a-3', name), png('a-4', '"><img src=x onerror=alert(1)>.png')]));
    thread().render(log.entries());
    assert.equal(all().filter((el) => el.tagName === 'SCRIPT').length, 0);
    assert.equal(all().filter((el) => el.tagName === 'IMG').length, 1, 'only the preview');
    const [chip, image] = links();
    assert.ok(chip.textContent.includes(name));
    assert.equal(image.childNodes[0].getAttribute('alt'), '"><img src=x onerror=alert(1)>.png');
  });

  test('files alone: no empty bubble, and the files still say who sent them', () => {
    log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png'), pdf('a-2', 'b.pdf')]));
    thread().render(log.entries());
    assert.equal(all().filter((el) => el.className === 'bubble').length, 0);
    const files = all().find((el) => el.className === 'attachments');
    assert.equal(files.childNodes[0].textContent, 'You: ');
    assert.equal(links().length, 2);
  });

  test('a link that is not the server\'s (javascript:, another scheme) is not followed', () => {
    assert.equal(safeUrl('javascript:alert(1)'), null);
    assert.equal(safeUrl('//evil.example/x'), null);
    assert.equal(safeUrl('/api/v1/files/a?sig=1'), '/api/v1/files/a?sig=1');
    log.upsert(withFiles('m-1', 'agent', '', [pdf('a-9', 'x.pdf', LATER, 'one')].map((a) => ({ ...a, url: 'javascript:alert(1)' }))));
    thread().render(log.entries());
    assert.equal(links()[0].getAttribute('href'), null);
  });

  test('links that have expired are read again at once, and renewed in place (the same nodes)', async () => {
    log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png', PAST, 'old')]));
    fresh = [withFiles('m-1', 'customer', '', [png('a-1', 'a.png', LATER, 'new')])];
    const t = thread();
    t.render(log.entries());
    const before = links()[0];
    await until(() => reads === 1, 'the messages read again');
    await tick();
    const [after] = links();
    assert.equal(after, before, 'the same link, not a new one (nothing announced twice)');
    assert.equal(after.getAttribute('href'), '/api/v1/files/a-1?exp=1&sig=new');
    assert.equal(all().find((el) => el.tagName === 'IMG').getAttribute('src'), '/api/v1/files/a-1?exp=1&sig=new&variant=preview');
    assert.equal(linksExpired(log.attachmentsById().get('a-1')), false);
  });

  test('a click on an expired download: no dead link followed; fresh links, then the download', async () => {
    log.upsert(withFiles('m-1', 'agent', '', [pdf('a-2', 'b.pdf', SOON, 'old')]));
    const t = thread();
    t.render(log.entries());
    const [a] = links();
    a.attachment = { ...a.attachment, url_expires_at: PAST }; // the page sat there for a quarter of an hour
    fresh = [withFiles('m-1', 'agent', '', [pdf('a-2', 'b.pdf', LATER, 'new')])];
    const clicks = [];
    a.click = () => a.dispatchEvent({ type: 'click', target: a }); // what the browser's click() does first
    a.addEventListener('click', (event) => clicks.push({ prevented: event.defaultPrevented, href: a.getAttribute('href') }));
    const event = { type: 'click', target: a };
    a.dispatchEvent(event);
    assert.equal(event.defaultPrevented, true, 'the expired link is not followed');
    await until(() => clicks.length === 2, 'clicked again with the fresh link');
    assert.equal(reads, 1);
    assert.deepEqual(clicks[1], { prevented: false, href: '/api/v1/files/a-2?exp=1&sig=new' });
  });

  test('a click on an expired image: a tab opens at once and goes to the fresh file', async () => {
    const opened = [];
    globalThis.window = { open: (url, target) => { const tab = { url, target, location: { href: url }, close() {} }; opened.push(tab); return tab; } };
    try {
      log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png', SOON, 'old')]));
      thread().render(log.entries());
      const [a] = links();
      a.attachment = { ...a.attachment, url_expires_at: PAST };
      fresh = [withFiles('m-1', 'customer', '', [png('a-1', 'a.png', LATER, 'new')])];
      const event = { type: 'click', target: a };
      a.dispatchEvent(event);
      assert.equal(event.defaultPrevented, true);
      assert.equal(opened.length, 1, 'opened while the click still counts as the user\'s');
      assert.equal(opened[0].target, '_blank');
      await until(() => opened[0].location.href.includes('sig=new'), 'the tab sent to the fresh link');
      assert.equal(opened[0].location.href, '/api/v1/files/a-1?exp=1&sig=new');
    } finally {
      delete globalThis.window;
    }
  });

  test('a link still valid is followed as it is', () => {
    log.upsert(withFiles('m-1', 'agent', '', [pdf('a-2', 'b.pdf')]));
    thread().render(log.entries());
    const event = { type: 'click', target: links()[0] };
    links()[0].dispatchEvent(event);
    assert.equal(event.defaultPrevented, false);
    assert.equal(reads, 0);
  });
});

describe('MessageLog and fresh links', () => {
  test('a message seen again brings fresher links; an older copy does not undo them', () => {
    const log = new MessageLog();
    log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png', '2026-12-07T12:15:00.000Z', 'one')]));
    log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png', '2026-12-07T12:30:00.000Z', 'two')]));
    assert.equal(log.attachmentsById().get('a-1').url, '/api/v1/files/a-1?exp=1&sig=two');
    log.upsert(withFiles('m-1', 'customer', '', [png('a-1', 'a.png', '2026-12-07T12:15:00.000Z', 'one')]));
    assert.equal(log.attachmentsById().get('a-1').url, '/api/v1/files/a-1?exp=1&sig=two');
    assert.equal(log.size, 1);
  });
});

// --- the widget's chat -------------------------------------------------------------------

describe('the widget: sending files', () => {
  trackChats();

  async function ready(extra = {}) {
    const sent = [];
    const server = fakeServer({
      'POST /customer/conversations/start': () => ({ body: startAnswer(conversation('agent')) }),
      [`POST /customer/conversations/${CONV}/messages`]: (req) => {
        sent.push(req.body);
        const m = withFiles('m-2', 'customer', req.body.content, (req.body.attachment_ids || []).map((id) => png(id, `${id}.png`)));
        return { body: { conversation: conversation('agent'), customer_message: { ...m, client_message_id: req.body.client_message_id }, bot_message: null, quick_questions: [], show_talk_to_agent: false } };
      },
      ...extra,
    });
    const { chat } = widget();
    chat.attachmentLimits = { enabled: true, maxBytes: 10 * 1024 * 1024, allowedTypes: ['image/png'] };
    await chat.ensureStarted();
    return { chat, server, sent };
  }

  test('a message of files alone is sent: empty content, the attachment ids; shown at once with its files', async () => {
    const { chat, sent } = await ready();
    assert.equal(chat.send('   ', []), false, 'nothing to send');
    assert.equal(chat.send('', [png('a-1', 'a.png'), png('a-2', 'b.png')]), true);
    const pending = chat.log.entries().at(-1);
    assert.equal(pending.status, 'sending');
    assert.deepEqual(pending.message.attachments.map((a) => a.id), ['a-1', 'a-2']);
    await until(() => sent.length === 1, 'sent');
    assert.deepEqual(sent[0].attachment_ids, ['a-1', 'a-2']);
    assert.equal(sent[0].content, '');
    await until(() => chat.log.entries().at(-1).status === 'sent', 'confirmed');
    assert.equal(chat.log.size, 2);
  });

  test('an upload goes to the conversation with the shopper\'s session', async () => {
    const requests = installXhr();
    const { chat } = await ready();
    assert.equal(chat.canAttach(), true);
    chat.upload(fakeFile('a.png', 10, 'image/png'), () => {});
    assert.equal(requests[0].url, `/api/v1/customer/conversations/${CONV}/attachments?filename=a.png`);
    assert.equal(requests[0].headers['X-Customer-Session-Id'], 's-1');
  });

  test('no files while the shop takes none, or once the chat has ended', async () => {
    const { chat } = await ready();
    chat.attachmentLimits = { enabled: false, maxBytes: null, allowedTypes: [] };
    assert.equal(chat.canAttach(), false);
    chat.attachmentLimits = { enabled: true, maxBytes: null, allowedTypes: [] };
    chat.state.conversation = { ...chat.state.conversation, status: 'closed' };
    assert.equal(chat.canAttach(), false);
  });

  test('expired links: the messages are read again (once, however many ask), the log has the fresh ones', async () => {
    let reads = 0;
    const { chat } = await ready({
      [`GET /customer/conversations/${CONV}/messages`]: () => {
        reads += 1;
        return { body: { conversation: conversation('agent'), messages: [withFiles('m-9', 'agent', '', [pdf('a-9', 'x.pdf', LATER, 'new')])] } };
      },
    });
    chat.log.upsert(withFiles('m-9', 'agent', '', [pdf('a-9', 'x.pdf', PAST, 'old')]));
    const [first, second] = await Promise.all([chat.refreshLinks(), chat.refreshLinks()]);
    assert.equal(reads, 1);
    assert.equal(first, second);
    assert.equal(first.get('a-9').url, '/api/v1/files/a-9?exp=1&sig=new');
    await chat.refreshLinks();
    assert.equal(reads, 1, 'not again at once (a clock far off the server\'s would ask for ever)');
  });
});

// --- the console's limits ---------------------------------------------------------------

describe('the console: what files an agent may send', () => {
  beforeEach(() => installDom());
  afterEach(() => { globalThis.document = plainDocument; });

  test("GET me's attachments when given; else widget-config's sizes, the switch taken as on", async () => {
    const { attachmentLimits, setAttachmentLimits } = await load('agent/limits.js');
    assert.equal(attachmentLimits().enabled, false, 'nothing until known');
    fakeServer({
      'GET /customer/widget-config': () => ({ body: { attachments: { enabled: false, max_bytes: 2048, allowed_types: ['application/pdf'] } } }),
    });
    await setAttachmentLimits(undefined);
    assert.deepEqual(attachmentLimits(), { enabled: true, maxBytes: 2048, allowedTypes: ['application/pdf'] });
    await setAttachmentLimits({ enabled: false, max_bytes: 4096, allowed_types: ['image/png'] });
    assert.deepEqual(attachmentLimits(), { enabled: false, maxBytes: 4096, allowedTypes: ['image/png'] });
  });
});
