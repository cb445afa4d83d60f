// The files waiting to go with the next message, for the widget's and the
// console's reply box: each is uploaded as soon as it is chosen (upload.js),
// and shows its name, size, a progress bar while it goes, and a button that
// cancels it (or takes it away). A file the limits refuse shows why, in words.
// Files come from a paperclip button (a hidden file input), from dropping them
// on the chat, and from pasting an image into the message box.

import { h, icon } from './dom.js';
import { MAX_FILES_PER_MESSAGE, fileProblem, formatBytes, uploadErrorWords } from './upload.js';

let keys = 0;

export class FileTray {
  /**
   * @param {{
   *   list: HTMLElement,                       // a <ul>: one <li> per file
   *   status: HTMLElement,                     // a polite live region: what happened, for screen readers
   *   limits: () => {enabled, maxBytes, allowedTypes},
   *   upload: (file, onProgress) => {done: Promise<object>, cancel: () => void},
   *   onChange: () => void,                    // the files changed (the send button follows)
   *   focusAfterRemove?: () => void,           // where the focus goes when a file's button goes away
   * }} deps
   */
  constructor(deps) {
    Object.assign(this, deps);
    this.items = []; // {key, file, status: 'uploading'|'ready'|'failed', loaded, attachment, error, handle, node}
    this.notice = null; // words about the tray as a whole ("At most 10 files…")
  }

  /** No file is on its way. */
  get busy() {
    return this.items.some((i) => i.status === 'uploading');
  }

  /** The uploaded files, ready to go with a message. */
  attachments() {
    return this.items.filter((i) => i.status === 'ready').map((i) => i.attachment);
  }

  /** Whether there is anything to send: uploads done, and at least one of them. */
  get ready() {
    return !this.busy && this.items.some((i) => i.status === 'ready');
  }

  /** Takes files (a FileList or an array): each is checked, then uploaded. */
  add(files) {
    this.notice = null;
    const limits = this.limits();
    const left = [];
    for (const file of [...files]) {
      if (this.items.filter((i) => i.status !== 'failed').length >= MAX_FILES_PER_MESSAGE) {
        left.push(file.name);
        continue;
      }
      const item = { key: `f${++keys}`, file, status: 'uploading', loaded: 0, attachment: null, error: null, handle: null, node: null };
      this.items.push(item);
      const problem = fileProblem(file, limits);
      if (problem) {
        item.status = 'failed';
        item.error = problem;
        this.#say(`${file.name}: ${problem}`);
        continue;
      }
      this.#start(item);
    }
    if (left.length > 0) {
      this.notice = `At most ${MAX_FILES_PER_MESSAGE} files go with one message: ${left.length === 1 ? `“${left[0]}” was` : `${left.length} files were`} left out.`;
      this.#say(this.notice);
    }
    this.#changed();
  }

  #start(item) {
    const name = item.file.name;
    item.handle = this.upload(item.file, (loaded, total) => {
      item.loaded = Math.min(loaded, total || item.file.size);
      this.#update(item);
    });
    item.handle.done.then((attachment) => {
      if (!this.items.includes(item)) return;
      item.status = 'ready';
      item.attachment = attachment;
      item.loaded = item.file.size;
      this.#say(`${name} is ready to send.`);
      this.#changed();
    }, (err) => {
      if (!this.items.includes(item)) return; // cancelled and taken away
      item.status = 'failed';
      item.error = uploadErrorWords(err);
      this.#say(`${name}: ${item.error}`);
      this.#changed();
    });
  }

  /** Cancels a file's upload (or takes away a file that is done or refused). */
  remove(key) {
    const item = this.items.find((i) => i.key === key);
    if (!item) return;
    const hadFocus = item.node?.contains?.(document.activeElement);
    this.items = this.items.filter((i) => i !== item);
    if (item.status === 'uploading') {
      item.handle?.cancel();
      this.#say(`The upload of ${item.file.name} was cancelled.`);
    } else {
      this.#say(`${item.file.name} was taken away.`);
    }
    this.notice = null;
    this.#changed();
    if (hadFocus) this.focusAfterRemove?.();
  }

  /** Empties the tray (the message went, or another conversation is shown): uploads under way are cancelled. */
  clear() {
    for (const item of this.items) if (item.status === 'uploading') item.handle?.cancel();
    this.items = [];
    this.notice = null;
    this.#changed();
  }

  /** The ready files for a message; the tray is emptied. */
  take() {
    const ready = this.attachments();
    this.clear();
    return ready;
  }

  #say(text) {
    if (this.status) this.status.textContent = text;
  }

  #changed() {
    this.render();
    this.onChange?.();
  }

  // --- drawing ---------------------------------------------------------------------

  render() {
    const { list } = this;
    const keep = new Set(this.items.map((i) => i.key));
    for (const child of [...list.childNodes]) {
      if (!keep.has(child.dataset?.key) && child.dataset?.key !== 'notice') child.remove();
    }
    for (const item of this.items) {
      if (!item.node || item.node.dataset.status !== item.status) {
        const node = this.#itemNode(item);
        if (item.node?.parentNode === list) list.insertBefore(node, item.node);
        item.node?.remove();
        item.node = node;
      }
      if (item.node.parentNode !== list) list.insertBefore(item.node, this.#noticeNode());
      this.#update(item);
    }
    this.#renderNotice();
    list.hidden = this.items.length === 0 && !this.notice;
  }

  #noticeNode() {
    return [...this.list.childNodes].find((c) => c.dataset?.key === 'notice') || null;
  }

  #renderNotice() {
    let node = this.#noticeNode();
    if (!this.notice) {
      node?.remove();
      return;
    }
    if (!node) {
      node = h('li', { class: 'tray-notice', dataset: { key: 'notice' } }, icon('alert', { size: 16 }), h('span', {}));
      this.list.append(node);
    }
    node.childNodes[1].textContent = this.notice;
  }

  #itemNode(item) {
    const { file } = item;
    const name = file.name || 'file';
    const image = /^image\//.test(file.type || '');
    const bar = item.status === 'uploading'
      ? h('div', { class: 'tray-bar', role: 'progressbar', 'aria-label': `Uploading ${name}`, 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': '0' },
        h('span', { class: 'tray-fill' }))
      : null;
    const label = item.status === 'uploading' ? `Cancel the upload of ${name}` : `Remove ${name}`;
    return h('li', { class: 'tray-item', dataset: { key: item.key, status: item.status } },
      h('span', { class: 'tray-icon', 'aria-hidden': 'true' }, icon(item.status === 'failed' ? 'alert' : image ? 'image' : 'file', { size: 18 })),
      h('span', { class: 'tray-text' },
        h('span', { class: 'tray-name', title: name }, name),
        h('span', { class: 'tray-detail', dataset: { part: 'detail' } }),
        bar),
      h('button', {
        class: 'tray-remove', type: 'button', 'aria-label': label, title: label,
        on: { click: () => this.remove(item.key) },
      }, icon('close', { size: 16 })));
  }

  // The parts that change while a file goes: its progress and the words under its name.
  #update(item) {
    const node = item.node;
    if (!node) return;
    const size = formatBytes(item.file.size);
    const pct = item.file.size > 0 ? Math.round((item.loaded / item.file.size) * 100) : 0;
    const detail = [...node.querySelectorAll('[data-part="detail"]')][0];
    let words = size;
    if (item.status === 'uploading') words = `${size} · Uploading ${pct}%`;
    else if (item.status === 'ready') words = `${size} · Ready to send`;
    else if (item.status === 'failed') words = item.error;
    if (detail && detail.textContent !== words) detail.textContent = words;
    const bar = [...node.querySelectorAll('[role="progressbar"]')][0];
    if (bar) {
      bar.setAttribute('aria-valuenow', String(pct));
      bar.setAttribute('aria-valuetext', `${pct}%`);
      bar.firstChild.style.width = `${pct}%`;
    }
  }
}

/**
 * Wires the ways files arrive to `tray`: the paperclip `button` opens the file `input`;
 * files dropped anywhere on `dropZone` (which gets data-dragging while they hover) and
 * images pasted into `pasteTarget` are added. `enabled()` says whether files are taken now.
 */
export function wireFileInputs({ tray, button, input, dropZone, pasteTarget, enabled, signal }) {
  button.addEventListener('click', () => {
    if (enabled()) input.click();
  }, { signal });
  input.addEventListener('change', () => {
    if (input.files && input.files.length > 0) tray.add(input.files);
    input.value = ''; // the same file may be chosen again
  }, { signal });
  const carriesFiles = (event) => [...(event.dataTransfer?.types || [])].includes('Files');
  let depth = 0;
  const dragging = (on) => {
    if (on) dropZone.setAttribute('data-dragging', '');
    else dropZone.removeAttribute('data-dragging');
  };
  dropZone.addEventListener('dragenter', (event) => {
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault();
    depth += 1;
    dragging(true);
  }, { signal });
  dropZone.addEventListener('dragover', (event) => {
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = 'copy';
  }, { signal });
  dropZone.addEventListener('dragleave', () => {
    depth = Math.max(0, depth - 1);
    if (depth === 0) dragging(false);
  }, { signal });
  dropZone.addEventListener('drop', (event) => {
    depth = 0;
    dragging(false);
    if (!carriesFiles(event) || !enabled()) return;
    event.preventDefault();
    const files = event.dataTransfer.files;
    if (files && files.length > 0) tray.add(files);
  }, { signal });
  pasteTarget.addEventListener('paste', (event) => {
    const files = [...(event.clipboardData?.files || [])];
    if (files.length === 0 || !enabled()) return; // text is pasted as text
    event.preventDefault();
    tray.add(files);
  }, { signal });
}
