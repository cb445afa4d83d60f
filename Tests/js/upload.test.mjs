// Files and images (issue 22): js/upload.js (one file to the server with its
// progress, cancel, and the words for a refusal: the browser's own check of
// the limits first, then the server's `detail` as it came) and js/filetray.js
// (the files waiting for the next message, as the widget and the console show them).

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';

import { installDom } from './fakedom.mjs';
import { fakeFile, installXhr } from './fakexhr.mjs';
import { fakeServer, tick } from './fakeserver.mjs';
import { load } from './load.mjs';

const { MAX_FILES_PER_MESSAGE, acceptList, fileProblem, formatBytes, parseAttachmentLimits, typeName, uploadErrorWords, uploadFile } =
  await load('js/upload.js');
const { FileTray, wireFileInputs } = await load('js/filetray.js');
const { ApiError, agentApi, customerApi } = await load('js/api.js');

const MB = 1024 * 1024;
const LIMITS = parseAttachmentLimits({
  enabled: true, max_bytes: 10 * MB, allowed_types: ['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain'],
});
const attachment = (id, filename, extra = {}) => ({
  id, filename, content_type: 'image/png', size: 2048, sha256: 'ab', width: 640, height: 480, inline: true,
  url: `/api/v1/files/${id}?exp=1&sig=x`, url_expires_at: '2099-01-01T00:00:00.000Z', preview_url: `/api/v1/files/${id}?exp=1&sig=x&variant=preview`, ...extra,
});

describe('the limits in words', () => {
  test('sizes as people read them', () => {
    assert.equal(formatBytes(0), '0 bytes');
    assert.equal(formatBytes(1), '1 byte');
    assert.equal(formatBytes(900), '900 bytes');
    assert.equal(formatBytes(300 * 1024), '300 KB');
    assert.equal(formatBytes(1.5 * MB), '1.5 MB');
    assert.equal(formatBytes(10 * MB), '10 MB');
    assert.equal(formatBytes(14 * MB + 1234), '14 MB');
  });

  test('widget-config\'s attachments, member by member; none at all means no files', () => {
    assert.deepEqual(parseAttachmentLimits(undefined), { enabled: false, maxBytes: null, allowedTypes: [] });
    assert.equal(parseAttachmentLimits({ enabled: 'yes' }).enabled, false);
    assert.deepEqual(parseAttachmentLimits({ enabled: true, max_bytes: 2048, allowed_types: ['image/png', 7] }),
      { enabled: true, maxBytes: 2048, allowedTypes: ['image/png'] });
    assert.equal(acceptList(LIMITS), 'image/png,image/jpeg,image/gif,image/webp,application/pdf,text/plain');
    assert.equal(typeName('application/pdf'), 'PDF');
    assert.equal(typeName('application/zip'), 'application/zip');
  });

  test('too large: the file\'s size and the limit, before anything is sent', () => {
    assert.equal(fileProblem(fakeFile('holiday.png', 14 * MB, 'image/png'), LIMITS), 'That file is 14 MB; the limit is 10 MB.');
    assert.equal(fileProblem(fakeFile('ok.png', 10 * MB, 'image/png'), LIMITS), null);
  });

  test('a type the shop does not take, named, with what it does take', () => {
    assert.equal(fileProblem(fakeFile('tool.zip', 100, 'application/zip'), LIMITS),
      "application/zip files can't be sent here. You can send PNG, JPEG, GIF, WebP, PDF, text.");
  });

  test('only what the browser can tell: no claimed type, or a text type, is the server\'s to judge by the bytes', () => {
    assert.equal(fileProblem(fakeFile('notes', 100, ''), LIMITS), null);
    assert.equal(fileProblem(fakeFile('orders.csv', 100, 'text/csv'), LIMITS), null);
  });

  test('an empty file, and files while the shop takes none', () => {
    assert.equal(fileProblem(fakeFile('empty.txt', 0, 'text/plain'), LIMITS), '“empty.txt” is empty.');
    assert.equal(fileProblem(fakeFile('a.png', 10, 'image/png'), parseAttachmentLimits(null)), "Files can't be sent here.");
  });
});

describe('uploadFile', () => {
  let requests;
  beforeEach(() => { requests = installXhr(); });

  test('the raw file, its name in the address, the credential and its claimed type; progress; the Attachment', async () => {
    const file = fakeFile('my photo & co.png', 2048, 'image/png');
    const seen = [];
    const { done } = uploadFile('/customer/conversations/c-1/attachments', file, {
      headers: { 'X-Customer-Session-Id': 's-1' }, onProgress: (loaded, total) => seen.push([loaded, total]),
    });
    const [xhr] = requests;
    assert.equal(xhr.method, 'POST');
    assert.equal(xhr.url, '/api/v1/customer/conversations/c-1/attachments?filename=my%20photo%20%26%20co.png');
    assert.equal(xhr.headers['X-Customer-Session-Id'], 's-1');
    assert.equal(xhr.headers['Content-Type'], 'image/png');
    assert.equal(xhr.body, file, 'the file itself, not a form');
    xhr.progress(1024, 2048);
    xhr.progress(2048, 2048);
    assert.deepEqual(seen, [[1024, 2048], [2048, 2048]]);
    xhr.respond(201, attachment('a-1', 'my photo & co.png'));
    assert.equal((await done).id, 'a-1');
  });

  test('a file that claims no type goes as application/octet-stream', () => {
    uploadFile('/x', fakeFile('data', 10, ''));
    assert.equal(requests[0].headers['Content-Type'], 'application/octet-stream');
  });

  test('cancel aborts the request and says so', async () => {
    const { done, cancel } = uploadFile('/x', fakeFile('big.pdf', 5 * MB, 'application/pdf'));
    cancel();
    assert.equal(requests[0].aborted, true);
    const err = await done.catch((e) => e);
    assert.equal(err.code, 'cancelled');
    assert.equal(uploadErrorWords(err), 'Cancelled.');
  });

  for (const [status, code, detail] of [
    [413, 'file_too_large', 'That file is 14 MB; files may be at most 10 MB.'],
    [415, 'file_type_not_allowed', 'Files of type application/x-msdownload cannot be sent here.'],
    [403, 'attachments_disabled', 'This shop does not take files.'],
    [429, 'rate_limited', 'Too many uploads. Try again in a minute.'],
  ]) {
    test(`the server's ${status} ${code}: its words, as they came`, async () => {
      const { done } = uploadFile('/x', fakeFile('f.bin', 10, 'application/pdf'));
      requests[0].respond(status, { code, detail });
      const err = await done.catch((e) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.status, status);
      assert.equal(err.code, code);
      assert.equal(uploadErrorWords(err), detail);
    });
  }

  test('a refusal without the server\'s words (a proxy\'s page), and the network failing: words of our own', async () => {
    const first = uploadFile('/x', fakeFile('f.png', 10, 'image/png'));
    requests[0].respond(413, '<html><body>413 Request Entity Too Large</body></html>');
    assert.equal(uploadErrorWords(await first.done.catch((e) => e)), 'That file is too large to send.');
    const second = uploadFile('/x', fakeFile('f.png', 10, 'image/png'));
    requests[1].fail();
    assert.equal(uploadErrorWords(await second.done.catch((e) => e)), 'The upload failed. Check your connection and try again.');
  });
});

describe('the message that carries the files', () => {
  test('customer and agent sends carry attachment_ids; content may be empty; none: no attachment_ids at all', async () => {
    const server = fakeServer({
      'POST /customer/conversations/c-1/messages': () => ({ body: {} }),
      'POST /agent/conversations/c-1/messages': () => ({ body: {} }),
    });
    const customer = customerApi(() => 's-1');
    const agent = agentApi(() => 't-1');
    await customer.send('c-1', '', 'cm-1', ['a-1', 'a-2']);
    await agent.send('c-1', 'Here is the invoice', 'cm-2', ['a-3']);
    await customer.send('c-1', 'Just words', 'cm-3');
    const [files, reply, words] = server.posts('/messages');
    assert.deepEqual(files.body, { content: '', client_message_id: 'cm-1', attachment_ids: ['a-1', 'a-2'] });
    assert.deepEqual(reply.body, { content: 'Here is the invoice', client_message_id: 'cm-2', attachment_ids: ['a-3'] });
    assert.equal(reply.headers.Authorization, 'Bearer t-1');
    assert.ok(!('attachment_ids' in words.body));
    assert.equal(customer.uploadPath('c 1'), '/customer/conversations/c%201/attachments');
    assert.equal(agent.uploadPath('c-1'), '/agent/conversations/c-1/attachments');
    assert.deepEqual(agent.streamHeaders(), { Authorization: 'Bearer t-1' });
  });
});

describe('FileTray', () => {
  let requests;
  let changes;
  beforeEach(() => {
    installDom();
    requests = installXhr();
    changes = 0;
  });

  function tray(limits = LIMITS) {
    const list = document.createElement('ul');
    const status = document.createElement('p');
    document.body.append(list, status);
    const t = new FileTray({
      list, status, limits: () => limits,
      upload: (file, onProgress) => uploadFile('/customer/conversations/c-1/attachments', file, { headers: { 'X-Customer-Session-Id': 's-1' }, onProgress }),
      onChange: () => { changes += 1; },
    });
    return { t, list, status };
  }
  const items = (list) => [...list.querySelectorAll('[data-key]')].filter((el) => el.tagName === 'LI' && el.dataset.key !== 'notice');
  const bar = (item) => [...item.querySelectorAll('[role="progressbar"]')][0];
  const detail = (item) => [...item.querySelectorAll('[data-part="detail"]')][0].textContent;
  const button = (item) => [...item.childNodes].find((el) => el.tagName === 'BUTTON');
  const press = (el) => el.dispatchEvent({ type: 'click', target: el });

  test('each file: its name, its size, a progress bar with aria-valuenow, a cancel button named after it', async () => {
    const { t, list } = tray();
    t.add([fakeFile('receipt.pdf', 200 * 1024, 'application/pdf'), fakeFile('photo.png', 2 * MB, 'image/png')]);
    assert.equal(requests.length, 2, 'both upload at once');
    assert.equal(list.hidden, false);
    const [pdf, png] = items(list);
    assert.match(pdf.textContent, /receipt\.pdf/);
    assert.equal(detail(pdf), '200 KB · Uploading 0%');
    assert.equal(bar(pdf).getAttribute('aria-valuenow'), '0');
    assert.equal(bar(pdf).getAttribute('aria-label'), 'Uploading receipt.pdf');
    assert.equal(button(png).getAttribute('aria-label'), 'Cancel the upload of photo.png');
    requests[0].progress(100 * 1024, 200 * 1024);
    assert.equal(bar(pdf).getAttribute('aria-valuenow'), '50');
    assert.equal(bar(pdf).firstChild.style.width, '50%');
    assert.equal(detail(pdf), '200 KB · Uploading 50%');
    assert.equal(t.busy, true);
    assert.equal(t.ready, false);

    requests[0].respond(201, attachment('a-1', 'receipt.pdf', { inline: false, preview_url: null, content_type: 'application/pdf' }));
    requests[1].respond(201, attachment('a-2', 'photo.png'));
    await tick();
    const [donePdf] = items(list);
    assert.equal(detail(donePdf), '200 KB · Ready to send');
    assert.equal(bar(donePdf), undefined, 'no progress bar once it is done');
    assert.equal(button(donePdf).getAttribute('aria-label'), 'Remove receipt.pdf');
    assert.equal(t.ready, true);
    assert.deepEqual(t.take().map((a) => a.id), ['a-1', 'a-2']);
    assert.equal(t.items.length, 0);
    assert.equal(list.hidden, true);
  });

  test('cancel: the request is aborted and the file goes away', async () => {
    const { t, list, status } = tray();
    t.add([fakeFile('video.pdf', 8 * MB, 'application/pdf')]);
    press(button(items(list)[0]));
    assert.equal(requests[0].aborted, true);
    assert.equal(items(list).length, 0);
    assert.equal(t.busy, false);
    assert.equal(status.textContent, 'The upload of video.pdf was cancelled.');
    await tick();
    assert.equal(items(list).length, 0, 'the abort does not bring it back as failed');
  });

  test('a file over the limit is refused before it is sent, in words, and can be taken away', () => {
    const { t, list, status } = tray();
    t.add([fakeFile('huge.png', 14 * MB, 'image/png')]);
    assert.equal(requests.length, 0, 'nothing sent');
    const [item] = items(list);
    assert.equal(item.dataset.status, 'failed');
    assert.equal(detail(item), 'That file is 14 MB; the limit is 10 MB.');
    assert.equal(status.textContent, 'huge.png: That file is 14 MB; the limit is 10 MB.');
    assert.equal(t.ready, false);
    press(button(item));
    assert.equal(items(list).length, 0);
  });

  test("the server's refusal is shown on the file, as it came", async () => {
    const { t, list } = tray();
    t.add([fakeFile('fake.png', 300, 'image/png')]);
    requests[0].respond(415, { code: 'invalid_image', detail: 'That image could not be read.' });
    await tick();
    const [item] = items(list);
    assert.equal(item.dataset.status, 'failed');
    assert.equal(detail(item), 'That image could not be read.');
    assert.equal(t.busy, false);
    assert.equal(t.ready, false, 'a refused file does not make a message');
  });

  test(`at most ${MAX_FILES_PER_MESSAGE} files: the rest are left out, and the tray says so`, () => {
    const { t, list } = tray();
    const files = Array.from({ length: 12 }, (_, i) => fakeFile(`p${i}.png`, 10, 'image/png'));
    t.add(files);
    assert.equal(items(list).length, MAX_FILES_PER_MESSAGE);
    assert.equal(requests.length, MAX_FILES_PER_MESSAGE);
    assert.match(list.textContent, /At most 10 files go with one message: 2 files were left out\./);
  });

  test('a name with markup stays text', () => {
    const { t, list } = tray();
    t.add([fakeFile('<img src=x onerror=alert(1)>.png', 10, 'image/png')]);
    const [item] = items(list);
    assert.match(item.textContent, /<img src=x onerror=alert\(1\)>\.png/);
    assert.equal([...item.descendants()].filter((el) => el.tagName === 'IMG').length, 0);
  });
});

describe('where files come from (wireFileInputs)', () => {
  let requests;
  beforeEach(() => {
    installDom();
    requests = installXhr();
  });

  function wired(enabled = () => true) {
    const el = (tag) => { const e = document.createElement(tag); document.body.append(e); return e; };
    const parts = { button: el('button'), input: el('input'), dropZone: el('div'), pasteTarget: el('textarea'), list: el('ul') };
    const tray = new FileTray({
      list: parts.list, status: null, limits: () => LIMITS,
      upload: (file, onProgress) => uploadFile('/x', file, { onProgress }),
    });
    wireFileInputs({ tray, ...parts, enabled });
    return { tray, ...parts };
  }
  const fire = (el, event) => { el.dispatchEvent(event); return event; };

  test('the paperclip opens the file picker; the files chosen are added, and the picker is emptied', () => {
    const { tray, button, input } = wired();
    let opened = 0;
    input.click = () => { opened += 1; };
    fire(button, { type: 'click' });
    assert.equal(opened, 1);
    input.files = [fakeFile('a.png', 10, 'image/png')];
    input.value = 'C:\\fakepath\\a.png';
    fire(input, { type: 'change' });
    assert.equal(tray.items.length, 1);
    assert.equal(input.value, '', 'the same file may be chosen again');
  });

  test('an image pasted into the message box is added; pasted text is left to the box', () => {
    const { tray, pasteTarget } = wired();
    const text = fire(pasteTarget, { type: 'paste', clipboardData: { files: [] } });
    assert.equal(text.defaultPrevented, false);
    const image = fire(pasteTarget, { type: 'paste', clipboardData: { files: [fakeFile('image.png', 2048, 'image/png')] } });
    assert.equal(image.defaultPrevented, true);
    assert.deepEqual(tray.items.map((i) => i.file.name), ['image.png']);
    assert.equal(requests.length, 1);
  });

  test('files dragged over the chat: it says where they go; dropped, they are added', () => {
    const { tray, dropZone } = wired();
    const dataTransfer = { types: ['Files'], files: [fakeFile('a.pdf', 10, 'application/pdf'), fakeFile('b.png', 10, 'image/png')] };
    assert.equal(fire(dropZone, { type: 'dragenter', dataTransfer }).defaultPrevented, true);
    assert.ok(dropZone.hasAttribute('data-dragging'));
    assert.equal(fire(dropZone, { type: 'dragover', dataTransfer }).defaultPrevented, true, 'a drop is allowed');
    fire(dropZone, { type: 'drop', dataTransfer });
    assert.ok(!dropZone.hasAttribute('data-dragging'));
    assert.deepEqual(tray.items.map((i) => i.file.name), ['a.pdf', 'b.png']);
    // Dragged text is not a file: nothing happens.
    assert.equal(fire(dropZone, { type: 'dragover', dataTransfer: { types: ['text/plain'], files: [] } }).defaultPrevented, false);
  });

  test('while files are not taken (the shop takes none, the chat ended), nothing comes in', () => {
    const { tray, button, input, dropZone, pasteTarget } = wired(() => false);
    let opened = 0;
    input.click = () => { opened += 1; };
    fire(button, { type: 'click' });
    fire(pasteTarget, { type: 'paste', clipboardData: { files: [fakeFile('image.png', 10, 'image/png')] } });
    fire(dropZone, { type: 'drop', dataTransfer: { types: ['Files'], files: [fakeFile('a.pdf', 10, 'application/pdf')] } });
    assert.equal(opened, 0);
    assert.equal(tray.items.length, 0);
  });
});
